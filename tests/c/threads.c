/* Eight threads use shared handles while a ninth releases them: every call
 * returns MS_S_OK or MS_E_HANDLE, nothing crashes, nothing leaks.
 * Usage: threads DIR */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"

#define WORKERS 8
#define WARM_UP 40 /* iterations every worker completes before the release */
#define MAX_ITERATIONS 100000

static ms_recorder shared_rec;
static ms_list shared_list;
static ms_multisession shared_ms;
static ms_image shared_img;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t warmed_up = PTHREAD_COND_INITIALIZER;
static int workers_warm;
static int released;

struct tally {
    long ok;
    long handle;
    long other;
    long after_release_ok;
};

static void count(struct tally *t, ms_hresult hr, int after_release) {
    if (hr == MS_S_OK) {
        t->ok++;
        if (after_release) {
            t->after_release_ok++;
        }
    } else if (hr == MS_E_HANDLE) {
        t->handle++;
    } else {
        t->other++;
        fprintf(stderr, "unexpected status 0x%08lX\n", (unsigned long)(uint32_t)hr);
    }
}

/* One round of calls on every shared handle; handles handed out are released. */
static void round_of_calls(struct tally *t, int after_release) {
    int32_t v;
    bool flag;
    size_t n;
    ms_multisession m;
    ms_list l;
    ms_recorder r;
    ms_media_info info;
    ms_hresult hr;

    count(t, ms_random_write_total_sectors_on_media(shared_ms, &v), after_release);
    count(t, ms_in_use(shared_ms, &flag), after_release);
    count(t, ms_set_in_use(shared_ms, false), after_release);
    count(t, ms_is_supported_on_current_media_state(shared_ms, &flag), after_release);
    count(t, ms_list_count(shared_list, &n), after_release);
    hr = ms_list_get(shared_list, 0, &m);
    count(t, hr, after_release);
    if (hr == MS_S_OK) {
        count(t, ms_multisession_release(m), 0);
    }
    count(t, ms_image_session_start_block(shared_img, &v), after_release);
    count(t, ms_image_free_media_blocks(shared_img, &v), after_release);
    hr = ms_get_interfaces(shared_img, &l);
    count(t, hr, after_release);
    if (hr == MS_S_OK) {
        count(t, ms_list_release(l), 0);
    }
    count(t, ms_recorder_media_info(shared_rec, &info), after_release);
    hr = ms_import_recorder(shared_ms, &r);
    count(t, hr, after_release);
    if (hr == MS_S_OK) {
        count(t, ms_recorder_release(r), 0);
    }
}

static void *worker(void *arg) {
    struct tally *t = (struct tally *)arg;
    int i;
    int extra = 0;
    for (i = 0; i < MAX_ITERATIONS && extra < 3; i++) {
        int now_released;
        pthread_mutex_lock(&lock);
        now_released = released;
        if (i == WARM_UP) {
            workers_warm++;
            pthread_cond_signal(&warmed_up);
        }
        pthread_mutex_unlock(&lock);
        round_of_calls(t, now_released);
        if (now_released) {
            extra++;
        }
    }
    return NULL;
}

static void *releaser(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    while (workers_warm < WORKERS) {
        pthread_cond_wait(&warmed_up, &lock);
    }
    pthread_mutex_unlock(&lock);
    /* Released while the workers are mid-call. */
    CHECK_OK(ms_multisession_release(shared_ms));
    sched_yield();
    CHECK_OK(ms_list_release(shared_list));
    sched_yield();
    CHECK_OK(ms_image_release(shared_img));
    sched_yield();
    CHECK_OK(ms_recorder_release(shared_rec));
    pthread_mutex_lock(&lock);
    released = 1;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(int argc, char **argv) {
    char disc[4096];
    pthread_t threads[WORKERS];
    pthread_t release_thread;
    struct tally tallies[WORKERS];
    struct tally total = {0, 0, 0, 0};
    int i;

    check_args(argc, argv, 1, 1, "DIR");
    snprintf(disc, sizeof disc, "%s/threads-dvd+rw.img", argv[1]);
    CHECK_OK(ms_emulator_create(disc, 0x001A, 0));
    CHECK_OK(ms_recorder_open(disc, &shared_rec));
    CHECK_OK(ms_recorder_multisession_interfaces(shared_rec, &shared_list));
    CHECK_OK(ms_list_get(shared_list, 0, &shared_ms));
    CHECK_OK(ms_image_new(&shared_img));
    CHECK_OK(ms_set_interfaces(shared_img, &shared_ms, 1));

    for (i = 0; i < WORKERS; i++) {
        struct tally zero = {0, 0, 0, 0};
        tallies[i] = zero;
        CHECK(pthread_create(&threads[i], NULL, worker, &tallies[i]) == 0);
    }
    CHECK(pthread_create(&release_thread, NULL, releaser, NULL) == 0);
    for (i = 0; i < WORKERS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        total.ok += tallies[i].ok;
        total.handle += tallies[i].handle;
        total.other += tallies[i].other;
        total.after_release_ok += tallies[i].after_release_ok;
    }
    CHECK(pthread_join(release_thread, NULL) == 0);

    printf("calls: %ld S_OK, %ld E_HANDLE, %ld other\n", total.ok, total.handle, total.other);
    CHECK(total.other == 0);
    CHECK(total.ok >= (long)WORKERS * WARM_UP);
    CHECK(total.handle > 0);
    CHECK(total.after_release_ok == 0);
    return check_summary();
}
