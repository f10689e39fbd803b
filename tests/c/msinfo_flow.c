/* The msinfo flow on emulated discs: open, offered objects, every property
 * (checked against the drive's media information and the docs/architecture.md rules),
 * the file-system image's choice, SessionStartBlock/FreeMediaBlocks and
 * shared InUse.
 *
 * Usage: msinfo_flow DIR [DISC...]
 * Blank CD-R, DVD+R, BD-R, DVD+RW and BD-RE are created in DIR; each extra
 * DISC (e.g. an appendable or POW-formatted disc made by the Rust harness)
 * goes through the same flow. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

#define STATE_BLANK 0x0002u
#define STATE_APPENDABLE 0x0004u
#define STATE_WRITE_PROTECTED 0x2000u
#define STATE_FINALIZED 0x4000u

static int is_random_write(uint16_t profile) {
    return profile == 0x0012 || profile == 0x0013 || profile == 0x001A || profile == 0x002A ||
           profile == 0x0043;
}

static int32_t align_up(int32_t value, int32_t unit) {
    return (value + unit - 1) / unit * unit;
}

static void check_sequential(ms_multisession ms, const ms_media_info *info) {
    bool first = false;
    int32_t start = 0, last = 0, nwa = 0, free_sectors = 0, unit = 0;
    int32_t other;
    CHECK_OK(ms_sequential_is_first_data_session(ms, &first));
    CHECK_OK(ms_sequential_start_address_of_previous_session(ms, &start));
    CHECK_OK(ms_sequential_last_written_address_of_previous_session(ms, &last));
    CHECK_OK(ms_sequential_next_writable_address(ms, &nwa));
    CHECK_OK(ms_sequential_free_sectors_on_media(ms, &free_sectors));
    CHECK_OK(ms_sequential_write_unit_size(ms, &unit));
    CHECK(first == (info->sessions == 0));
    CHECK(start == info->start_address_of_previous_session);
    CHECK(last == info->last_written_address_of_previous_session);
    CHECK(unit == info->write_unit_size);
    if (info->media_state & STATE_BLANK) {
        CHECK(start == -1 && last == -1 && nwa == 0);
        CHECK(free_sectors == info->free_sectors_on_media && free_sectors > 0);
    } else if (info->media_state & STATE_FINALIZED) {
        CHECK(start >= 0 && last >= start);
        CHECK(nwa == -1 && free_sectors == 0);
    } else {
        CHECK(start >= 0 && last >= start && nwa > last);
        CHECK(nwa == info->next_writable_address);
        CHECK(free_sectors == info->free_sectors_on_media);
    }
    CHECK_HR(ms_random_write_total_sectors_on_media(ms, &other), MS_E_NOINTERFACE);
    CHECK_HR(ms_pseudo_overwrite_next_writable_address(ms, &other), MS_E_NOINTERFACE);
}

static void check_random_write(ms_multisession ms, const ms_media_info *info) {
    int32_t unit = 0, last = 0, total = 0, other;
    CHECK_OK(ms_random_write_write_unit_size(ms, &unit));
    CHECK_OK(ms_random_write_last_written_address(ms, &last));
    CHECK_OK(ms_random_write_total_sectors_on_media(ms, &total));
    CHECK(unit == info->write_unit_size && (unit == 16 || unit == 32));
    CHECK(last == info->last_recorded_address);
    CHECK(total == info->total_sectors_on_media && total > 0);
    CHECK_HR(ms_sequential_next_writable_address(ms, &other), MS_E_NOINTERFACE);
}

static void check_pseudo_overwrite(ms_multisession ms, const ms_media_info *info) {
    int32_t nwa = 0, last = 0, total = 0, unit = 0, other;
    CHECK_OK(ms_pseudo_overwrite_next_writable_address(ms, &nwa));
    CHECK_OK(ms_pseudo_overwrite_last_recorded_address(ms, &last));
    CHECK_OK(ms_pseudo_overwrite_total_sectors_on_media(ms, &total));
    CHECK_OK(ms_pseudo_overwrite_write_unit_size(ms, &unit));
    CHECK(unit == 32);
    CHECK(nwa == info->next_writable_address);
    CHECK(last == info->last_recorded_address);
    CHECK(total == info->total_sectors_on_media);
    CHECK_HR(ms_sequential_write_unit_size(ms, &other), MS_E_NOINTERFACE);
}

static void check_disc(const char *path) {
    ms_recorder rec, imported;
    ms_media_info info;
    ms_list list, got;
    ms_multisession objects[4];
    ms_image img;
    size_t count = 0, got_count = 0, i;
    uint32_t kinds[4];
    int random = 0, appendable = 0, writable = 0, sequential = 0;
    ms_hresult put;
    char vendor[64];
    size_t needed = 0;

    printf("-- %s\n", path);
    CHECK_OK(ms_recorder_open(path, &rec));
    CHECK_OK(ms_recorder_identity(rec, MS_IDENTITY_VENDOR, vendor, sizeof vendor, &needed));
    CHECK(needed == strlen(vendor) + 1);
    CHECK_OK(ms_recorder_media_info(rec, &info));
    random = is_random_write(info.profile);
    writable = (info.media_state & STATE_WRITE_PROTECTED) == 0;
    appendable = writable && (info.media_state & (STATE_BLANK | STATE_APPENDABLE)) &&
                 !(info.media_state & STATE_FINALIZED);
    /* A written POW BD-R grows one volume: only PseudoOverwrite continues it. */
    sequential = appendable && !(info.pseudo_overwrite && !(info.media_state & STATE_BLANK));

    /* Which objects: by media type (docs/architecture.md). */
    CHECK_OK(ms_recorder_multisession_interfaces(rec, &list));
    CHECK_OK(ms_list_count(list, &count));
    CHECK(count >= 1 && count <= 2);
    if (count > 2) {
        count = 2;
    }
    for (i = 0; i < count; i++) {
        CHECK_OK(ms_list_get(list, i, &objects[i]));
        CHECK_OK(ms_multisession_kind(objects[i], &kinds[i]));
    }
    if (random) {
        CHECK(count == 1 && kinds[0] == MS_MULTISESSION_RANDOM_WRITE);
    } else if (info.pseudo_overwrite) {
        CHECK(count == 2 && kinds[0] == MS_MULTISESSION_SEQUENTIAL &&
              kinds[1] == MS_MULTISESSION_PSEUDO_OVERWRITE);
    } else {
        CHECK(count == 1 && kinds[0] == MS_MULTISESSION_SEQUENTIAL);
    }

    /* Every property of every object. */
    for (i = 0; i < count; i++) {
        bool supported = false, in_use = true;
        CHECK_OK(ms_is_supported_on_current_media_state(objects[i], &supported));
        CHECK_OK(ms_in_use(objects[i], &in_use));
        CHECK(!in_use);
        CHECK_OK(ms_import_recorder(objects[i], &imported));
        CHECK_OK(ms_recorder_release(imported));
        switch (kinds[i]) {
        case MS_MULTISESSION_SEQUENTIAL:
            CHECK(supported == (sequential != 0));
            check_sequential(objects[i], &info);
            break;
        case MS_MULTISESSION_RANDOM_WRITE:
            CHECK(supported == (writable != 0));
            check_random_write(objects[i], &info);
            break;
        default:
            CHECK(supported == (appendable && info.next_writable_address >= 0));
            check_pseudo_overwrite(objects[i], &info);
            break;
        }
    }

    /* The image: empty before the put, then the same objects, a choice, a place. */
    CHECK_OK(ms_image_new(&img));
    CHECK_OK(ms_get_interfaces(img, &got));
    CHECK_OK(ms_list_count(got, &got_count));
    CHECK(got_count == 0);
    CHECK_OK(ms_list_release(got));
    put = ms_set_interfaces(img, objects, count);
    if (!random && (info.media_state & STATE_BLANK)) {
        CHECK(put == MS_IMAPI_E_IMPORT_SEEK_FAILURE);
    } else if (!appendable && !random) {
        CHECK(put == MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE);
    } else if (random && !writable) {
        CHECK(put == MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE);
    } else {
        ms_multisession chosen, again;
        uint32_t chosen_kind = 0;
        int32_t start = 0, free_blocks = 0;
        bool in_use = false;
        CHECK_OK(put);
        CHECK_OK(ms_image_chosen_interface(img, &chosen));
        CHECK_OK(ms_multisession_kind(chosen, &chosen_kind));
        CHECK(chosen_kind == (random || sequential ? kinds[0] : kinds[count - 1]));
        CHECK_OK(ms_image_session_start_block(img, &start));
        CHECK_OK(ms_image_free_media_blocks(img, &free_blocks));
        if (chosen_kind == MS_MULTISESSION_PSEUDO_OVERWRITE) {
            CHECK(start == align_up(info.next_writable_address, 32));
            CHECK(free_blocks == info.total_sectors_on_media - start);
        } else if (random) {
            CHECK(start >= 0 && start % info.write_unit_size == 0);
            CHECK(free_blocks == info.total_sectors_on_media - start);
        } else {
            CHECK(start == info.next_writable_address);
            CHECK(free_blocks == info.free_sectors_on_media);
        }
        /* Auto-selection leaves InUse alone. */
        CHECK_OK(ms_in_use(chosen, &in_use));
        CHECK(!in_use);
        /* The image holds the same objects: InUse set here is seen there. */
        CHECK_OK(ms_get_interfaces(img, &got));
        CHECK_OK(ms_list_count(got, &got_count));
        CHECK(got_count == count);
        CHECK_OK(ms_list_get(got, count - 1, &again));
        CHECK_OK(ms_set_in_use(objects[count - 1], true));
        CHECK_OK(ms_in_use(again, &in_use));
        CHECK(in_use);
        /* With that one in use the image chooses it. */
        CHECK_OK(ms_set_interfaces(img, objects, count));
        CHECK_OK(ms_multisession_release(chosen));
        CHECK_OK(ms_image_chosen_interface(img, &chosen));
        CHECK_OK(ms_multisession_kind(chosen, &chosen_kind));
        CHECK(chosen_kind == kinds[count - 1]);
        if (chosen_kind == MS_MULTISESSION_PSEUDO_OVERWRITE) {
            CHECK_OK(ms_image_session_start_block(img, &start));
            CHECK(start == align_up(info.next_writable_address, 32));
        }
        /* Two in use: E_INVALIDARG, and the image keeps its previous choice. */
        CHECK_OK(ms_set_in_use(objects[0], true));
        if (count == 2) {
            CHECK_HR(ms_set_interfaces(img, objects, count), MS_E_INVALIDARG);
        } else {
            ms_multisession twice[2];
            twice[0] = objects[0];
            twice[1] = again;
            CHECK_HR(ms_set_interfaces(img, twice, 2), MS_E_INVALIDARG);
        }
        CHECK_OK(ms_set_in_use(objects[0], false));
        CHECK_OK(ms_set_in_use(objects[count - 1], false));
        CHECK_OK(ms_multisession_release(again));
        CHECK_OK(ms_list_release(got));
        CHECK_OK(ms_multisession_release(chosen));
    }
    if (MS_FAILED(put)) {
        ms_multisession none;
        CHECK_HR(ms_image_chosen_interface(img, &none), MS_IMAPI_E_MULTISESSION_NOT_SET);
    }

    for (i = 0; i < count; i++) {
        CHECK_OK(ms_multisession_release(objects[i]));
    }
    CHECK_OK(ms_image_release(img));
    CHECK_OK(ms_list_release(list));
    CHECK_OK(ms_recorder_release(rec));
}

int main(int argc, char **argv) {
    static const struct {
        const char *name;
        uint16_t profile;
    } blanks[] = {
        {"cd-r", 0x0009}, {"dvd+r", 0x001B}, {"bd-r", 0x0041}, {"dvd+rw", 0x001A}, {"bd-re", 0x0043},
    };
    char path[4096];
    size_t i;
    int a;

    check_args(argc, argv, 1, -1, "DIR [DISC...]");
    for (i = 0; i < sizeof blanks / sizeof blanks[0]; i++) {
        snprintf(path, sizeof path, "%s/flow-%s.img", argv[1], blanks[i].name);
        CHECK_OK(ms_emulator_create(path, blanks[i].profile, 0));
        check_disc(path);
    }
    for (a = 2; a < argc; a++) {
        check_disc(argv[a]);
    }
    return check_summary();
}
