/* msinfo DEVICE — the `start,next` line of `cdrecord -msinfo` (the two
 * numbers `mkisofs -C` takes), then every property of every multisession
 * object the drive offers.
 *
 * DEVICE is a drive (/dev/sr0) or an emulated disc image.
 * Exit status, as `multisession info`/`msinfo`: 0 when a session can be
 * appended, 3 on a blank disc (no session to continue: no msinfo line, as
 * cdrecord -msinfo), 1 when no session can be appended (closed media; the
 * reason goes to stderr), 2 on usage and other errors.
 *
 * Build: cc -std=c99 -Iinclude examples/c/msinfo.c -Ltarget/release -lmultisession */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "multisession.h"

static void fail(const char *what, ms_hresult hr) {
    char status[256];
    char detail[1024];
    size_t needed;
    if (MS_FAILED(ms_status_describe(hr, status, sizeof status, &needed))) {
        status[0] = '\0';
    }
    if (MS_FAILED(ms_last_error_message(detail, sizeof detail, &needed))) {
        detail[0] = '\0';
    }
    fprintf(stderr, "msinfo: %s failed: %s (%s)\n", what, status, detail);
}

#define TRY(call)                \
    do {                         \
        ms_hresult try_hr_ = (call); \
        if (MS_FAILED(try_hr_)) {   \
            fail(#call, try_hr_);   \
            exit(2);                \
        }                        \
    } while (0)

static const char *kind_name(uint32_t kind) {
    switch (kind) {
    case MS_MULTISESSION_SEQUENTIAL: return "Sequential";
    case MS_MULTISESSION_RANDOM_WRITE: return "RandomWrite";
    case MS_MULTISESSION_PSEUDO_OVERWRITE: return "PseudoOverwrite";
    default: return "unknown";
    }
}

static void print_long(const char *name, ms_hresult hr, int32_t value) {
    if (MS_SUCCEEDED(hr)) {
        printf("    %s: %ld\n", name, (long)value);
    } else {
        printf("    %s: error 0x%08lX\n", name, (unsigned long)(uint32_t)hr);
    }
}

static void print_bool(const char *name, ms_hresult hr, bool value) {
    if (MS_SUCCEEDED(hr)) {
        printf("    %s: %s\n", name, value ? "true" : "false");
    } else {
        printf("    %s: error 0x%08lX\n", name, (unsigned long)(uint32_t)hr);
    }
}

static void print_object(size_t index, ms_multisession ms) {
    uint32_t kind = 0;
    bool flag = false;
    int32_t v = 0;
    ms_hresult hr;

    TRY(ms_multisession_kind(ms, &kind));
    printf("object %lu: %s\n", (unsigned long)index, kind_name(kind));
    hr = ms_is_supported_on_current_media_state(ms, &flag);
    print_bool("IsSupportedOnCurrentMediaState", hr, flag);
    hr = ms_in_use(ms, &flag);
    print_bool("InUse", hr, flag);
    switch (kind) {
    case MS_MULTISESSION_SEQUENTIAL:
        hr = ms_sequential_is_first_data_session(ms, &flag);
        print_bool("IsFirstDataSession", hr, flag);
        hr = ms_sequential_start_address_of_previous_session(ms, &v);
        print_long("StartAddressOfPreviousSession", hr, v);
        hr = ms_sequential_last_written_address_of_previous_session(ms, &v);
        print_long("LastWrittenAddressOfPreviousSession", hr, v);
        hr = ms_sequential_next_writable_address(ms, &v);
        print_long("NextWritableAddress", hr, v);
        hr = ms_sequential_free_sectors_on_media(ms, &v);
        print_long("FreeSectorsOnMedia", hr, v);
        hr = ms_sequential_write_unit_size(ms, &v);
        print_long("WriteUnitSize", hr, v);
        break;
    case MS_MULTISESSION_RANDOM_WRITE:
        hr = ms_random_write_write_unit_size(ms, &v);
        print_long("WriteUnitSize", hr, v);
        hr = ms_random_write_last_written_address(ms, &v);
        print_long("LastWrittenAddress", hr, v);
        hr = ms_random_write_total_sectors_on_media(ms, &v);
        print_long("TotalSectorsOnMedia", hr, v);
        break;
    case MS_MULTISESSION_PSEUDO_OVERWRITE:
        hr = ms_pseudo_overwrite_next_writable_address(ms, &v);
        print_long("NextWritableAddress", hr, v);
        hr = ms_pseudo_overwrite_last_recorded_address(ms, &v);
        print_long("LastRecordedAddress", hr, v);
        hr = ms_pseudo_overwrite_total_sectors_on_media(ms, &v);
        print_long("TotalSectorsOnMedia", hr, v);
        hr = ms_pseudo_overwrite_write_unit_size(ms, &v);
        print_long("WriteUnitSize", hr, v);
        break;
    default:
        break;
    }
}

int main(int argc, char **argv) {
    ms_recorder rec;
    ms_list list;
    ms_image img;
    ms_multisession objects[8];
    size_t count = 0;
    size_t i;
    ms_hresult put;
    int status = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DEVICE\n", argv[0]);
        return 2;
    }
    if (ms_abi_version() >> 16 != MS_ABI_VERSION_MAJOR) {
        fprintf(stderr, "msinfo: libmultisession ABI %lu, header ABI %d\n",
                (unsigned long)(ms_abi_version() >> 16), MS_ABI_VERSION_MAJOR);
        return 2;
    }
    TRY(ms_recorder_open(argv[1], &rec));
    TRY(ms_recorder_multisession_interfaces(rec, &list));
    TRY(ms_list_count(list, &count));
    if (count > sizeof objects / sizeof objects[0]) {
        count = sizeof objects / sizeof objects[0];
    }
    for (i = 0; i < count; i++) {
        TRY(ms_list_get(list, i, &objects[i]));
    }

    /* The file-system image chooses the object and places the next session. */
    TRY(ms_image_new(&img));
    put = ms_set_interfaces(img, objects, count);
    if (MS_SUCCEEDED(put)) {
        ms_multisession chosen;
        uint32_t kind = 0;
        int32_t start = 0;
        int32_t next = 0;
        TRY(ms_image_chosen_interface(img, &chosen));
        TRY(ms_multisession_kind(chosen, &kind));
        if (kind == MS_MULTISESSION_SEQUENTIAL) {
            TRY(ms_sequential_start_address_of_previous_session(chosen, &start));
        }
        /* Random-write and pseudo-overwrite media keep one growing volume at 0. */
        TRY(ms_image_session_start_block(img, &next));
        printf("%ld,%ld\n", (long)(start < 0 ? 0 : start), (long)next);
        TRY(ms_multisession_release(chosen));
    } else {
        fail("choosing a multisession object", put);
        /* Blank media have no previous session to import. */
        status = put == MS_IMAPI_E_IMPORT_SEEK_FAILURE ? 3 : 1;
    }

    for (i = 0; i < count; i++) {
        print_object(i, objects[i]);
    }
    if (MS_SUCCEEDED(put)) {
        int32_t next = 0;
        int32_t free_blocks = 0;
        TRY(ms_image_session_start_block(img, &next));
        TRY(ms_image_free_media_blocks(img, &free_blocks));
        printf("image: SessionStartBlock %ld, FreeMediaBlocks %ld\n", (long)next,
               (long)free_blocks);
    }

    for (i = 0; i < count; i++) {
        TRY(ms_multisession_release(objects[i]));
    }
    TRY(ms_image_release(img));
    TRY(ms_list_release(list));
    TRY(ms_recorder_release(rec));
    return status;
}
