/* ms_recorder_sessions, ms_image_import_session and ms_close_disc: list
 * the sessions of a disc (number, start, size, file systems, volume name,
 * creation date), import a chosen older one, and finalize an appendable
 * disc from C.
 *
 * Usage: sessions DIR */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"

#define STATE_APPENDABLE 0x0004u
#define STATE_FINALIZED 0x4000u

static ms_hresult zeros_read(void *context, uint8_t *buf, size_t len, size_t *read) {
    size_t *left = context;
    size_t n = *left < len ? *left : len;
    memset(buf, 0, n);
    *left -= n;
    *read = n;
    return MS_S_OK;
}

/* One session holding `file` (1000 bytes) named `volume`. */
static void write_session(ms_recorder rec, const char *volume, const char *file) {
    ms_image image = {0};
    ms_result result = {0};
    ms_preparation done;
    ms_write_options options;
    size_t left = 1000;
    options = check_appendable_options();
    image = check_next_image(rec, &done);
    CHECK_OK(ms_image_set_volume_name(image, volume));
    CHECK_OK(ms_image_add_stream(image, file, left, zeros_read, NULL, &left, false));
    CHECK_OK(ms_image_create_result(image, &result));
    CHECK_OK(ms_write(rec, result, &options, NULL, NULL));
    CHECK_OK(ms_result_release(result));
    CHECK_OK(ms_image_release(image));
}

static ms_recorder new_disc(const char *dir, const char *name, uint16_t profile) {
    char disc[512];
    ms_recorder rec = {0};
    snprintf(disc, sizeof disc, "%s/%s.img", dir, name);
    CHECK_OK(ms_emulator_create(disc, profile, 0));
    CHECK_OK(ms_recorder_open(disc, &rec));
    return rec;
}

static void lists_every_session_of_a_cd(const char *dir) {
    const char *names[] = {"ALPHA", "Beta", "gamma"};
    const char *files[] = {"/one.bin", "/two.bin", "/three.bin"};
    ms_recorder rec = new_disc(dir, "cd-r", 0x0009);
    size_t count = 77;
    ms_session_info list[5];

    CHECK_OK(ms_recorder_sessions(rec, NULL, 0, &count));
    CHECK(count == 0); /* blank */
    time_t before = time(NULL);
    for (int i = 0; i < 3; i++) write_session(rec, names[i], files[i]);

    CHECK_HR(ms_recorder_sessions(rec, NULL, 0, &count), MS_E_NOT_SUFFICIENT_BUFFER);
    CHECK(count == 3);
    memset(list, 0x5A, sizeof list);
    count = 0;
    CHECK_HR(ms_recorder_sessions(rec, list, 2, &count), MS_E_NOT_SUFFICIENT_BUFFER);
    CHECK(count == 3 && list[0].number == 0x5A5A5A5Au);
    CHECK_OK(ms_recorder_sessions(rec, list, 5, &count));
    CHECK(count == 3);

    ms_media_info media;
    CHECK_OK(ms_recorder_media_info(rec, &media));
    for (size_t i = 0; i < count; i++) {
        CHECK(list[i].number == i + 1);
        CHECK(list[i].complete);
        CHECK(list[i].file_systems == (MS_FS_ISO9660 | MS_FS_JOLIET | MS_FS_UDF));
        CHECK(strcmp(list[i].volume_name, names[i]) == 0);
        CHECK(list[i].has_created && list[i].created >= (int64_t)before - 5 &&
              list[i].created <= (int64_t)time(NULL) + 5);
        CHECK(list[i].blocks >= 300); /* a CD track holds at least 300 blocks */
        if (i > 0) CHECK(list[i].start >= list[i - 1].start + list[i - 1].blocks);
    }
    CHECK(list[0].start == 0);
    CHECK(list[2].start == media.start_address_of_previous_session);
    CHECK(list[2].start + list[2].blocks - 1 == media.last_written_address_of_previous_session);

    /* Import the first session, not the newest: only its file is there. */
    ms_image image = {0};
    ms_list objects = {0};
    ms_multisession object = {0};
    ms_item_info info;
    uint32_t fs = 0;
    CHECK_OK(ms_image_new(&image));
    CHECK_OK(ms_recorder_multisession_interfaces(rec, &objects));
    CHECK_OK(ms_list_get(objects, 0, &object));
    CHECK_OK(ms_set_interfaces(image, &object, 1));
    CHECK_HR(ms_image_import_session(image, (uint32_t)list[1].start + 1, 0, &fs),
             MS_IMAPI_E_INVALID_PARAM);
    CHECK_OK(ms_image_import_session(image, (uint32_t)list[0].start, 0, &fs));
    CHECK(fs == MS_FS_UDF); /* the disc's defaults carry UDF, imported first */
    CHECK_OK(ms_image_stat(image, "/one.bin", &info));
    CHECK_HR(ms_image_stat(image, "/two.bin", &info), MS_IMAPI_E_ITEM_NOT_FOUND);
    char volume[64];
    size_t needed = 0;
    CHECK_OK(ms_image_imported_volume_name(image, volume, sizeof volume, &needed));
    CHECK(strcmp(volume, "ALPHA") == 0);
    CHECK_OK(ms_multisession_release(object));
    CHECK_OK(ms_list_release(objects));
    CHECK_OK(ms_image_release(image));

    /* Finalize: a CD closes by a last session that repeats the newest
     * volume, so the files a reader sees stay the same. */
    CHECK(media.media_state & STATE_APPENDABLE);
    CHECK_OK(ms_close_disc(rec));
    CHECK_OK(ms_recorder_media_info(rec, &media));
    CHECK((media.media_state & STATE_FINALIZED) && !(media.media_state & STATE_APPENDABLE));
    CHECK_OK(ms_recorder_sessions(rec, list, 5, &count));
    CHECK(count == 4 && strcmp(list[3].volume_name, "gamma") == 0);
    CHECK_HR(ms_close_disc(rec), MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE);
    CHECK_OK(ms_recorder_release(rec));
}

static void finalizes_a_dvd_plus_r(const char *dir) {
    ms_recorder rec = new_disc(dir, "dvd+r", 0x001B);
    ms_media_info media;
    ms_session_info list[2];
    size_t count = 0;
    CHECK_HR(ms_close_disc(rec), MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE); /* blank */
    write_session(rec, "DVD", "/a.bin");
    CHECK_OK(ms_close_disc(rec));
    CHECK_OK(ms_recorder_media_info(rec, &media));
    CHECK((media.media_state & STATE_FINALIZED) && !(media.media_state & STATE_APPENDABLE));
    CHECK_OK(ms_recorder_sessions(rec, list, 2, &count));
    CHECK(count == 1 && strcmp(list[0].volume_name, "DVD") == 0);
    CHECK_OK(ms_recorder_release(rec));
}

/* Overwritable media keep one growing volume: one entry at 0, named by the
 * newest session; closing is not a thing there. */
static void one_volume_on_random_write_media(const char *dir) {
    ms_recorder rec = new_disc(dir, "dvd+rw", 0x001A);
    ms_session_info list[2];
    size_t count = 0;
    write_session(rec, "first", "/a.bin");
    write_session(rec, "second", "/b.bin");
    CHECK_OK(ms_recorder_sessions(rec, list, 2, &count));
    CHECK(count == 1 && list[0].number == 1 && list[0].start == 0 && list[0].complete);
    CHECK(strcmp(list[0].volume_name, "second") == 0);
    CHECK(list[0].file_systems == (MS_FS_ISO9660 | MS_FS_JOLIET | MS_FS_UDF) && list[0].blocks > 32);
    CHECK_HR(ms_close_disc(rec), MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE);
    CHECK_OK(ms_recorder_release(rec));
}

static void argument_errors(const char *dir) {
    ms_recorder rec = new_disc(dir, "errors", 0x0009);
    ms_session_info one;
    size_t count = 0;
    CHECK_HR(ms_recorder_sessions(rec, &one, 1, NULL), MS_E_POINTER);
    CHECK_HR(ms_recorder_sessions(rec, NULL, 1, &count), MS_E_POINTER);
    CHECK_HR(ms_recorder_sessions(rec, &one, (size_t)70000, &count), MS_E_INVALIDARG);
    ms_recorder none = {0};
    CHECK_HR(ms_recorder_sessions(none, &one, 1, &count), MS_E_HANDLE);
    CHECK_HR(ms_close_disc(none), MS_E_HANDLE);
    CHECK_OK(ms_recorder_release(rec));
}

int main(int argc, char **argv) {
    check_args(argc, argv, 1, 1, "DIR");
    lists_every_session_of_a_cd(argv[1]);
    finalizes_a_dvd_plus_r(argv[1]);
    one_volume_on_random_write_media(argv[1]);
    argument_errors(argv[1]);
    return check_summary();
}
