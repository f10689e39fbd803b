/* The whole IMAPI append flow through the C ABI on emulated CD-R, DVD+R,
 * BD-R, DVD+RW and BD-RE: a first session, then open recorder → list →
 * put on an image → import → add a file from a stream callback and one
 * from a path → create the result → ms_write with a progress callback →
 * re-open and check, through a fresh image's import, that the new session
 * lists the old and the new files. Then a write cancelled from the
 * callback leaves the previous session current and intact.
 *
 * Usage: append_flow DIR */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define ACTION_WRITING_DATA 4u
#define ACTION_COMPLETED 6u
#define ACTION_VERIFYING 7u
#define STATE_APPENDABLE 0x0004u

static uint8_t pattern_byte(unsigned seed, size_t i) {
    return (uint8_t)(i * 31u + seed) ^ (uint8_t)(i >> 11);
}

/* What the progress callback saw. */
typedef struct {
    int events;
    uint32_t last_action;
    int32_t last_done;
    double last_elapsed;
    int out_of_order;
    int cancel_while_writing;
    int cancelled;
    int32_t start_lba;
    int32_t sector_count;
} progress_log;

static uint32_t on_progress(void *context, const ms_progress *p) {
    progress_log *log = context;
    if (log->events > 0) {
        if (p->action < log->last_action) log->out_of_order++;
        if (p->action == log->last_action && p->sectors_done < log->last_done) log->out_of_order++;
        if (p->elapsed_seconds < log->last_elapsed) log->out_of_order++;
    }
    if (p->sectors_done > p->sector_count || p->start_lba != log->start_lba ||
        p->sector_count != log->sector_count)
        log->out_of_order++;
    log->events++;
    log->last_action = p->action;
    log->last_done = p->sectors_done;
    log->last_elapsed = p->elapsed_seconds;
    if (log->cancel_while_writing && p->action == ACTION_WRITING_DATA && p->sectors_done > 0) {
        log->cancelled = 1;
        return MS_CANCEL;
    }
    return MS_CONTINUE;
}

static int is_overwritable(uint16_t profile) {
    return profile == 0x001A || profile == 0x0043;
}

static int write_local_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fputs(text, f);
    return fclose(f) == 0;
}

/* Options that keep every disc appendable (IMAPI's default closes DVD+R). */
static ms_write_options appendable_options(void) {
    ms_write_options o;
    memset(&o, 0, sizeof o);
    CHECK_OK(ms_write_options_default(&o));
    CHECK(o.progress_interval_ms == 500 && !o.force_media_to_be_closed);
    o.disable_consumer_dvd_compatibility_mode = true;
    o.progress_interval_ms = 0;
    return o;
}

/* An image with the disc's list put on it and the previous session
 * imported; on a blank disc (the put fails) one with the disc's defaults. */
static ms_image image_for(ms_recorder rec, int *imported) {
    ms_image image = {0};
    ms_list list = {0};
    size_t count = 0;
    CHECK_OK(ms_image_new(&image));
    CHECK_OK(ms_recorder_multisession_interfaces(rec, &list));
    CHECK_OK(ms_list_count(list, &count));
    ms_multisession objects[4];
    CHECK(count >= 1 && count <= 4);
    for (size_t i = 0; i < count && i < 4; i++) CHECK_OK(ms_list_get(list, i, &objects[i]));
    ms_hresult put = ms_set_interfaces(image, objects, count);
    *imported = 0;
    if (put == MS_S_OK) {
        uint32_t fs = 0;
        ms_hresult hr = ms_image_import(image, 0, &fs);
        if (hr == MS_S_OK) {
            /* IMAPI2's order over what the session holds: UDF where the
             * first session got the disc's defaults (write-once media),
             * Joliet where it kept the image's own (random-write media). */
            uint32_t found = 0, expected = 0;
            *imported = 1;
            CHECK_OK(ms_image_identify_file_systems(image, &rec, &found));
            CHECK_OK(ms_image_default_file_system_for_import(found, &expected));
            CHECK(fs == expected && (found & MS_FS_JOLIET));
        } else {
            CHECK_HR(hr, MS_IMAPI_E_EMPTY_DISC);
        }
    } else {
        CHECK_HR(put, MS_IMAPI_E_IMPORT_SEEK_FAILURE);
        CHECK_OK(ms_image_choose_defaults(image, rec));
    }
    for (size_t i = 0; i < count && i < 4; i++) CHECK_OK(ms_multisession_release(objects[i]));
    CHECK_OK(ms_list_release(list));
    return image;
}

static void check_item(ms_image image, const char *path, uint32_t kind, uint64_t size, bool on_medium) {
    ms_item_info info;
    memset(&info, 0xAB, sizeof info);
    CHECK_OK(ms_image_stat(image, path, &info));
    if (info.kind != kind || info.size != size || info.on_medium != on_medium) {
        fprintf(stderr, "%s: kind %u size %llu on_medium %d\n", path, info.kind,
                (unsigned long long)info.size, (int)info.on_medium);
        CHECK(0);
    } else {
        CHECK(1);
    }
}

/* Builds and writes the current image as the next session; returns the
 * ms_write status. */
static ms_hresult write_image(ms_recorder rec, ms_image image, progress_log *log) {
    ms_result result = {0};
    int32_t start = -2, total = -2, session_start = -3, lba = 0, blocks = 0;
    CHECK_OK(ms_image_create_result(image, &result));
    CHECK_OK(ms_result_start_block(result, &start));
    CHECK_OK(ms_result_total_blocks(result, &total));
    CHECK_OK(ms_image_session_start_block(image, &session_start));
    CHECK(start == session_start && total > 0);
    CHECK_OK(ms_result_anchor(result, &lba, &blocks));
    CHECK((blocks == 0 && lba == -1) || (lba == 16 && blocks > 0 && start > 0));
    ms_write_options options = appendable_options();
    log->start_lba = start;
    log->sector_count = total;
    ms_hresult hr = ms_write(rec, result, &options, on_progress, log);
    CHECK_OK(ms_result_release(result));
    return hr;
}

static void append_on(const char *dir, uint16_t profile, const char *name) {
    char disc[512], local[512];
    snprintf(disc, sizeof disc, "%s/%s.img", dir, name);
    snprintf(local, sizeof local, "%s/%s-local.txt", dir, name);
    CHECK_OK(ms_emulator_create(disc, profile, 0));
    CHECK(write_local_file(local, "from a path\n"));

    /* Session 1. */
    ms_recorder rec = {0};
    int imported = 1;
    CHECK_OK(ms_recorder_open(disc, &rec));
    ms_image image = image_for(rec, &imported);
    CHECK(!imported);
    CHECK_OK(ms_image_set_volume_name(image, "First"));
    CHECK_OK(ms_image_mkdir(image, "/docs/old", true));
    CHECK_OK(ms_image_add_file(image, "/docs/old/one.txt", local, false));
    check_stream s1 = {.length = 30000, .seed = 1, .byte = pattern_byte};
    CHECK_OK(ms_image_add_stream(image, "/stream-one.bin", s1.length, check_stream_read, check_stream_release, &s1, false));
    progress_log log1;
    memset(&log1, 0, sizeof log1);
    CHECK_OK(write_image(rec, image, &log1));
    CHECK(log1.events >= 2 && log1.out_of_order == 0 && log1.last_action == ACTION_COMPLETED);
    /* Read through once: the library let go of the context at the end. */
    CHECK(s1.position == s1.length && s1.released == 1);
    CHECK_OK(ms_image_release(image));
    CHECK(s1.released == 1);
    CHECK_OK(ms_recorder_release(rec));

    /* Session 2: re-open, list, put, import, add from a stream and a path. */
    CHECK_OK(ms_recorder_open(disc, &rec));
    image = image_for(rec, &imported);
    CHECK(imported);
    char label[64];
    size_t needed = 0;
    CHECK_OK(ms_image_imported_volume_name(image, label, sizeof label, &needed));
    CHECK(strcmp(label, "First") == 0 && needed == 6);
    CHECK_OK(ms_image_set_volume_name(image, "Second"));
    check_item(image, "/docs/old/one.txt", MS_ITEM_FILE, 12, true);
    check_stream s2 = {.length = 70001, .seed = 2, .byte = pattern_byte};
    CHECK_OK(ms_image_add_stream(image, "/docs/stream-two.bin", s2.length, check_stream_read, check_stream_release, &s2, false));
    CHECK_OK(ms_image_add_file(image, "/two.txt", local, false));
    CHECK_HR(ms_image_add_file(image, "/docs/old/one.txt", local, false), MS_IMAPI_E_DUP_NAME);
    CHECK_OK(ms_image_rename(image, "/stream-one.bin", "/docs/stream-one.bin"));
    progress_log log2;
    memset(&log2, 0, sizeof log2);
    CHECK_OK(write_image(rec, image, &log2));
    CHECK(log2.events >= 2 && log2.out_of_order == 0 && log2.last_action == ACTION_COMPLETED);
    CHECK_OK(ms_image_release(image));
    CHECK(s2.released == 1);
    CHECK_OK(ms_recorder_release(rec));

    /* Re-open: a fresh image lists the old and the new files. */
    CHECK_OK(ms_recorder_open(disc, &rec));
    image = image_for(rec, &imported);
    CHECK(imported);
    CHECK_OK(ms_image_imported_volume_name(image, label, sizeof label, &needed));
    CHECK(strcmp(label, "Second") == 0);
    check_item(image, "/docs", MS_ITEM_DIRECTORY, 0, false);
    check_item(image, "/docs/old/one.txt", MS_ITEM_FILE, 12, true);
    check_item(image, "/docs/stream-one.bin", MS_ITEM_FILE, 30000, true);
    check_item(image, "/docs/stream-two.bin", MS_ITEM_FILE, 70001, true);
    check_item(image, "/two.txt", MS_ITEM_FILE, 12, true);
    ms_item_info info;
    CHECK_HR(ms_image_stat(image, "/stream-one.bin", &info), MS_IMAPI_E_ITEM_NOT_FOUND);

    /* A new session's data read through ms_result_read before writing:
     * block 16 is the primary volume descriptor. */
    ms_result result = {0};
    uint8_t *blocks = malloc(17 * 2048);
    CHECK(blocks != NULL);
    CHECK_OK(ms_image_create_result(image, &result));
    CHECK_OK(ms_result_read(result, 0, blocks, 17 * 2048));
    CHECK(memcmp(blocks + 16 * 2048, "\001CD001", 6) == 0);
    CHECK_HR(ms_result_read(result, 0, blocks, 100), MS_E_INVALIDARG);
    CHECK_OK(ms_result_release(result));
    free(blocks);
    CHECK_OK(ms_image_release(image));
    CHECK_OK(ms_recorder_release(rec));
}

/* A write cancelled from the callback: MS_E_IMAPI_REQUEST_CANCELLED, the
 * previous session still the one a fresh import sees, and the disc still
 * takes the next session. */
static void cancel_on(const char *dir, uint16_t profile, const char *name) {
    char disc[512];
    snprintf(disc, sizeof disc, "%s/%s-cancel.img", dir, name);
    CHECK_OK(ms_emulator_create(disc, profile, 0));
    ms_recorder rec = {0};
    int imported = 0;
    CHECK_OK(ms_recorder_open(disc, &rec));
    ms_image image = image_for(rec, &imported);
    check_stream s1 = {.length = 5000, .seed = 5, .byte = pattern_byte};
    CHECK_OK(ms_image_add_stream(image, "/kept.bin", s1.length, check_stream_read, check_stream_release, &s1, false));
    progress_log log;
    memset(&log, 0, sizeof log);
    CHECK_OK(write_image(rec, image, &log));
    CHECK_OK(ms_image_release(image));

    image = image_for(rec, &imported);
    CHECK(imported);
    check_stream big = {.length = 4u << 20, .seed = 6, .byte = pattern_byte};
    CHECK_OK(ms_image_add_stream(image, "/big.bin", big.length, check_stream_read, check_stream_release, &big, false));
    memset(&log, 0, sizeof log);
    log.cancel_while_writing = 1;
    CHECK_HR(write_image(rec, image, &log), MS_E_IMAPI_REQUEST_CANCELLED);
    CHECK(log.cancelled && log.last_action == ACTION_WRITING_DATA);
    CHECK_OK(ms_image_release(image));
    CHECK(big.released == 1);
    CHECK_OK(ms_recorder_release(rec));

    CHECK_OK(ms_recorder_open(disc, &rec));
    /* Sequential media keep the interrupted session open until recovered;
     * overwritable media never had their anchor changed. */
    uint32_t recovery = 99;
    CHECK_OK(ms_recover(rec, &recovery));
    CHECK(recovery == (is_overwritable(profile) ? MS_RECOVERY_NOT_NEEDED : MS_RECOVERY_RESTORED));
    CHECK_OK(ms_recover(rec, &recovery));
    CHECK(recovery == MS_RECOVERY_NOT_NEEDED);
    image = image_for(rec, &imported);
    CHECK(imported);
    check_item(image, "/kept.bin", MS_ITEM_FILE, 5000, true);
    ms_item_info info;
    CHECK_HR(ms_image_stat(image, "/big.bin", &info), MS_IMAPI_E_ITEM_NOT_FOUND);
    check_stream again = {.length = 3000, .seed = 7, .byte = pattern_byte};
    CHECK_OK(ms_image_add_stream(image, "/after-cancel.bin", again.length, check_stream_read, check_stream_release, &again, false));
    memset(&log, 0, sizeof log);
    CHECK_OK(write_image(rec, image, &log));
    CHECK(log.last_action == ACTION_COMPLETED);
    CHECK_OK(ms_image_release(image));
    image = image_for(rec, &imported);
    check_item(image, "/kept.bin", MS_ITEM_FILE, 5000, true);
    check_item(image, "/after-cancel.bin", MS_ITEM_FILE, 3000, true);
    CHECK_OK(ms_image_release(image));
    CHECK_OK(ms_recorder_release(rec));
}

int main(int argc, char **argv) {
    check_args(argc, argv, 1, -1, "DIR");
    static const struct {
        uint16_t profile;
        const char *name;
    } discs[] = {
        {0x0009, "cd-r"}, {0x001B, "dvd+r"}, {0x0041, "bd-r"}, {0x001A, "dvd+rw"}, {0x0043, "bd-re"},
    };
    for (size_t i = 0; i < sizeof discs / sizeof discs[0]; i++) {
        int before = checks_failed;
        append_on(argv[1], discs[i].profile, discs[i].name);
        cancel_on(argv[1], discs[i].profile, discs[i].name);
        if (checks_failed != before) fprintf(stderr, "-- failures above on %s\n", discs[i].name);
    }
    return check_summary();
}
