/* Browsing an image and reading files back from the medium, as a disc
 * browser or a restore tool would: ms_image_open_dir / ms_dir_* (name,
 * kind, size, mtime, mode, symlink target, on-medium flag) and
 * ms_image_open_file / ms_file_* (size, sequential read, read at an
 * offset), on a CD-R and a BD-RE.
 *
 * Usage: browse DIR */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

#define BIG 100003u
#define SMALL_MTIME 1000000000

static uint8_t big_byte(size_t i) { return (uint8_t)(i * 13u + (i >> 9)); }

typedef struct {
    size_t position;
} big_stream;

static ms_hresult big_read(void *context, uint8_t *buf, size_t len, size_t *read) {
    big_stream *s = context;
    size_t n = BIG - s->position;
    if (n > len) n = len;
    for (size_t i = 0; i < n; i++) buf[i] = big_byte(s->position + i);
    s->position += n;
    *read = n;
    return MS_S_OK;
}

/* A local tree: small.txt (mode 0640, a fixed mtime) and link -> small.txt. */
static int make_local_tree(const char *root) {
    char path[600];
    struct timeval times[2] = {{SMALL_MTIME, 0}, {SMALL_MTIME, 0}};
    if (mkdir(root, 0755) != 0) return 0;
    snprintf(path, sizeof path, "%s/small.txt", root);
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fputs("hello, disc\n", f);
    if (fclose(f) != 0 || chmod(path, 0640) != 0 || utimes(path, times) != 0) return 0;
    snprintf(path, sizeof path, "%s/link", root);
    return symlink("small.txt", path) == 0;
}

static void write_first_session(ms_recorder rec, const char *local) {
    ms_image image = {0};
    ms_result result = {0};
    ms_preparation done;
    big_stream s = {0};
    ms_write_options options;
    options = check_appendable_options();
    image = check_next_image(rec, &done);
    CHECK_OK(ms_image_add_tree(image, local, "/", false, false));
    CHECK_OK(ms_image_mkdir(image, "/docs", false));
    CHECK_OK(ms_image_add_stream(image, "/docs/big.bin", BIG, big_read, NULL, &s, false));
    CHECK_OK(ms_image_create_result(image, &result));
    CHECK_OK(ms_write(rec, result, &options, NULL, NULL));
    CHECK_OK(ms_result_release(result));
    CHECK_OK(ms_image_release(image));
}

static void name_of(ms_dir dir, size_t i, char *buf, size_t len) {
    size_t needed = 0;
    buf[0] = '\0';
    CHECK_OK(ms_dir_name(dir, i, buf, len, &needed));
}

static void lists_the_root(ms_image image) {
    ms_dir dir = {0};
    size_t count = 0, needed = 0;
    char name[64], target[64];
    ms_dir_entry e;
    CHECK_OK(ms_image_open_dir(image, "/", &dir));
    CHECK_OK(ms_dir_count(dir, &count));
    CHECK(count == 4); /* docs, link, new.txt, small.txt — in name order */

    name_of(dir, 0, name, sizeof name);
    CHECK(strcmp(name, "docs") == 0);
    CHECK_OK(ms_dir_get(dir, 0, &e));
    CHECK(e.kind == MS_ITEM_DIRECTORY && e.size == 0);

    name_of(dir, 1, name, sizeof name);
    CHECK(strcmp(name, "link") == 0);
    CHECK_OK(ms_dir_get(dir, 1, &e));
    CHECK(e.kind == MS_ITEM_SYMLINK);
    CHECK_OK(ms_dir_target(dir, 1, target, sizeof target, &needed));
    CHECK(strcmp(target, "small.txt") == 0 && needed == 10);

    name_of(dir, 2, name, sizeof name);
    CHECK(strcmp(name, "new.txt") == 0);
    CHECK_OK(ms_dir_get(dir, 2, &e));
    CHECK(e.kind == MS_ITEM_FILE && e.size == 3 && !e.on_medium);

    name_of(dir, 3, name, sizeof name);
    CHECK(strcmp(name, "small.txt") == 0);
    CHECK_OK(ms_dir_get(dir, 3, &e));
    CHECK(e.kind == MS_ITEM_FILE && e.size == 12 && e.on_medium);
    CHECK(e.has_mtime && e.mtime == SMALL_MTIME);
    CHECK(e.mode == 0640);
    CHECK_OK(ms_dir_target(dir, 3, target, sizeof target, &needed));
    CHECK(target[0] == '\0' && needed == 1);

    /* A snapshot: the image's later edits do not change it. */
    CHECK_OK(ms_image_remove(image, "/new.txt", false));
    CHECK_OK(ms_dir_count(dir, &count));
    CHECK(count == 4);

    CHECK_HR(ms_dir_get(dir, 4, &e), MS_E_INVALIDARG);
    CHECK_HR(ms_dir_name(dir, 0, name, 3, &needed), MS_E_NOT_SUFFICIENT_BUFFER);
    CHECK(needed == 5);
    CHECK_HR(ms_dir_get(dir, 0, NULL), MS_E_POINTER);
    CHECK_OK(ms_dir_release(dir));
    CHECK_HR(ms_dir_count(dir, &count), MS_E_HANDLE);
    CHECK_HR(ms_dir_release(dir), MS_E_HANDLE);
}

static void reads_a_file_back(ms_image image) {
    ms_file file = {0};
    uint64_t size = 0;
    static uint8_t buf[BIG + 100];
    size_t got = 0, total = 0;
    int mismatches = 0;
    CHECK_OK(ms_image_open_file(image, "/docs/big.bin", &file));
    CHECK_OK(ms_file_size(file, &size));
    CHECK(size == BIG);
    /* Odd chunk sizes cross block boundaries everywhere. */
    do {
        size_t room = sizeof buf - total;
        CHECK_OK(ms_file_read(file, buf + total, room < 777 ? room : 777, &got));
        total += got;
    } while (got > 0 && total < sizeof buf);
    CHECK(total == BIG);
    for (size_t i = 0; i < total; i++) mismatches += buf[i] != big_byte(i);
    CHECK(mismatches == 0);

    uint8_t small[10];
    CHECK_OK(ms_file_read_at(file, 4095, small, sizeof small, &got));
    CHECK(got == 10);
    for (size_t i = 0; i < got; i++) CHECK(small[i] == big_byte(4095 + i));
    CHECK_OK(ms_file_read_at(file, BIG - 3, small, sizeof small, &got));
    CHECK(got == 3 && small[2] == big_byte(BIG - 1));
    CHECK_OK(ms_file_read_at(file, BIG + 5000, small, sizeof small, &got));
    CHECK(got == 0);
    CHECK_HR(ms_file_read(file, NULL, 5, &got), MS_E_POINTER);
    CHECK_OK(ms_file_release(file));
    CHECK_HR(ms_file_size(file, &size), MS_E_HANDLE);

    CHECK_OK(ms_image_open_file(image, "/small.txt", &file));
    char text[32];
    memset(text, 0, sizeof text);
    CHECK_OK(ms_file_read(file, (uint8_t *)text, sizeof text, &got));
    CHECK(got == 12 && strcmp(text, "hello, disc\n") == 0);
    CHECK_OK(ms_file_release(file));

    CHECK_HR(ms_image_open_file(image, "/docs", &file), MS_IMAPI_E_NOT_FILE);
    CHECK_HR(ms_image_open_file(image, "/missing", &file), MS_IMAPI_E_ITEM_NOT_FOUND);
    CHECK_HR(ms_image_open_dir(image, "/small.txt", (ms_dir *)&file), MS_IMAPI_E_NOT_DIR);
}

static void browse_on(const char *dir, uint16_t profile, const char *name) {
    char disc[512], local[512];
    ms_recorder rec = {0};
    ms_image image = {0};
    ms_preparation done;
    ms_file file = {0};
    snprintf(disc, sizeof disc, "%s/%s.img", dir, name);
    snprintf(local, sizeof local, "%s/%s-tree", dir, name);
    CHECK(make_local_tree(local));
    CHECK_OK(ms_emulator_create(disc, profile, 0));
    CHECK_OK(ms_recorder_open(disc, &rec));
    write_first_session(rec, local);

    image = check_next_image(rec, &done);
    CHECK(done.how == MS_PREPARED_IMPORTED);
    big_stream s = {BIG - 3};
    CHECK_OK(ms_image_add_stream(image, "/new.txt", 3, big_read, NULL, &s, false));
    CHECK_HR(ms_image_open_file(image, "/new.txt", &file), MS_E_INVALIDARG);
    reads_a_file_back(image);
    lists_the_root(image);
    CHECK_OK(ms_image_release(image));

    /* An image without a multisession object has nothing on a medium. */
    ms_dir root = {0};
    size_t count = 9;
    CHECK_OK(ms_image_new(&image));
    CHECK_OK(ms_image_open_dir(image, "/", &root));
    CHECK_OK(ms_dir_count(root, &count));
    CHECK(count == 0);
    CHECK_OK(ms_dir_release(root));
    CHECK_OK(ms_image_release(image));
    CHECK_OK(ms_recorder_release(rec));
}

int main(int argc, char **argv) {
    check_args(argc, argv, 1, 1, "DIR");
    browse_on(argv[1], 0x0009, "cd-r");
    browse_on(argv[1], 0x0043, "bd-re");
    return check_summary();
}
