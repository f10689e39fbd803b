/* NULL pointers, bad handles, messages and versions.
 * Usage: errors DIR   (DIR: a writable directory for the emulated disc) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static void null_pointers(const char *disc, ms_recorder rec, ms_list list, ms_multisession ms,
                          ms_image img) {
    char buf[64];
    size_t needed = 0;
    int32_t lvalue = 0;
    bool flag = false;
    uint32_t kind = 0;
    ms_recorder rec_out;
    ms_list list_out;
    ms_multisession ms_out;
    ms_image img_out;
    ms_media_info info;

    CHECK_HR(ms_recorder_open(NULL, &rec_out), MS_E_POINTER);
    CHECK_HR(ms_recorder_open(disc, NULL), MS_E_POINTER);
    CHECK_HR(ms_recorder_identity(rec, MS_IDENTITY_VENDOR, NULL, sizeof buf, &needed), MS_E_POINTER);
    CHECK_HR(ms_recorder_identity(rec, MS_IDENTITY_VENDOR, buf, sizeof buf, NULL), MS_E_POINTER);
    CHECK_HR(ms_recorder_media_info(rec, NULL), MS_E_POINTER);
    CHECK_HR(ms_recorder_multisession_interfaces(rec, NULL), MS_E_POINTER);
    CHECK_HR(ms_list_count(list, NULL), MS_E_POINTER);
    CHECK_HR(ms_list_get(list, 0, NULL), MS_E_POINTER);
    CHECK_HR(ms_multisession_kind(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_is_supported_on_current_media_state(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_in_use(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_import_recorder(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_sequential_is_first_data_session(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_sequential_start_address_of_previous_session(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_sequential_last_written_address_of_previous_session(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_sequential_next_writable_address(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_sequential_free_sectors_on_media(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_sequential_write_unit_size(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_random_write_write_unit_size(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_random_write_last_written_address(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_random_write_total_sectors_on_media(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_pseudo_overwrite_next_writable_address(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_pseudo_overwrite_last_recorded_address(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_pseudo_overwrite_total_sectors_on_media(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_pseudo_overwrite_write_unit_size(ms, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_new(NULL), MS_E_POINTER);
    CHECK_HR(ms_set_interfaces(img, NULL, 1), MS_E_POINTER);
    CHECK_HR(ms_set_interfaces(img, NULL, 0), MS_E_POINTER);
    CHECK_HR(ms_get_interfaces(img, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_chosen_interface(img, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_session_start_block(img, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_free_media_blocks(img, NULL), MS_E_POINTER);
    CHECK_HR(ms_emulator_create(NULL, 0x0009, 0), MS_E_POINTER);
    CHECK_HR(ms_status_describe(MS_E_FAIL, NULL, sizeof buf, &needed), MS_E_POINTER);
    CHECK_HR(ms_status_describe(MS_E_FAIL, buf, sizeof buf, NULL), MS_E_POINTER);
    CHECK_HR(ms_last_error_message(NULL, sizeof buf, &needed), MS_E_POINTER);
    CHECK_HR(ms_last_error_message(buf, sizeof buf, NULL), MS_E_POINTER);

    /* Out-parameters are untouched by a failure. */
    lvalue = 12345;
    flag = true;
    kind = 77;
    memset(&info, 0xA5, sizeof info);
    rec_out.id = list_out.id = ms_out.id = img_out.id = 99;
    {
        ms_multisession zero_ms = {0};
        ms_recorder zero_rec = {0};
        ms_image zero_img = {0};
        ms_list zero_list = {0};
        unsigned char untouched[sizeof info];
        memset(untouched, 0xA5, sizeof untouched);
        CHECK_HR(ms_sequential_next_writable_address(zero_ms, &lvalue), MS_E_HANDLE);
        CHECK_HR(ms_in_use(zero_ms, &flag), MS_E_HANDLE);
        CHECK_HR(ms_multisession_kind(zero_ms, &kind), MS_E_HANDLE);
        CHECK_HR(ms_recorder_media_info(zero_rec, &info), MS_E_HANDLE);
        CHECK_HR(ms_recorder_multisession_interfaces(zero_rec, &list_out), MS_E_HANDLE);
        CHECK_HR(ms_list_get(zero_list, 0, &ms_out), MS_E_HANDLE);
        CHECK_HR(ms_import_recorder(zero_ms, &rec_out), MS_E_HANDLE);
        CHECK_HR(ms_image_chosen_interface(zero_img, &ms_out), MS_E_HANDLE);
        CHECK(MS_FAILED(ms_recorder_open("/nonexistent/disc.img", &rec_out)));
        CHECK(lvalue == 12345 && flag && kind == 77);
        CHECK(memcmp(&info, untouched, sizeof info) == 0);
        CHECK(rec_out.id == 99 && list_out.id == 99 && ms_out.id == 99 && img_out.id == 99);
    }
}

/* Every function taking a handle, given `h` of each kind. */
static void bad_handles(ms_recorder rec, ms_list list, ms_multisession ms, ms_image img,
                        ms_hresult want) {
    char buf[64];
    size_t needed = 0;
    int32_t lvalue = 0;
    bool flag = false;
    uint32_t kind = 0;
    size_t count = 0;
    ms_recorder rec_out;
    ms_list list_out;
    ms_multisession ms_out;
    ms_media_info info;

    CHECK_HR(ms_recorder_identity(rec, MS_IDENTITY_VENDOR, buf, sizeof buf, &needed), want);
    CHECK_HR(ms_recorder_media_info(rec, &info), want);
    CHECK_HR(ms_recorder_multisession_interfaces(rec, &list_out), want);
    CHECK_HR(ms_list_count(list, &count), want);
    CHECK_HR(ms_list_get(list, 0, &ms_out), want);
    CHECK_HR(ms_multisession_kind(ms, &kind), want);
    CHECK_HR(ms_is_supported_on_current_media_state(ms, &flag), want);
    CHECK_HR(ms_in_use(ms, &flag), want);
    CHECK_HR(ms_set_in_use(ms, true), want);
    CHECK_HR(ms_import_recorder(ms, &rec_out), want);
    CHECK_HR(ms_sequential_is_first_data_session(ms, &flag), want);
    CHECK_HR(ms_sequential_start_address_of_previous_session(ms, &lvalue), want);
    CHECK_HR(ms_sequential_last_written_address_of_previous_session(ms, &lvalue), want);
    CHECK_HR(ms_sequential_next_writable_address(ms, &lvalue), want);
    CHECK_HR(ms_sequential_free_sectors_on_media(ms, &lvalue), want);
    CHECK_HR(ms_sequential_write_unit_size(ms, &lvalue), want);
    CHECK_HR(ms_random_write_write_unit_size(ms, &lvalue), want);
    CHECK_HR(ms_random_write_last_written_address(ms, &lvalue), want);
    CHECK_HR(ms_random_write_total_sectors_on_media(ms, &lvalue), want);
    CHECK_HR(ms_pseudo_overwrite_next_writable_address(ms, &lvalue), want);
    CHECK_HR(ms_pseudo_overwrite_last_recorded_address(ms, &lvalue), want);
    CHECK_HR(ms_pseudo_overwrite_total_sectors_on_media(ms, &lvalue), want);
    CHECK_HR(ms_pseudo_overwrite_write_unit_size(ms, &lvalue), want);
    CHECK_HR(ms_set_interfaces(img, &ms, 1), want);
    CHECK_HR(ms_get_interfaces(img, &list_out), want);
    CHECK_HR(ms_image_chosen_interface(img, &ms_out), want);
    CHECK_HR(ms_image_session_start_block(img, &lvalue), want);
    CHECK_HR(ms_image_free_media_blocks(img, &lvalue), want);
    CHECK_HR(ms_recorder_release(rec), want);
    CHECK_HR(ms_list_release(list), want);
    CHECK_HR(ms_multisession_release(ms), want);
    CHECK_HR(ms_image_release(img), want);
}

static void messages(void) {
    char buf[256];
    char tiny[4];
    size_t needed = 0;
    ms_image zero_img = {0};
    int32_t v;

    CHECK_OK(ms_status_describe(MS_E_POINTER, buf, sizeof buf, &needed));
    CHECK(strncmp(buf, "E_POINTER: ", 11) == 0 && needed == strlen(buf) + 1);
    CHECK_OK(ms_status_describe(MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE, buf, sizeof buf, &needed));
    CHECK(strncmp(buf, "IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE: ", 41) == 0);

    /* A size query, then a too-small buffer: needed is reported, the buffer untouched. */
    needed = 0;
    CHECK_HR(ms_status_describe(MS_E_HANDLE, NULL, 0, &needed), MS_E_NOT_SUFFICIENT_BUFFER);
    CHECK(needed > 4);
    memcpy(tiny, "xyz", 4);
    CHECK_HR(ms_status_describe(MS_E_HANDLE, tiny, sizeof tiny, &needed), MS_E_NOT_SUFFICIENT_BUFFER);
    CHECK(strcmp(tiny, "xyz") == 0);

    /* The last error names the function and survives reading it. */
    CHECK_HR(ms_image_session_start_block(zero_img, &v), MS_E_HANDLE);
    CHECK_OK(ms_last_error_message(buf, sizeof buf, &needed));
    CHECK(strncmp(buf, "ms_image_session_start_block: ", 30) == 0);
    CHECK_OK(ms_status_describe(MS_E_HANDLE, buf, sizeof buf, &needed));
    CHECK_OK(ms_last_error_message(buf, sizeof buf, &needed));
    CHECK(strstr(buf, "zero") != NULL);

    /* A success clears it. */
    CHECK_OK(ms_image_new(&zero_img));
    CHECK_OK(ms_last_error_message(buf, sizeof buf, &needed));
    CHECK(buf[0] == '\0' && needed == 1);
    CHECK_OK(ms_image_release(zero_img));

    CHECK(ms_abi_version() == ((uint32_t)MS_ABI_VERSION_MAJOR << 16 | MS_ABI_VERSION_MINOR));
    CHECK(MS_SUCCEEDED(MS_S_OK) && MS_SUCCEEDED(MS_S_FALSE) && !MS_FAILED(MS_S_IMAPI_SPEEDADJUSTED));
    CHECK(MS_FAILED(MS_E_POINTER) && MS_FAILED(MS_IMAPI_E_BAD_MULTISESSION_PARAMETER));
    CHECK((uint32_t)MS_E_HANDLE == 0x80070006u && (uint32_t)MS_E_POINTER == 0x80004003u);
    CHECK((uint32_t)MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE == 0xC0AAB15Cu);
}

/* The whole content of `path` into `buf` (at most `cap` bytes); its length. */
static size_t slurp(const char *path, char *buf, size_t cap) {
    size_t n = 0;
    FILE *f = fopen(path, "rb");
    if (f) {
        n = fread(buf, 1, cap, f);
        fclose(f);
    }
    return n;
}

/* An existing disc is never blanked unless replacing is asked for. */
static void existing_disc(const char *dir) {
    char disc[512], sidecar[600];
    static char image_before[4096], sidecar_before[8192], now[8192];
    size_t image_len, sidecar_len;
    FILE *f;

    snprintf(disc, sizeof disc, "%s/errors-existing.img", dir);
    snprintf(sidecar, sizeof sidecar, "%s.json", disc);
    CHECK_OK(ms_emulator_create(disc, 0x0009, 0));
    /* Stands for recorded sessions. */
    f = fopen(disc, "ab");
    CHECK(f != NULL);
    if (f) {
        fputs("recorded data", f);
        fclose(f);
    }
    image_len = slurp(disc, image_before, sizeof image_before);
    sidecar_len = slurp(sidecar, sidecar_before, sizeof sidecar_before);
    CHECK(image_len > 0 && sidecar_len > 0);

    CHECK_HR(ms_emulator_create(disc, 0x0009, 0), MS_E_WIN32_FILE_EXISTS);
    CHECK_HR(ms_emulator_create_ex(disc, 0x001B, 0, false), MS_E_WIN32_FILE_EXISTS);
    CHECK(slurp(disc, now, sizeof now) == image_len && memcmp(now, image_before, image_len) == 0);
    CHECK(slurp(sidecar, now, sizeof now) == sidecar_len &&
          memcmp(now, sidecar_before, sidecar_len) == 0);
    CHECK_HR(ms_emulator_create_ex(NULL, 0x0009, 0, true), MS_E_POINTER);

    CHECK_OK(ms_emulator_create_ex(disc, 0x0009, 0, true));
    CHECK(slurp(disc, now, sizeof now) == 0);
}

int main(int argc, char **argv) {
    char disc[4096];
    ms_recorder rec, rec2;
    ms_list list, list2;
    ms_multisession ms, ms2;
    ms_image img, img2;
    size_t count = 0;

    check_args(argc, argv, 1, 1, "DIR");
    snprintf(disc, sizeof disc, "%s/errors-cd-r.img", argv[1]);
    CHECK_OK(ms_emulator_create(disc, 0x0009, 0));
    CHECK_HR(ms_emulator_create(disc, 0x1234, 0), MS_E_INVALIDARG);
    existing_disc(argv[1]);
    CHECK_OK(ms_recorder_open(disc, &rec));
    CHECK_OK(ms_recorder_multisession_interfaces(rec, &list));
    CHECK_OK(ms_list_count(list, &count));
    CHECK(count == 1);
    CHECK_OK(ms_list_get(list, 0, &ms));
    CHECK_HR(ms_list_get(list, 1, &ms2), MS_E_INVALIDARG);
    CHECK_OK(ms_image_new(&img));

    null_pointers(disc, rec, list, ms, img);

    /* Zero handles. */
    {
        ms_recorder r = {0};
        ms_list l = {0};
        ms_multisession m = {0};
        ms_image i = {0};
        bad_handles(r, l, m, i, MS_E_HANDLE);
    }
    /* Released handles, and releasing them a second time. */
    CHECK_OK(ms_recorder_open(disc, &rec2));
    CHECK_OK(ms_recorder_multisession_interfaces(rec2, &list2));
    CHECK_OK(ms_list_get(list2, 0, &ms2));
    CHECK_OK(ms_image_new(&img2));
    CHECK_OK(ms_recorder_release(rec2));
    CHECK_OK(ms_list_release(list2));
    CHECK_OK(ms_multisession_release(ms2));
    CHECK_OK(ms_image_release(img2));
    bad_handles(rec2, list2, ms2, img2, MS_E_HANDLE);
    /* Wrong kinds: each live id passed as another kind. */
    {
        ms_recorder r;
        ms_list l;
        ms_multisession m;
        ms_image i;
        r.id = img.id;
        l.id = ms.id;
        m.id = list.id;
        i.id = rec.id;
        bad_handles(r, l, m, i, MS_E_HANDLE);
        /* Garbage ids. */
        r.id = 0xFFFFFFFFFFFFFFFFull;
        l.id = 0x02FFFFFF00000001ull;
        m.id = 0x03FFFFFF00000001ull;
        i.id = 1;
        bad_handles(r, l, m, i, MS_E_HANDLE);
    }
    /* The real handles survived all of that; a released element in a list is a bad handle. */
    CHECK_OK(ms_list_count(list, &count));
    {
        ms_multisession two[2];
        two[0] = ms;
        two[1] = ms2;
        CHECK_HR(ms_set_interfaces(img, two, 2), MS_E_HANDLE);
        CHECK_HR(ms_set_interfaces(img, two, 0), MS_E_INVALIDARG);
    }

    messages();

    CHECK_OK(ms_image_release(img));
    CHECK_OK(ms_multisession_release(ms));
    CHECK_OK(ms_list_release(list));
    CHECK_OK(ms_recorder_release(rec));
    return check_summary();
}
