/* Cancelling a running write from another thread: a 200 MB session on an
 * emulated DVD+R is cancelled by ms_cancel_request from a second pthread
 * once the writer is under way; ms_write_with_cancel returns
 * MS_E_IMAPI_REQUEST_CANCELLED before the end, and after ms_recover the
 * disc is appendable with the previous session intact. A token cancelled
 * before the write stops it before anything is written. A first session
 * cancelled on a CD-R leaves an open session that ms_recorder_sessions
 * lists as incomplete, without reading it.
 *
 * Usage: cancel DIR  (leaves DIR/cancel.img for the caller to read back) */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

#define BIG ((size_t)200u << 20)

typedef struct {
    size_t length;
    size_t position;
} fill_stream;

static ms_hresult fill_read(void *context, uint8_t *buf, size_t len, size_t *read) {
    fill_stream *s = context;
    size_t n = s->length - s->position;
    if (n > len) n = len;
    memset(buf, (int)(s->position >> 20) & 0xFF, n);
    s->position += n;
    *read = n;
    return MS_S_OK;
}

/* Shared between the writing thread's progress callback and the
 * cancelling thread. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int32_t written;      /* sectors_done of the last WRITING_DATA event */
    int32_t sector_count;
    uint32_t last_action;
    int events;
    ms_cancel token;
} shared_state;

static uint32_t on_progress(void *context, const ms_progress *p) {
    shared_state *s = context;
    pthread_mutex_lock(&s->lock);
    s->events++;
    s->last_action = p->action;
    s->sector_count = p->sector_count;
    if (p->action == MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA) s->written = p->sectors_done;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    return MS_CONTINUE;
}

/* The second thread: waits until 2,000 blocks are written, then cancels. */
static void *canceller(void *context) {
    shared_state *s = context;
    pthread_mutex_lock(&s->lock);
    while (s->written < 2000) pthread_cond_wait(&s->changed, &s->lock);
    pthread_mutex_unlock(&s->lock);
    CHECK_OK(ms_cancel_request(s->token));
    return NULL;
}

/* Cancels at the first block written. */
static uint32_t cancel_once_writing(void *context, const ms_progress *p) {
    (void)context;
    return p->action == MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA && p->sectors_done > 0
               ? MS_CANCEL
               : MS_CONTINUE;
}

int main(int argc, char **argv) {
    char disc[512];
    ms_recorder rec = {0};
    ms_result result = {0};
    ms_preparation done;
    ms_item_info info;
    ms_media_info media;
    ms_write_options options = check_appendable_options();
    options.progress_interval_ms = 0; /* every block's event: the cancel lands mid-write */
    check_args(argc, argv, 1, 1, "DIR");
    check_blank_disc(disc, sizeof disc, argv[1], "cancel.img", MS_PROFILE_DVD_PLUS_R, &rec);

    /* Session 1: the one that must survive. */
    ms_image image = check_next_image(rec, &done);
    fill_stream kept = {5000, 0};
    CHECK_OK(ms_image_add_stream(image, "/kept.bin", kept.length, fill_read, NULL, &kept, false));
    CHECK_OK(ms_image_create_result(image, &result));
    CHECK_OK(ms_write(rec, result, &options, NULL, NULL));
    CHECK_OK(ms_result_release(result));
    CHECK_OK(ms_image_release(image));

    /* Session 2: 200 MB, cancelled from another thread. */
    shared_state s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.changed, NULL);
    CHECK_OK(ms_cancel_new(&s.token));
    bool requested = true;
    CHECK_OK(ms_cancel_is_requested(s.token, &requested));
    CHECK(!requested);
    image = check_next_image(rec, &done);
    CHECK(done.how == MS_PREPARED_IMPORTED);
    fill_stream big = {BIG, 0};
    CHECK_OK(ms_image_add_stream(image, "/big.bin", big.length, fill_read, NULL, &big, false));
    CHECK_OK(ms_image_create_result(image, &result));
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, canceller, &s) == 0);
    CHECK_HR(ms_write_with_cancel(rec, result, &options, on_progress, &s, s.token),
             MS_E_IMAPI_REQUEST_CANCELLED);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(s.written >= 2000 && s.written < s.sector_count);
    CHECK(s.sector_count > (int32_t)(BIG / 2048));
    CHECK(s.last_action == MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA);
    CHECK(big.position < big.length);
    CHECK_OK(ms_cancel_is_requested(s.token, &requested));
    CHECK(requested);
    CHECK_OK(ms_result_release(result));
    CHECK_OK(ms_image_release(image));

    /* A cancelled token stops the next write before anything is written. */
    image = check_next_image(rec, &done);
    fill_stream small = {3000, 0};
    CHECK_OK(ms_image_add_stream(image, "/never.bin", small.length, fill_read, NULL, &small, false));
    CHECK_OK(ms_image_create_result(image, &result));
    s.events = 0;
    s.written = -1;
    CHECK_HR(ms_write_with_cancel(rec, result, &options, on_progress, &s, s.token),
             MS_E_IMAPI_REQUEST_CANCELLED);
    CHECK(s.written == -1 && small.position == 0);
    CHECK_OK(ms_result_release(result));
    CHECK_OK(ms_image_release(image));

    ms_cancel none = {0};
    CHECK_HR(ms_cancel_request(none), MS_E_HANDLE);
    CHECK_OK(ms_cancel_release(s.token));
    CHECK_HR(ms_cancel_request(s.token), MS_E_HANDLE);
    CHECK_HR(ms_write_with_cancel(rec, result, &options, NULL, NULL, s.token), MS_E_HANDLE);
    pthread_cond_destroy(&s.changed);
    pthread_mutex_destroy(&s.lock);

    /* The disc: appendable, the previous session the one an import sees. */
    uint32_t recovery = 99;
    CHECK_OK(ms_recover(rec, &recovery));
    CHECK(recovery == MS_RECOVERY_RESTORED);
    CHECK_OK(ms_recorder_media_info(rec, &media));
    CHECK(media.media_state & MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_APPENDABLE);
    image = check_next_image(rec, &done);
    /* Recovery put a copy of session 1's descriptors on top. */
    CHECK(done.how == MS_PREPARED_IMPORTED &&
          done.imported_session_start == media.start_address_of_previous_session);
    CHECK_OK(ms_image_stat(image, "/kept.bin", &info));
    CHECK(info.size == 5000 && info.on_medium);
    CHECK_HR(ms_image_stat(image, "/big.bin", &info), MS_IMAPI_E_ITEM_NOT_FOUND);
    CHECK_OK(ms_image_release(image));
    CHECK_OK(ms_recorder_release(rec));

    /* A cancelled first session: listed, incomplete, not read. */
    snprintf(disc, sizeof disc, "%s/first.img", argv[1]);
    CHECK_OK(ms_emulator_create(disc, MS_PROFILE_CD_R, 0));
    CHECK_OK(ms_recorder_open(disc, &rec));
    image = check_next_image(rec, &done);
    fill_stream first = {BIG / 8, 0};
    CHECK_OK(ms_image_add_stream(image, "/first.bin", first.length, fill_read, NULL, &first, false));
    CHECK_OK(ms_image_create_result(image, &result));
    CHECK_HR(ms_write(rec, result, &options, cancel_once_writing, NULL),
             MS_E_IMAPI_REQUEST_CANCELLED);
    CHECK_OK(ms_result_release(result));
    CHECK_OK(ms_image_release(image));
    ms_session_info listed[2];
    size_t count = 0;
    CHECK_OK(ms_recorder_sessions(rec, listed, 2, &count));
    CHECK(count == 1);
    CHECK(listed[0].number == 1 && listed[0].start == 0);
    CHECK(!listed[0].complete && listed[0].file_systems == 0);
    CHECK_OK(ms_recorder_release(rec));
    return check_summary();
}
