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

typedef struct {
    size_t length;
    size_t stop_at; /* the callback ends here (early, for the failure case) */
    size_t position;
    int released;
} pattern_stream;

static ms_hresult pattern_read(void *context, uint8_t *buf, size_t len, size_t *read) {
    pattern_stream *s = context;
    size_t end = s->stop_at < s->length ? s->stop_at : s->length;
    size_t n = end - s->position;
    if (n > len) n = len;
    for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)((s->position + i) * 29u + 3u);
    s->position += n;
    *read = n;
    return MS_S_OK;
}

static void pattern_release(void *context) { ((pattern_stream *)context)->released++; }

typedef struct {
    int events;
    uint32_t last_action;
    int32_t sector_count;
} progress_log;

static uint32_t on_progress(void *context, const ms_progress *p) {
    progress_log *log = context;
    log->events++;
    log->last_action = p->action;
    log->sector_count = p->sector_count;
    return MS_CONTINUE;
}

/* A write in progress on the recorder: from inside its progress callback,
 * a stream write on the same recorder must not read a byte. */
typedef struct {
    ms_recorder rec;
    pattern_stream stream;
    ms_hresult nested;
    int tried;
} nested_writer;

static uint32_t write_stream_while_writing(void *context, const ms_progress *p) {
    nested_writer *n = context;
    if (!n->tried && p->action == MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA) {
        n->tried = 1;
        n->nested = ms_write_stream(n->rec, n->stream.length, pattern_read, pattern_release, &n->stream,
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
    progress_log log;
    ms_session_info sessions[3];
    size_t count = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: write_stream DIR\n");
        return 2;
    }
    CHECK_OK(ms_write_options_default(&options));
    options.disable_consumer_dvd_compatibility_mode = true;
    options.verify = true;

    /* Any bytes go on sequential media, read back and compared (verify). */
    ms_recorder rec = new_disc(argv[1], "cd-r", MS_PROFILE_CD_R, 0);
    pattern_stream s = {100001, (size_t)-1, 0, 0};
    memset(&log, 0, sizeof log);
    CHECK_OK(ms_write_stream(rec, s.length, pattern_read, pattern_release, &s, &options, on_progress, &log));
    CHECK(s.position == s.length && s.released == 1);
    CHECK(log.last_action == MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED && log.sector_count == 49);
    CHECK_OK(ms_recorder_sessions(rec, sessions, 3, &count));
    CHECK(count == 1 && sessions[0].start == 0 && sessions[0].file_systems == 0);
    /* The next one goes after it. */
    pattern_stream again = {5000, (size_t)-1, 0, 0};
    CHECK_OK(ms_write_stream(rec, again.length, pattern_read, pattern_release, &again, &options, NULL, NULL));
    CHECK_OK(ms_recorder_sessions(rec, sessions, 3, &count));
    CHECK(count == 2 && sessions[1].start > sessions[0].start + 49);

    /* Another writer on this recorder (a write in progress): the drive is
     * locked before a byte of the stream is read. */
    nested_writer nested = {rec, {5000, (size_t)-1, 0, 0}, MS_S_OK, 0};
    pattern_stream outer = {5000, (size_t)-1, 0, 0};
    CHECK_OK(ms_write_stream(rec, outer.length, pattern_read, pattern_release, &outer, &options,
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
    pattern_stream held = {5000, (size_t)-1, 0, 0};
    CHECK_HR(ms_write_stream(rec, held.length, pattern_read, pattern_release, &held, &options, NULL, NULL),
             MS_E_IMAPI_RECORDER_LOCKED);
    CHECK(held.position == 0 && held.released == 1);
    CHECK_OK(ms_recorder_release_exclusive(holder));
    CHECK_OK(ms_recorder_release(holder));

    /* A stream that ends before its size: the read failure, the session
     * left open for ms_recover. */
    pattern_stream shorter = {40000, 10000, 0, 0};
    CHECK_HR(ms_write_stream(rec, shorter.length, pattern_read, pattern_release, &shorter, &options, NULL, NULL),
             MS_IMAPI_E_DATA_STREAM_READ_FAILURE);
    CHECK(shorter.released == 1);
    uint32_t recovery = 0;
    CHECK_OK(ms_recover(rec, &recovery));

    /* A finalized disc takes no session: IMAPI's media-state code before
     * the stream is read. */
    pattern_stream last = {5000, (size_t)-1, 0, 0};
    options.force_media_to_be_closed = true;
    CHECK_OK(ms_write_stream(rec, last.length, pattern_read, pattern_release, &last, &options, NULL, NULL));
    options.force_media_to_be_closed = false;
    pattern_stream closed = {5000, (size_t)-1, 0, 0};
    CHECK_HR(ms_write_stream(rec, closed.length, pattern_read, pattern_release, &closed, &options, NULL, NULL),
             MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE);
    CHECK(closed.position == 0 && closed.released == 1);
    CHECK_OK(ms_recorder_release(rec));

    /* Larger than the free space: IMAPI's code, nothing written. */
    rec = new_disc(argv[1], "small", MS_PROFILE_CD_R, 2000);
    pattern_stream big = {3000u * 2048u, (size_t)-1, 0, 0};
    CHECK_HR(ms_write_stream(rec, big.length, pattern_read, pattern_release, &big, &options, NULL, NULL),
             MS_E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA);
    CHECK(big.position == 0 && big.released == 1);
    CHECK_OK(ms_recorder_sessions(rec, sessions, 3, &count));
    CHECK(count == 0);
    pattern_stream empty = {0, (size_t)-1, 0, 0};
    CHECK_HR(ms_write_stream(rec, 0, pattern_read, pattern_release, &empty, &options, NULL, NULL), MS_E_INVALIDARG);
    CHECK(empty.released == 1);
    pattern_stream unused = {10, (size_t)-1, 0, 0};
    CHECK_HR(ms_write_stream(rec, 10, NULL, pattern_release, &unused, &options, NULL, NULL), MS_E_POINTER);
    CHECK(unused.released == 1);
    CHECK_OK(ms_recorder_release(rec));

    /* Overwritable media: the first session at 0 may be anything; a later
     * one must be an ISO image (its descriptors make the commit). */
    rec = new_disc(argv[1], "dvd+rw", MS_PROFILE_DVD_PLUS_RW, 0);
    ms_image image = {0};
    ms_result result = {0};
    ms_preparation done;
    CHECK_OK(ms_image_new(&image));
    CHECK_OK(ms_image_prepare_for(image, rec, &done));
    CHECK_OK(ms_image_mkdir(image, "/dir", false));
    CHECK_OK(ms_image_create_result(image, &result));
    CHECK_OK(ms_write(rec, result, &options, NULL, NULL));
    CHECK_OK(ms_result_release(result));
    CHECK_OK(ms_image_release(image));
    pattern_stream raw = {8192, (size_t)-1, 0, 0};
    CHECK_HR(ms_write_stream(rec, raw.length, pattern_read, pattern_release, &raw, &options, NULL, NULL),
             MS_E_INVALIDARG);
    CHECK(raw.released == 1);
    CHECK_HR(ms_write_iso_file(rec, "/nonexistent/x.iso", &options, NULL, NULL),
             MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE);
    CHECK_HR(ms_write_iso_file(rec, NULL, &options, NULL, NULL), MS_E_POINTER);
    CHECK_OK(ms_recorder_release(rec));
    return check_summary();
}
