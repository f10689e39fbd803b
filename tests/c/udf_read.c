/* Lists and reads every file of the UDF volume of one session with
 * libudfread, for tests/image/udf_build.rs.
 *
 *   udf_read IMAGE START [TAIL]
 *
 * START is the session's first block. libudfread knows nothing of
 * sessions, so the input shows it what a multisession-aware drive shows
 * the Linux kernel: the volume recognition sequence (blocks 16..31) and
 * the anchor (block 256) of the session at START, every other block where
 * it is (the session's descriptors hold absolute addresses).
 *
 * Prints one line per item, paths as libudfread gives them (MUTF-8):
 *   D <tab> path
 *   F <tab> path <tab> size <tab> FNV-1a-64 of the bytes read (hex)
 * With TAIL, a file of more than 4 GiB is not read whole: "-" stands for
 * its hash, and "T <tab> path <tab> hex of its last TAIL bytes" follows,
 * read after a seek.
 */
#define _FILE_OFFSET_BITS 64
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include <udfread/blockinput.h>
#include <udfread/udfread.h>

struct session_input {
    udfread_block_input base;
    int fd;
    uint32_t start;
    uint32_t blocks;
};

static uint32_t map_block(const struct session_input *in, uint32_t lba) {
    if ((lba >= 16 && lba < 32) || lba == 256) {
        return lba + in->start;
    }
    return lba;
}

static int input_read(udfread_block_input *base, uint32_t lba, void *buf, uint32_t nblocks,
                      int flags) {
    struct session_input *in = (struct session_input *)base;
    uint32_t i;
    (void)flags;
    for (i = 0; i < nblocks; i++) {
        off_t at = (off_t)map_block(in, lba + i) * UDF_BLOCK_SIZE;
        ssize_t got = pread(in->fd, (char *)buf + (size_t)i * UDF_BLOCK_SIZE, UDF_BLOCK_SIZE, at);
        if (got != UDF_BLOCK_SIZE) {
            return (int)i;
        }
    }
    return (int)nblocks;
}

static uint32_t input_size(udfread_block_input *base) {
    return ((struct session_input *)base)->blocks;
}

static int input_close(udfread_block_input *base) {
    return close(((struct session_input *)base)->fd);
}

static long tail_bytes;
static int failures;

static void read_file(UDFDIR *dir, const char *path, const char *name) {
    UDFFILE *f = udfread_file_openat(dir, name);
    static unsigned char buf[1 << 20];
    uint64_t hash = 0xcbf29ce484222325ULL;
    int64_t size, total = 0;
    ssize_t n;
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        failures++;
        return;
    }
    size = udfread_file_size(f);
    if (tail_bytes > 0 && size > ((int64_t)1 << 32)) {
        /* Only its size and its end: reading 4 GiB of zeros proves little. */
        long i;
        printf("F\t%s\t%" PRId64 "\t-\n", path, size);
        if (udfread_file_seek(f, size - tail_bytes, SEEK_SET) != size - tail_bytes ||
            udfread_file_read(f, buf, (size_t)tail_bytes) != tail_bytes) {
            fprintf(stderr, "%s: cannot read the last %ld bytes\n", path, tail_bytes);
            failures++;
        } else {
            printf("T\t%s\t", path);
            for (i = 0; i < tail_bytes; i++) {
                printf("%02x", buf[i]);
            }
            printf("\n");
        }
        udfread_file_close(f);
        return;
    }
    while ((n = udfread_file_read(f, buf, sizeof buf)) > 0) {
        ssize_t i;
        for (i = 0; i < n; i++) {
            hash ^= buf[i];
            hash *= 0x100000001b3ULL;
        }
        total += n;
    }
    if (n < 0 || total != size) {
        fprintf(stderr, "%s: read %" PRId64 " of %" PRId64 " bytes\n", path, total, size);
        failures++;
    }
    printf("F\t%s\t%" PRId64 "\t%016" PRIx64 "\n", path, size, hash);
    udfread_file_close(f);
}

static void walk(udfread *udf, const char *path) {
    UDFDIR *dir = udfread_opendir(udf, path[0] ? path : "/");
    struct udfread_dirent entry;
    if (!dir) {
        fprintf(stderr, "cannot open directory %s\n", path[0] ? path : "/");
        failures++;
        return;
    }
    while (udfread_readdir(dir, &entry)) {
        size_t len = strlen(path) + strlen(entry.d_name) + 2;
        char *child;
        if (!strcmp(entry.d_name, ".") || !strcmp(entry.d_name, "..")) {
            continue;
        }
        child = malloc(len);
        if (!child) {
            exit(3);
        }
        snprintf(child, len, "%s/%s", path, entry.d_name);
        if (entry.d_type == UDF_DT_DIR) {
            printf("D\t%s\n", child);
            walk(udf, child);
        } else {
            read_file(dir, child, entry.d_name);
        }
        free(child);
    }
    udfread_closedir(dir);
}

int main(int argc, char **argv) {
    struct session_input in;
    struct stat st;
    udfread *udf;
    if (argc < 3) {
        fprintf(stderr, "usage: %s IMAGE START [TAIL]\n", argv[0]);
        return 2;
    }
    memset(&in, 0, sizeof in);
    in.fd = open(argv[1], O_RDONLY);
    if (in.fd < 0 || fstat(in.fd, &st) != 0) {
        perror(argv[1]);
        return 2;
    }
    in.start = (uint32_t)strtoul(argv[2], NULL, 10);
    in.blocks = (uint32_t)(st.st_size / UDF_BLOCK_SIZE);
    in.base.read = input_read;
    in.base.size = input_size;
    in.base.close = input_close;
    tail_bytes = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
    if (tail_bytes < 0 || tail_bytes > (1 << 20)) {
        return 2;
    }
    udf = udfread_init();
    if (!udf || udfread_open_input(udf, &in.base) < 0) {
        fprintf(stderr, "libudfread cannot open the UDF volume of the session at %u\n", in.start);
        return 1;
    }
    walk(udf, "");
    udfread_close(udf);
    return failures ? 1 : 0;
}
