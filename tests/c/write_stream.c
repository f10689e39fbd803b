/* ms_write_stream: a caller's stream written as the next session, with
 * verify, progress and its release hook; refused with IMAPI's code when it
 * does not fit, when a later session on overwritable media is not an ISO
 * image, and when the callback ends early; a drive held by another writer
 * or another client, and a finalized disc, are refused before the stream's
 * read callback is ever called.
 *
 * Usage: write_stream DIR */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

/* The bytes of every stream here. */
static uint8_t pattern_byte(unsigned seed, size_t i) {
    (void)seed;
    return (uint8_t)(i * 29u + 3u);
}

/* A write in progress on the recorder: from inside its progress callback,
 * a stream write on the same recorder must not read a byte. */
typedef struct {
    ms_recorder rec;
    check_stream stream;
    ms_hresult nested;
    int tried;
} nested_writer;

static uint32_t write_stream_while_writing(void *context, const ms_progress *p) {
    nested_writer *n = context;
    if (!n->tried && p->action == MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA) {
        n->tried = 1;
        n->nested = ms_write_stream(n->rec, n->stream.length, check_stream_read, check_stream_release, &n->stream,
                                    NULL, NULL, NULL);
    }
    return MS_CONTINUE;
}

static ms_recorder new_disc(const char *dir, const char *name, uint16_t profile, uint32_t capacity) {
    char disc[512];
    ms_recorder rec = {0};
    snprintf(disc, sizeof disc, "%s/%s.img", dir, name);
    CHECK_OK(ms_emulator_create(disc, profile, capacity));
    CHECK_OK(ms_recorder_open(disc, &rec));
    return rec;
}

int main(int argc, char **argv) {
    ms_write_options options;
    check_progress log;
    ms_session_info sessions[3];
    size_t count = 0;
    check_args(argc, argv, 1, 1, "DIR");
    options = check_appendable_options();
    options.verify = true;

    /* Any bytes go on sequential media, read back and compared (verify). */
    ms_recorder rec = new_disc(argv[1], "cd-r", MS_PROFILE_CD_R, 0);
    check_stream s = {.length = 100001, .byte = pattern_byte};
    memset(&log, 0, sizeof log);
    CHECK_OK(ms_write_stream(rec, s.length, check_stream_read, check_stream_release, &s, &options, check_on_progress, &log));
    CHECK(s.position == s.length && s.released == 1);
    CHECK(log.last_action == MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED && log.sector_count == 49);
    CHECK_OK(ms_recorder_sessions(rec, sessions, 3, &count));
    CHECK(count == 1 && sessions[0].start == 0 && sessions[0].file_systems == 0);
    /* The next one goes after it. */
    check_stream again = {.length = 5000, .byte = pattern_byte};
    CHECK_OK(ms_write_stream(rec, again.length, check_stream_read, check_stream_release, &again, &options, NULL, NULL));
    CHECK_OK(ms_recorder_sessions(rec, sessions, 3, &count));
    CHECK(count == 2 && sessions[1].start > sessions[0].start + 49);

    /* Another writer on this recorder (a write in progress): the drive is
     * locked before a byte of the stream is read. */
    nested_writer nested = {rec, {.length = 5000, .byte = pattern_byte}, MS_S_OK, 0};
    check_stream outer = {.length = 5000, .byte = pattern_byte};
    CHECK_OK(ms_write_stream(rec, outer.length, check_stream_read, check_stream_release, &outer, &options,
                             write_stream_while_writing, &nested));
    CHECK(nested.tried == 1);
    CHECK(nested.nested == MS_E_IMAPI_RECORDER_LOCKED);
    CHECK(nested.stream.position == 0 && nested.stream.released == 1);

    /* Another client holds the drive exclusively (a second recorder on the
     * same disc stands for another process): locked, nothing read. */
    char same_disc[512];
    ms_recorder holder = {0};
    snprintf(same_disc, sizeof same_disc, "%s/cd-r.img", argv[1]);
    CHECK_OK(ms_recorder_open(same_disc, &holder));
    CHECK_OK(ms_recorder_acquire_exclusive(holder, "other-burner"));
    check_stream held = {.length = 5000, .byte = pattern_byte};
    CHECK_HR(ms_write_stream(rec, held.length, check_stream_read, check_stream_release, &held, &options, NULL, NULL),
             MS_E_IMAPI_RECORDER_LOCKED);
    CHECK(held.position == 0 && held.released == 1);
    CHECK_OK(ms_recorder_release_exclusive(holder));
    CHECK_OK(ms_recorder_release(holder));

    /* A stream that ends before its size: the read failure, the session
     * left open for ms_recover. */
    check_stream shorter = {.length = 40000, .stop_at = 10000, .byte = pattern_byte};
    CHECK_HR(ms_write_stream(rec, shorter.length, check_stream_read, check_stream_release, &shorter, &options, NULL, NULL),
             MS_IMAPI_E_DATA_STREAM_READ_FAILURE);
    CHECK(shorter.released == 1);
    uint32_t recovery = 0;
    CHECK_OK(ms_recover(rec, &recovery));

    /* A finalized disc takes no session: IMAPI's media-state code before
     * the stream is read. */
    check_stream last = {.length = 5000, .byte = pattern_byte};
    options.force_media_to_be_closed = true;
    CHECK_OK(ms_write_stream(rec, last.length, check_stream_read, check_stream_release, &last, &options, NULL, NULL));
    options.force_media_to_be_closed = false;
    check_stream closed = {.length = 5000, .byte = pattern_byte};
    CHECK_HR(ms_write_stream(rec, closed.length, check_stream_read, check_stream_release, &closed, &options, NULL, NULL),
             MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE);
    CHECK(closed.position == 0 && closed.released == 1);
    CHECK_OK(ms_recorder_release(rec));

    /* Larger than the free space: IMAPI's code, nothing written. */
    rec = new_disc(argv[1], "small", MS_PROFILE_CD_R, 2000);
    check_stream big = {.length = 3000u * 2048u, .byte = pattern_byte};
    CHECK_HR(ms_write_stream(rec, big.length, check_stream_read, check_stream_release, &big, &options, NULL, NULL),
             MS_E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA);
    CHECK(big.position == 0 && big.released == 1);
    CHECK_OK(ms_recorder_sessions(rec, sessions, 3, &count));
    CHECK(count == 0);
    check_stream empty = {.length = 0, .byte = pattern_byte};
    CHECK_HR(ms_write_stream(rec, 0, check_stream_read, check_stream_release, &empty, &options, NULL, NULL), MS_E_INVALIDARG);
    CHECK(empty.released == 1);
    check_stream unused = {.length = 10, .byte = pattern_byte};
    CHECK_HR(ms_write_stream(rec, 10, NULL, check_stream_release, &unused, &options, NULL, NULL), MS_E_POINTER);
    CHECK(unused.released == 1);
    CHECK_OK(ms_recorder_release(rec));

    /* Overwritable media: the first session at 0 may be anything; a later
     * one must be an ISO image (its descriptors make the commit). */
    rec = new_disc(argv[1], "dvd+rw", MS_PROFILE_DVD_PLUS_RW, 0);
    ms_image image = {0};
    ms_result result = {0};
    ms_preparation done;
    image = check_next_image(rec, &done);
    CHECK_OK(ms_image_mkdir(image, "/dir", false));
    CHECK_OK(ms_image_create_result(image, &result));
    CHECK_OK(ms_write(rec, result, &options, NULL, NULL));
    CHECK_OK(ms_result_release(result));
    CHECK_OK(ms_image_release(image));
    check_stream raw = {.length = 8192, .byte = pattern_byte};
    CHECK_HR(ms_write_stream(rec, raw.length, check_stream_read, check_stream_release, &raw, &options, NULL, NULL),
             MS_E_INVALIDARG);
    CHECK(raw.released == 1);
    CHECK_HR(ms_write_iso_file(rec, "/nonexistent/x.iso", &options, NULL, NULL),
             MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE);
    CHECK_HR(ms_write_iso_file(rec, NULL, &options, NULL, NULL), MS_E_POINTER);
    CHECK_OK(ms_recorder_release(rec));
    return check_summary();
}
