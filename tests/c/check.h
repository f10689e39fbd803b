/* Tiny test harness for the C ABI tests: counts checks, reports failures with
 * the library's last error message, ends with "N passed, N failed". */
#ifndef MS_TEST_CHECK_H
#define MS_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multisession.h"

static int checks_passed;
static int checks_failed;

static void check_report(const char *file, int line, const char *what, ms_hresult got,
                         ms_hresult want) {
    char message[512];
    size_t needed = 0;
    message[0] = '\0';
    if (MS_FAILED(ms_last_error_message(message, sizeof message, &needed))) {
        strcpy(message, "(message too long)");
    }
    checks_failed++;
    fprintf(stderr, "%s:%d: %s: got 0x%08lX, want 0x%08lX; last error: %s\n", file, line, what,
            (unsigned long)(uint32_t)got, (unsigned long)(uint32_t)want, message);
}

/* A condition that must hold. */
#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            checks_passed++;                                                     \
        } else {                                                                 \
            checks_failed++;                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

/* A call that must return exactly `want`. */
#define CHECK_HR(call, want)                                       \
    do {                                                           \
        ms_hresult check_hr_ = (call);                             \
        if (check_hr_ == (want)) {                                 \
            checks_passed++;                                       \
        } else {                                                   \
            check_report(__FILE__, __LINE__, #call, check_hr_, (want)); \
        }                                                          \
    } while (0)

#define CHECK_OK(call) CHECK_HR(call, MS_S_OK)

/* The arguments after the program's name: from `at_least` to `at_most`
 * (-1: any number) of them, else the usage and exit status 2, before any
 * check runs. */
static inline void check_args(int argc, char **argv, int at_least, int at_most, const char *usage) {
    int given = argc - 1;
    if (given < at_least || (at_most >= 0 && given > at_most)) {
        fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        exit(2);
    }
}

/* A caller's stream for ms_image_add_stream and ms_write_stream: `length`
 * bytes made by `byte(seed, offset)`, ending early at `stop_at` where that
 * is set (a stream that fails its promise); counts its releases. */
typedef struct {
    size_t length;
    size_t stop_at;
    size_t position;
    unsigned seed;
    int released;
    uint8_t (*byte)(unsigned seed, size_t offset);
} check_stream;

static inline ms_hresult check_stream_read(void *context, uint8_t *buf, size_t len, size_t *read) {
    check_stream *s = context;
    size_t end = s->stop_at != 0 && s->stop_at < s->length ? s->stop_at : s->length;
    size_t n = end - s->position;
    if (n > len) n = len;
    for (size_t i = 0; i < n; i++) buf[i] = s->byte(s->seed, s->position + i);
    s->position += n;
    *read = n;
    return MS_S_OK;
}

static inline void check_stream_release(void *context) { ((check_stream *)context)->released++; }

/* What a progress callback saw: how many events, the last action and
 * sector count. */
typedef struct {
    int events;
    uint32_t last_action;
    int32_t sector_count;
} check_progress;

static inline uint32_t check_on_progress(void *context, const ms_progress *p) {
    check_progress *log = context;
    log->events++;
    log->last_action = p->action;
    log->sector_count = p->sector_count;
    return MS_CONTINUE;
}

/* A new image prepared for the next session on `rec` (the disc's
 * defaults when blank, else the newest session imported). */
static inline ms_image check_next_image(ms_recorder rec, ms_preparation *done) {
    ms_image image = {0};
    CHECK_OK(ms_image_new(&image));
    CHECK_OK(ms_image_prepare_for(image, rec, done));
    return image;
}

/* Write options that keep every disc appendable: IMAPI closes a DVD+R
 * after each write unless told otherwise. */
static inline ms_write_options check_appendable_options(void) {
    ms_write_options o;
    CHECK_OK(ms_write_options_default(&o));
    o.disable_consumer_dvd_compatibility_mode = true;
    return o;
}

/* A blank emulated disc of `profile` at DIR/NAME (its path left in
 * `path`), opened as `rec`. */
static inline void check_blank_disc(char *path, size_t size, const char *dir, const char *name,
                                    uint16_t profile, ms_recorder *rec) {
    snprintf(path, size, "%s/%s", dir, name);
    CHECK_OK(ms_emulator_create(path, profile, 0));
    CHECK_OK(ms_recorder_open(path, rec));
}

static int check_summary(void) {
    printf("%d passed, %d failed\n", checks_passed, checks_failed);
    return checks_failed == 0 ? 0 : 1;
}

#endif
