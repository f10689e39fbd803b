/* Exclusive access across processes: the parent holds the disc as
 * "parent-app"; a child process cannot acquire it nor write, and its
 * message names the holder; after the release the child acquires it and
 * exits without releasing, and the lock goes with the child.
 *
 * Usage: exclusive DIR */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static int contains_last_error(const char *text) {
    char message[1024];
    size_t needed = 0;
    if (MS_FAILED(ms_last_error_message(message, sizeof message, &needed))) return 0;
    return strstr(message, text) != NULL;
}

/* Runs `body` in a child process; its exit status is its failed checks. */
static int in_child(void (*body)(const char *), const char *disc) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        checks_failed = 0;
        body(disc);
        _exit(checks_failed == 0 ? 0 : 1);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static ms_hresult zeros(void *context, uint8_t *buf, size_t len, size_t *read) {
    size_t *left = context;
    size_t n = *left < len ? *left : len;
    memset(buf, 0, n);
    *left -= n;
    *read = n;
    return MS_S_OK;
}

static void refused_while_parent_holds(const char *disc) {
    ms_recorder rec = {0};
    char owner[256];
    size_t needed = 0;
    CHECK_OK(ms_recorder_open(disc, &rec));
    CHECK_HR(ms_recorder_acquire_exclusive(rec, "child-app"), MS_E_IMAPI_RECORDER_LOCKED);
    CHECK(contains_last_error("\"parent-app\" (process "));
    CHECK_OK(ms_recorder_exclusive_owner(rec, owner, sizeof owner, &needed));
    CHECK(strncmp(owner, "\"parent-app\" (process ", 22) == 0);
    /* A write is refused too, naming the holder. */
    size_t left = 4096;
    CHECK_HR(ms_write_stream(rec, left, zeros, NULL, &left, NULL, NULL, NULL), MS_E_IMAPI_RECORDER_LOCKED);
    CHECK(contains_last_error("parent-app"));
    CHECK_OK(ms_recorder_release(rec));
}

static void acquires_and_exits_holding(const char *disc) {
    ms_recorder rec = {0};
    CHECK_OK(ms_recorder_open(disc, &rec));
    CHECK_OK(ms_recorder_acquire_exclusive(rec, "child-app"));
    /* Exits without releasing (nor freeing the handle): the OS lock ends
     * with the process. */
}

int main(int argc, char **argv) {
    char disc[512], owner[256];
    size_t needed = 0;
    ms_recorder rec = {0};
    check_args(argc, argv, 1, 1, "DIR");
    check_blank_disc(disc, sizeof disc, argv[1], "exclusive.img", MS_PROFILE_DVD_PLUS_R, &rec);
    CHECK_OK(ms_recorder_exclusive_owner(rec, owner, sizeof owner, &needed));
    CHECK(owner[0] == '\0');

    CHECK_HR(ms_recorder_acquire_exclusive(rec, ""), MS_E_INVALIDARG);
    CHECK_HR(ms_recorder_acquire_exclusive(rec, NULL), MS_E_POINTER);
    CHECK_OK(ms_recorder_acquire_exclusive(rec, "parent-app"));
    CHECK_OK(ms_recorder_exclusive_owner(rec, owner, sizeof owner, &needed));
    CHECK(strcmp(owner, "parent-app") == 0);
    CHECK(in_child(refused_while_parent_holds, disc) == 0);

    /* The holder itself still writes. */
    ms_image image = {0};
    ms_result result = {0};
    ms_preparation done;
    ms_write_options options;
    options = check_appendable_options();
    image = check_next_image(rec, &done);
    CHECK_OK(ms_image_mkdir(image, "/held", false));
    CHECK_OK(ms_image_create_result(image, &result));
    CHECK_OK(ms_write(rec, result, &options, NULL, NULL));
    CHECK_OK(ms_result_release(result));
    CHECK_OK(ms_image_release(image));

    CHECK_OK(ms_recorder_release_exclusive(rec));
    CHECK_OK(ms_recorder_release_exclusive(rec));
    CHECK(in_child(acquires_and_exits_holding, disc) == 0);
    /* The child is gone: its lock with it. */
    CHECK_OK(ms_recorder_acquire_exclusive(rec, "parent-again"));
    CHECK_OK(ms_recorder_release_exclusive(rec));
    ms_recorder none = {0};
    CHECK_HR(ms_recorder_release_exclusive(none), MS_E_HANDLE);
    CHECK_OK(ms_recorder_release(rec));
    return check_summary();
}
