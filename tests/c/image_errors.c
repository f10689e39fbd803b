/* Every image, result and write function of the C ABI: NULL pointers give
 * MS_E_POINTER, zero, released and wrong-kind handles give MS_E_HANDLE,
 * out-parameters stay untouched on failure, and the IMAPI codes of the
 * image's own failures come through with a message.
 *
 * Usage: image_errors DIR */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static ms_hresult never_read(void *context, uint8_t *buf, size_t len, size_t *read) {
    (void)context;
    (void)buf;
    (void)len;
    *read = 0;
    return MS_E_FAIL;
}

static void count_release(void *context) {
    (*(int *)context)++;
}

static uint32_t never_called(void *context, const ms_progress *p) {
    (void)p;
    (*(int *)context)++;
    return MS_CONTINUE;
}

/* Every function that takes an image, with `image` bad (and valid pointers). */
static void image_functions_reject(ms_image image, ms_recorder rec, ms_hresult want) {
    uint32_t u = 77;
    int32_t l = 77;
    char buf[16];
    size_t needed = 77;
    ms_result result = {77};
    ms_item_info info;
    int released = 0;
    CHECK_HR(ms_image_set_session_start_block(image, 0), want);
    CHECK_HR(ms_image_set_free_media_blocks(image, 0), want);
    CHECK_HR(ms_image_set_file_systems(image, MS_FS_ISO9660), want);
    CHECK_HR(ms_image_file_systems(image, &u), want);
    CHECK_HR(ms_image_set_volume_name(image, "x"), want);
    CHECK_HR(ms_image_volume_name(image, buf, sizeof buf, &needed), want);
    CHECK_HR(ms_image_imported_volume_name(image, buf, sizeof buf, &needed), want);
    CHECK_HR(ms_image_choose_defaults(image, rec), want);
    CHECK_HR(ms_image_choose_defaults_for_media_type(image, 2), want);
    CHECK_HR(ms_image_identify_file_systems(image, NULL, &u), want);
    CHECK_HR(ms_image_import(image, 0, &u), want);
    CHECK_HR(ms_image_import_session(image, 0, 0, &u), want);
    CHECK_HR(ms_image_newest_session_with_file_system(image, &u, &u), want);
    CHECK_HR(ms_image_create_result(image, &result), want);
    CHECK_HR(ms_image_add_file(image, "/f", "/etc/hostname", false), want);
    CHECK_HR(ms_image_add_tree(image, "/etc", "/", true, false), want);
    CHECK_HR(ms_image_add_stream(image, "/s", 1, never_read, count_release, &released, false), want);
    CHECK(released == 0);
    CHECK_HR(ms_image_mkdir(image, "/d", false), want);
    CHECK_HR(ms_image_remove(image, "/d", false), want);
    CHECK_HR(ms_image_rename(image, "/d", "/e"), want);
    CHECK_HR(ms_image_stat(image, "/", &info), want);
    CHECK_HR(ms_image_session_start_block(image, &l), want);
    CHECK(u == 77 && l == 77 && needed == 77 && result.id == 77);
}

/* Every function that takes a result, with `result` bad. */
static void result_functions_reject(ms_result result, ms_recorder rec, ms_hresult want) {
    uint8_t block[2048];
    int32_t a = 77, b = 77;
    int calls = 0;
    CHECK_HR(ms_result_read(result, 0, block, sizeof block), want);
    CHECK_HR(ms_result_start_block(result, &a), want);
    CHECK_HR(ms_result_total_blocks(result, &a), want);
    CHECK_HR(ms_result_anchor(result, &a, &b), want);
    CHECK_HR(ms_result_read_anchor(result, block, sizeof block), want);
    CHECK_HR(ms_write(rec, result, NULL, never_called, &calls), want);
    CHECK_HR(ms_result_release(result), want);
    CHECK(a == 77 && b == 77 && calls == 0);
}

/* Every function that takes a recorder, with `rec` bad. */
static void recorder_functions_reject(ms_recorder rec, ms_image image, ms_result result, ms_hresult want) {
    uint32_t u = 77;
    int calls = 0;
    CHECK_HR(ms_image_choose_defaults(image, rec), want);
    CHECK_HR(ms_image_identify_file_systems(image, &rec, &u), want);
    CHECK_HR(ms_write(rec, result, NULL, never_called, &calls), want);
    CHECK_HR(ms_erase(rec, false), want);
    CHECK_HR(ms_format(rec), want);
    CHECK_HR(ms_recover(rec, &u), want);
    CHECK(u == 77 && calls == 0);
}

static void null_pointers(ms_image image, ms_result result, ms_recorder rec) {
    char buf[16];
    size_t needed = 0;
    uint32_t u = 0;
    int32_t l = 0;
    ms_item_info info;
    int released = 0;
    CHECK_HR(ms_image_file_systems(image, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_set_volume_name(image, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_volume_name(image, NULL, sizeof buf, &needed), MS_E_POINTER);
    CHECK_HR(ms_image_volume_name(image, buf, sizeof buf, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_imported_volume_name(image, buf, sizeof buf, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_identify_file_systems(image, &rec, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_default_file_system_for_import(3, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_import(image, 0, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_import_session(image, 0, 0, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_newest_session_with_file_system(image, NULL, &u), MS_E_POINTER);
    CHECK_HR(ms_image_newest_session_with_file_system(image, &u, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_create_result(image, NULL), MS_E_POINTER);
    CHECK_HR(ms_image_add_file(image, NULL, "/etc/hostname", false), MS_E_POINTER);
    CHECK_HR(ms_image_add_file(image, "/f", NULL, false), MS_E_POINTER);
    CHECK_HR(ms_image_add_tree(image, NULL, "/", false, false), MS_E_POINTER);
    CHECK_HR(ms_image_add_tree(image, "/etc", NULL, false, false), MS_E_POINTER);
    CHECK_HR(ms_image_add_stream(image, NULL, 1, never_read, count_release, &released, false), MS_E_POINTER);
    CHECK_HR(ms_image_add_stream(image, "/s", 1, NULL, count_release, &released, false), MS_E_POINTER);
    CHECK(released == 0);
    CHECK_HR(ms_image_mkdir(image, NULL, false), MS_E_POINTER);
    CHECK_HR(ms_image_remove(image, NULL, false), MS_E_POINTER);
    CHECK_HR(ms_image_rename(image, NULL, "/e"), MS_E_POINTER);
    CHECK_HR(ms_image_rename(image, "/d", NULL), MS_E_POINTER);
    CHECK_HR(ms_image_stat(image, NULL, &info), MS_E_POINTER);
    CHECK_HR(ms_image_stat(image, "/", NULL), MS_E_POINTER);
    CHECK_HR(ms_result_read(result, 0, NULL, 2048), MS_E_POINTER);
    CHECK_HR(ms_result_start_block(result, NULL), MS_E_POINTER);
    CHECK_HR(ms_result_total_blocks(result, NULL), MS_E_POINTER);
    CHECK_HR(ms_result_anchor(result, NULL, &l), MS_E_POINTER);
    CHECK_HR(ms_result_anchor(result, &l, NULL), MS_E_POINTER);
    CHECK_HR(ms_result_read_anchor(result, NULL, 2048), MS_E_POINTER);
    CHECK_HR(ms_write_options_default(NULL), MS_E_POINTER);
    CHECK_HR(ms_recover(rec, NULL), MS_E_POINTER);
    (void)u;
}

/* The image's own failures: codes and messages. */
static void image_codes(const char *dir, ms_recorder rec) {
    ms_image image = {0};
    uint32_t u = 0;
    int released = 0;
    char message[256];
    size_t needed = 0;
    CHECK_OK(ms_image_new(&image));
    CHECK_HR(ms_image_import(image, 0, &u), MS_IMAPI_E_MULTISESSION_NOT_SET);
    CHECK_OK(ms_last_error_message(message, sizeof message, &needed));
    CHECK(strstr(message, "ms_image_import") != NULL);
    CHECK_HR(ms_image_import_session(image, 0, 0, &u), MS_IMAPI_E_MULTISESSION_NOT_SET);
    CHECK_HR(ms_image_newest_session_with_file_system(image, &u, &u),
             MS_IMAPI_E_MULTISESSION_NOT_SET);
    CHECK_HR(ms_image_identify_file_systems(image, NULL, &u), MS_IMAPI_E_MULTISESSION_NOT_SET);
    u = 99;
    CHECK_OK(ms_image_identify_file_systems(image, &rec, &u));
    CHECK(u == 0); /* blank */
    CHECK_OK(ms_image_file_systems(image, &u));
    CHECK(u == (MS_FS_ISO9660 | MS_FS_JOLIET));
    CHECK_HR(ms_image_set_file_systems(image, 0), MS_IMAPI_E_NO_OUTPUT);
    /* UDF alone is a UDF-only session (IMAPI2's FsiFileSystemUDF). */
    CHECK_OK(ms_image_set_file_systems(image, MS_FS_UDF));
    CHECK_OK(ms_image_file_systems(image, &u));
    CHECK(u == MS_FS_UDF);
    CHECK_OK(ms_image_set_file_systems(image, MS_FS_ISO9660 | MS_FS_JOLIET));
    CHECK_HR(ms_image_set_file_systems(image, 0x100), MS_IMAPI_E_INVALID_PARAM);
    CHECK_HR(ms_image_set_volume_name(image, "123456789012345678901234567890123"),
             MS_IMAPI_E_INVALID_VOLUME_NAME);
    CHECK_HR(ms_image_set_volume_name(image, "bad\xff"), MS_IMAPI_E_INVALID_VOLUME_NAME);
    CHECK_OK(ms_image_set_volume_name(image, "Label"));
    char small[3];
    needed = 0;
    CHECK_HR(ms_image_volume_name(image, small, sizeof small, &needed), MS_E_NOT_SUFFICIENT_BUFFER);
    CHECK(needed == 6);
    CHECK_HR(ms_image_imported_volume_name(image, message, sizeof message, &needed),
             MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE);
    CHECK_HR(ms_image_choose_defaults_for_media_type(image, 0x01), MS_IMAPI_E_INVALID_PARAM);
    CHECK_HR(ms_image_choose_defaults_for_media_type(image, 0x99), MS_IMAPI_E_INVALID_PARAM);
    CHECK_OK(ms_image_choose_defaults_for_media_type(image, 0x12));
    int32_t free_blocks = 0;
    CHECK_OK(ms_image_free_media_blocks(image, &free_blocks));
    CHECK(free_blocks == 12219392);
    CHECK_HR(ms_image_set_free_media_blocks(image, -1), MS_E_INVALIDARG);
    CHECK_HR(ms_image_default_file_system_for_import(0, &u), MS_IMAPI_E_INVALID_PARAM);
    CHECK_OK(ms_image_default_file_system_for_import(MS_FS_ISO9660 | MS_FS_JOLIET, &u));
    CHECK(u == MS_FS_JOLIET);

    /* Name rules and tree codes. */
    CHECK_HR(ms_image_mkdir(image, "/a/../b", false), MS_IMAPI_E_INVALID_PATH);
    CHECK_HR(ms_image_mkdir(image, "/a:b*", false), MS_IMAPI_E_INVALID_PATH); /* not in Joliet */
    CHECK_HR(ms_image_mkdir(image, "/a/b", false), MS_IMAPI_E_DIR_NOT_FOUND);
    CHECK_OK(ms_image_mkdir(image, "/a/b", true));
    CHECK_HR(ms_image_mkdir(image, "/a", false), MS_IMAPI_E_DUP_NAME);
    CHECK_HR(ms_image_remove(image, "/a", false), MS_IMAPI_E_DIR_NOT_EMPTY);
    CHECK_HR(ms_image_remove(image, "/", true), MS_IMAPI_E_INVALID_PATH);
    CHECK_HR(ms_image_rename(image, "/nope", "/x"), MS_IMAPI_E_ITEM_NOT_FOUND);
    CHECK_HR(ms_image_rename(image, "/a", "/a/b/c"), MS_IMAPI_E_INVALID_PATH);
    char missing[512];
    snprintf(missing, sizeof missing, "%s/does-not-exist", dir);
    CHECK_HR(ms_image_add_file(image, "/f", missing, false), MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE);
    CHECK_HR(ms_image_add_file(image, "/f", dir, false), MS_IMAPI_E_NOT_FILE);
    CHECK_HR(ms_image_add_tree(image, missing, "/", false, false), MS_IMAPI_E_DIRECTORY_READ_FAILURE);
    CHECK_HR(ms_image_add_stream(image, "/a", 1, never_read, count_release, &released, false),
             MS_IMAPI_E_DUP_NAME);
    CHECK(released == 0); /* a failed add keeps nothing */
    CHECK_HR(ms_image_add_stream(image, "/bad\xff", 1, never_read, count_release, &released, false),
             MS_IMAPI_E_INVALID_PATH);

    /* A stream whose callback fails makes the result read fail, and the
     * context is released with the image and the result. */
    CHECK_OK(ms_image_add_stream(image, "/a/s", 5000, never_read, count_release, &released, false));
    ms_result result = {0};
    CHECK_OK(ms_image_create_result(image, &result));
    int32_t total = 0;
    CHECK_OK(ms_result_total_blocks(result, &total));
    uint8_t block[2048];
    CHECK_HR(ms_result_read(result, (uint32_t)total - 1, block, 4096), MS_IMAPI_E_INVALID_PARAM);
    int32_t lba = 0, blocks = 0;
    CHECK_OK(ms_result_anchor(result, &lba, &blocks));
    CHECK(lba == -1 && blocks == 0);
    CHECK_HR(ms_result_read_anchor(result, block, sizeof block), MS_IMAPI_E_INVALID_PARAM);
    ms_hresult hr = MS_S_OK;
    for (int32_t i = 0; i < total && hr == MS_S_OK; i++) hr = ms_result_read(result, (uint32_t)i, block, sizeof block);
    CHECK_HR(hr, MS_IMAPI_E_DATA_STREAM_READ_FAILURE);
    CHECK_OK(ms_last_error_message(message, sizeof message, &needed));
    CHECK(strstr(message, "/a/s") != NULL);
    CHECK_OK(ms_image_release(image));
    CHECK_OK(ms_result_release(result));
    CHECK(released == 1);
}

int main(int argc, char **argv) {
    check_args(argc, argv, 1, -1, "DIR");
    char disc[512];
    snprintf(disc, sizeof disc, "%s/blank-cd-r.img", argv[1]);
    CHECK_OK(ms_emulator_create(disc, 0x0009, 0));
    ms_recorder rec = {0};
    ms_image image = {0};
    ms_result result = {0};
    CHECK_OK(ms_recorder_open(disc, &rec));
    CHECK_OK(ms_image_new(&image));
    CHECK_OK(ms_image_create_result(image, &result));

    null_pointers(image, result, rec);

    ms_image zero_image = {0};
    ms_result zero_result = {0};
    ms_recorder zero_rec = {0};
    image_functions_reject(zero_image, rec, MS_E_HANDLE);
    result_functions_reject(zero_result, rec, MS_E_HANDLE);
    recorder_functions_reject(zero_rec, image, result, MS_E_HANDLE);

    /* Wrong kind: the same ids under another handle type. */
    ms_image image_from_result = {result.id};
    ms_result result_from_image = {image.id};
    ms_recorder rec_from_image = {image.id};
    image_functions_reject(image_from_result, rec, MS_E_HANDLE);
    result_functions_reject(result_from_image, rec, MS_E_HANDLE);
    recorder_functions_reject(rec_from_image, image, result, MS_E_HANDLE);

    image_codes(argv[1], rec);

    /* Erase and format: what each medium allows. */
    CHECK_HR(ms_erase(rec, false), MS_E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED);
    char rw[512];
    snprintf(rw, sizeof rw, "%s/blank-bd-re.img", argv[1]);
    CHECK_OK(ms_emulator_create(rw, 0x0043, 0));
    ms_recorder bd_re = {0};
    CHECK_OK(ms_recorder_open(rw, &bd_re));
    CHECK_OK(ms_format(bd_re));
    ms_media_info media;
    CHECK_OK(ms_recorder_media_info(bd_re, &media));
    CHECK(media.total_sectors_on_media > 0);
    CHECK_OK(ms_erase(bd_re, false));
    CHECK_OK(ms_recorder_release(bd_re));

    /* Released handles. */
    ms_image dead_image = image;
    ms_result dead_result = result;
    CHECK_OK(ms_result_release(result));
    CHECK_OK(ms_image_release(image));
    ms_image live = {0};
    CHECK_OK(ms_image_new(&live));
    image_functions_reject(dead_image, rec, MS_E_HANDLE);
    result_functions_reject(dead_result, rec, MS_E_HANDLE);
    ms_result live_result = {0};
    CHECK_OK(ms_image_create_result(live, &live_result));
    ms_recorder dead_rec = rec;
    CHECK_OK(ms_recorder_release(rec));
    recorder_functions_reject(dead_rec, live, live_result, MS_E_HANDLE);
    CHECK_OK(ms_result_release(live_result));
    CHECK_OK(ms_image_release(live));
    return check_summary();
}
