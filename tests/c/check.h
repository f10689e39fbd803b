/* Tiny test harness for the C ABI tests: counts checks, reports failures with
 * the library's last error message, ends with "N passed, N failed". */
#ifndef MS_TEST_CHECK_H
#define MS_TEST_CHECK_H

#include <stdio.h>
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

static int check_summary(void) {
    printf("%d passed, %d failed\n", checks_passed, checks_failed);
    return checks_failed == 0 ? 0 : 1;
}

#endif
