/* ms_image_prepare_for: one call readies an image for the next session
 * whatever the medium's state — blank CD-R, DVD+R, BD-R (first session),
 * appendable (imports the newest session), blank and written DVD+RW and
 * BD-RE (random-write) — so the same three lines write three sessions on
 * every profile. Also: a newest session without a file system is passed
 * over (skipped_session_start), and the argument errors.
 *
 * Usage: next_session DIR SKIP_DISC
 *   SKIP_DISC: a CD-R whose session 1 holds a volume and session 2 none. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static uint8_t pattern_byte(unsigned seed, size_t i) { return (uint8_t)(i * 7u + seed); }

/* The common case in full: prepare, add one file, write. */
static void write_session(ms_recorder rec, const char *file, unsigned seed, ms_preparation *done) {
    ms_image image = {0};
    ms_result result = {0};
    check_stream s = {.length = 5000 + seed, .seed = seed, .byte = pattern_byte};
    ms_write_options options = check_appendable_options();
    image = check_next_image(rec, done);
    CHECK_OK(ms_image_add_stream(image, file, s.length, check_stream_read, NULL, &s, false));
    CHECK_OK(ms_image_create_result(image, &result));
    CHECK_OK(ms_write(rec, result, &options, NULL, NULL));
    CHECK_OK(ms_result_release(result));
    CHECK_OK(ms_image_release(image));
}

static void three_sessions_on(const char *dir, uint16_t profile, const char *name) {
    char disc[512];
    ms_recorder rec = {0};
    ms_preparation done;
    snprintf(disc, sizeof disc, "%s/%s.img", dir, name);
    CHECK_OK(ms_emulator_create(disc, profile, 0));
    CHECK_OK(ms_recorder_open(disc, &rec));

    memset(&done, 0x5A, sizeof done);
    write_session(rec, "/one.bin", 1, &done);
    CHECK(done.how == MS_PREPARED_FIRST_SESSION && done.imported_session_start == -1 &&
          done.imported_file_system == 0 && done.skipped_session_start == -1);

    write_session(rec, "/two.bin", 2, &done);
    CHECK(done.how == MS_PREPARED_IMPORTED && done.imported_file_system == MS_FS_UDF &&
          done.skipped_session_start == -1);
    /* Session 1 started at 0 on every medium. */
    CHECK(done.imported_session_start == 0);
    int32_t second = -1;
    write_session(rec, "/three.bin", 3, &done);
    CHECK(done.how == MS_PREPARED_IMPORTED);
    second = done.imported_session_start;
    CHECK(second > 0);

    /* A fourth image sees every file of the three sessions. */
    ms_image image = {0};
    ms_item_info info;
    image = check_next_image(rec, &done);
    CHECK(done.how == MS_PREPARED_IMPORTED && done.imported_session_start > second);
    const char *files[] = {"/one.bin", "/two.bin", "/three.bin"};
    for (unsigned i = 0; i < 3; i++) {
        CHECK_OK(ms_image_stat(image, files[i], &info));
        CHECK(info.kind == MS_ITEM_FILE && info.on_medium && info.size == 5001u + i);
    }
    /* An image that already imported refuses a second preparation. */
    CHECK_HR(ms_image_prepare_for(image, rec, &done), MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE);
    CHECK_OK(ms_image_release(image));
    CHECK_OK(ms_recorder_release(rec));
}

/* Another program's aborted write left a newest session without a volume:
 * the newest one with a volume is imported instead, and the answer says
 * which session was passed over. */
static void skips_a_session_without_file_system(const char *disc) {
    ms_recorder rec = {0};
    ms_image image = {0};
    ms_preparation done;
    ms_media_info media;
    ms_item_info info;
    CHECK_OK(ms_recorder_open(disc, &rec));
    CHECK_OK(ms_recorder_media_info(rec, &media));
    image = check_next_image(rec, &done);
    CHECK(done.how == MS_PREPARED_IMPORTED && done.imported_session_start == 0);
    CHECK(done.skipped_session_start == media.start_address_of_previous_session &&
          done.skipped_session_start > 0);
    CHECK_OK(ms_image_stat(image, "/", &info));
    CHECK_OK(ms_image_release(image));
    CHECK_OK(ms_recorder_release(rec));
}

static void argument_errors(const char *dir) {
    char disc[512];
    ms_recorder rec = {0};
    ms_image image = {0};
    ms_preparation done;
    snprintf(disc, sizeof disc, "%s/errors.img", dir);
    CHECK_OK(ms_emulator_create(disc, 0x0009, 0));
    CHECK_OK(ms_recorder_open(disc, &rec));
    CHECK_OK(ms_image_new(&image));
    CHECK_HR(ms_image_prepare_for(image, rec, NULL), MS_E_POINTER);
    ms_recorder stale = rec;
    ms_image none = {0};
    CHECK_HR(ms_image_prepare_for(none, rec, &done), MS_E_HANDLE);
    CHECK_OK(ms_recorder_release(rec));
    CHECK_HR(ms_image_prepare_for(image, stale, &done), MS_E_HANDLE);
    CHECK_OK(ms_image_release(image));
}

int main(int argc, char **argv) {
    check_args(argc, argv, 2, 2, "DIR SKIP_DISC");
    three_sessions_on(argv[1], 0x0009, "cd-r");
    three_sessions_on(argv[1], 0x001B, "dvd+r");
    three_sessions_on(argv[1], 0x0041, "bd-r");
    three_sessions_on(argv[1], 0x001A, "dvd+rw");
    three_sessions_on(argv[1], 0x0043, "bd-re");
    skips_a_session_without_file_system(argv[2]);
    argument_errors(argv[1]);
    return check_summary();
}
