/* Every (pointer, count) parameter of the C ABI given a count no array or
 * buffer can have — SIZE_MAX/8, SIZE_MAX and the first value above the
 * parameter's documented limit — answers MS_E_INVALIDARG without touching
 * the memory behind the pointer or the out-parameters, and the process
 * lives on (before, ms_set_interfaces aborted the host allocating the copy).
 *
 * Usage: counts DISC   (an appendable emulated disc) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

/* The documented limits (see the header's comments on each function). */
#define MAX_INTERFACES ((size_t)1 << 24)
#define MAX_TEXT ((size_t)UINT32_MAX)
#define MAX_BLOCK_BYTES (((size_t)UINT32_MAX + 1) * 2048)

/* The last error names the parameter and its limit. */
static void check_message_names(const char *what) {
    char message[512];
    size_t needed = 0;
    CHECK_OK(ms_last_error_message(message, sizeof message, &needed));
    if (strstr(message, what) == NULL || strstr(message, "more than") == NULL) {
        checks_failed++;
        fprintf(stderr, "message does not name %s and its limit: %s\n", what, message);
    } else {
        checks_passed++;
    }
}

static void interface_counts(ms_image image, ms_multisession ms) {
    /* SIZE_MAX / 16 handles are fewer bytes than isize::MAX: the count the
     * old check let through to an aborting allocation. */
    const size_t counts[] = {SIZE_MAX / 8, SIZE_MAX, MAX_INTERFACES + 1, SIZE_MAX / 16};
    size_t i;
    ms_list list = {0};
    size_t listed = 99;
    for (i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        CHECK_HR(ms_set_interfaces(image, &ms, counts[i]), MS_E_INVALIDARG);
        check_message_names("interfaces");
    }
    /* The image kept its earlier (empty) list. */
    CHECK_OK(ms_get_interfaces(image, &list));
    CHECK_OK(ms_list_count(list, &listed));
    CHECK(listed == 0);
    CHECK_OK(ms_list_release(list));
    /* A real count still works. */
    CHECK_OK(ms_set_interfaces(image, &ms, 1));
}

static void block_counts(ms_result result) {
    const size_t counts[] = {SIZE_MAX / 8, SIZE_MAX, (SIZE_MAX / 8) & ~(size_t)2047,
                             SIZE_MAX & ~(size_t)2047, MAX_BLOCK_BYTES + 2048};
    uint8_t block[2048];
    size_t i;
    for (i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        memset(block, 0xA5, sizeof block);
        CHECK_HR(ms_result_read(result, 0, block, counts[i]), MS_E_INVALIDARG);
        check_message_names("len");
        CHECK_HR(ms_result_read_anchor(result, block, counts[i]), MS_E_INVALIDARG);
        check_message_names("len");
        CHECK(block[0] == 0xA5 && block[2047] == 0xA5);
    }
    /* A real length still reads. */
    CHECK_OK(ms_result_read(result, 0, block, sizeof block));
}

/* `call` fills `buf`/`needed` through one text function with `len`. */
#define TEXT_COUNTS(call_with_len, quiet)                                     \
    do {                                                                      \
        const size_t lens_[] = {SIZE_MAX / 8, SIZE_MAX, MAX_TEXT + 1};        \
        size_t i_;                                                            \
        for (i_ = 0; i_ < sizeof lens_ / sizeof lens_[0]; i_++) {             \
            size_t len = lens_[i_];                                           \
            memset(buf, 0x5A, sizeof buf);                                    \
            needed = 77;                                                      \
            CHECK_HR(call_with_len, MS_E_INVALIDARG);                         \
            CHECK(needed == 77 && buf[0] == 0x5A);                            \
            if (!(quiet)) {                                                   \
                check_message_names("len");                                   \
            }                                                                 \
        }                                                                     \
    } while (0)

static void text_counts(ms_image image, ms_recorder rec) {
    char buf[64];
    size_t needed = 0;
    TEXT_COUNTS(ms_image_volume_name(image, buf, len, &needed), 0);
    TEXT_COUNTS(ms_image_imported_volume_name(image, buf, len, &needed), 0);
    TEXT_COUNTS(ms_recorder_identity(rec, MS_IDENTITY_VENDOR, buf, len, &needed), 0);
    TEXT_COUNTS(ms_status_describe(MS_E_FAIL, buf, len, &needed), 1);
    TEXT_COUNTS(ms_last_error_message(buf, len, &needed), 1);
    /* The limit itself is a length the functions take (they write only
     * the text). */
    CHECK_OK(ms_status_describe(MS_E_FAIL, buf, MAX_TEXT, &needed));
    CHECK(needed <= sizeof buf && strlen(buf) + 1 == needed);
}

int main(int argc, char **argv) {
    ms_recorder rec = {0};
    ms_list list = {0};
    ms_multisession ms = {0};
    ms_image image = {0};
    ms_result result = {0};
    check_args(argc, argv, 1, 1, "DISC");
    CHECK_OK(ms_recorder_open(argv[1], &rec));
    CHECK_OK(ms_recorder_multisession_interfaces(rec, &list));
    CHECK_OK(ms_list_get(list, 0, &ms));
    CHECK_OK(ms_image_new(&image));

    interface_counts(image, ms);
    text_counts(image, rec);
    CHECK_OK(ms_image_create_result(image, &result));
    block_counts(result);

    CHECK_OK(ms_result_release(result));
    CHECK_OK(ms_image_release(image));
    CHECK_OK(ms_multisession_release(ms));
    CHECK_OK(ms_list_release(list));
    CHECK_OK(ms_recorder_release(rec));
    return check_summary();
}
