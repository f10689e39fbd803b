/* extract DEVICE DESTDIR [PATH] — copies PATH (a file or a directory tree,
 * "/" by default) of the disc's newest session into DESTDIR, which must
 * exist: directories, files with their bytes and modification times, and
 * Rock Ridge symbolic links. Nothing outside DESTDIR is written and nothing
 * there is replaced (an existing name is an error).
 *
 * DEVICE is a drive (/dev/sr0) or an emulated disc image.
 * Prints one line per item copied and a total.
 *
 * Build: cc -std=c99 extract.c $(pkg-config --cflags --libs multisession) */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "multisession.h"

static int failed(const char *what, ms_hresult hr) {
    char status[256], detail[1024];
    size_t needed;
    if (MS_FAILED(ms_status_describe(hr, status, sizeof status, &needed))) status[0] = '\0';
    if (MS_FAILED(ms_last_error_message(detail, sizeof detail, &needed))) detail[0] = '\0';
    fprintf(stderr, "extract: %s failed: %s (%s)\n", what, status, detail);
    return 1;
}

static int host_failed(const char *what, const char *path) {
    fprintf(stderr, "extract: %s %s: %s\n", what, path, strerror(errno));
    return 1;
}

static unsigned long long files_copied, bytes_copied;

/* Copies the image file `path` to the new local file `local`. */
static int copy_file(ms_image image, const char *path, const char *local, const ms_dir_entry *e) {
    ms_file file = {0};
    uint8_t buf[65536];
    size_t got = 0;
    ms_hresult hr = ms_image_open_file(image, path, &file);
    if (MS_FAILED(hr)) return failed("ms_image_open_file", hr);
    /* O_EXCL: an existing file (or a link planted there) is never followed. */
    int fd = open(local, O_WRONLY | O_CREAT | O_EXCL, (mode_t)(e->mode ? (e->mode & 0777) : 0644));
    if (fd < 0) {
        (void)ms_file_release(file);
        return host_failed("cannot create", local);
    }
    int bad = 0;
    for (;;) {
        if (MS_FAILED(hr = ms_file_read(file, buf, sizeof buf, &got))) {
            bad = failed("ms_file_read", hr);
            break;
        }
        if (got == 0) break;
        for (size_t done = 0; done < got;) {
            ssize_t n = write(fd, buf + done, got - done);
            if (n < 0) {
                bad = host_failed("cannot write", local);
                break;
            }
            done += (size_t)n;
        }
        if (bad) break;
        bytes_copied += got;
    }
    if (close(fd) != 0 && !bad) bad = host_failed("cannot write", local);
    (void)ms_file_release(file);
    if (!bad && e->has_mtime) {
        struct timeval times[2];
        times[0].tv_sec = times[1].tv_sec = (time_t)e->mtime;
        times[0].tv_usec = times[1].tv_usec = 0;
        if (utimes(local, times) != 0) bad = host_failed("cannot set the time of", local);
    }
    if (!bad) {
        files_copied++;
        printf("%s\n", path);
    }
    return bad;
}

/* Copies the children of the image directory `path` into `local`. */
static int copy_tree(ms_image image, const char *path, const char *local) {
    ms_dir dir = {0};
    size_t count = 0;
    ms_hresult hr = ms_image_open_dir(image, path, &dir);
    if (MS_FAILED(hr)) return failed("ms_image_open_dir", hr);
    if (MS_FAILED(hr = ms_dir_count(dir, &count))) return failed("ms_dir_count", hr);
    int bad = 0;
    for (size_t i = 0; i < count && !bad; i++) {
        char name[1024], child[4096], local_child[4096], target[4096];
        size_t needed = 0;
        ms_dir_entry e;
        if (MS_FAILED(hr = ms_dir_name(dir, i, name, sizeof name, &needed))) {
            bad = failed("ms_dir_name", hr);
            break;
        }
        if (MS_FAILED(hr = ms_dir_get(dir, i, &e))) {
            bad = failed("ms_dir_get", hr);
            break;
        }
        snprintf(child, sizeof child, "%s%s%s", path, strcmp(path, "/") == 0 ? "" : "/", name);
        snprintf(local_child, sizeof local_child, "%s/%s", local, name);
        if (e.kind == MS_ITEM_DIRECTORY) {
            if (mkdir(local_child, 0755) != 0) {
                bad = host_failed("cannot create", local_child);
            } else {
                printf("%s/\n", child);
                bad = copy_tree(image, child, local_child);
            }
        } else if (e.kind == MS_ITEM_SYMLINK) {
            if (MS_FAILED(hr = ms_dir_target(dir, i, target, sizeof target, &needed))) {
                bad = failed("ms_dir_target", hr);
            } else if (symlink(target, local_child) != 0) {
                bad = host_failed("cannot create", local_child);
            } else {
                printf("%s -> %s\n", child, target);
            }
        } else {
            bad = copy_file(image, child, local_child, &e);
        }
    }
    (void)ms_dir_release(dir);
    return bad;
}

/* The last component of `path`. */
static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int main(int argc, char **argv) {
    ms_recorder rec = {0};
    ms_image image = {0};
    ms_preparation done;
    ms_item_info info;
    ms_hresult hr;
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: extract DEVICE DESTDIR [PATH]\n");
        return 2;
    }
    const char *path = argc == 4 ? argv[3] : "/";
    if (MS_FAILED(hr = ms_recorder_open(argv[1], &rec))) return failed("ms_recorder_open", hr);
    if (MS_FAILED(hr = ms_image_new(&image))) return failed("ms_image_new", hr);
    /* Imports the newest session (the one every reader shows). */
    if (MS_FAILED(hr = ms_image_prepare_for(image, rec, &done))) return failed("ms_image_prepare_for", hr);
    if (done.how != MS_PREPARED_IMPORTED) {
        fprintf(stderr, "extract: %s holds no files\n", argv[1]);
        return 1;
    }
    if (MS_FAILED(hr = ms_image_stat(image, path, &info))) return failed("ms_image_stat", hr);
    int bad;
    if (info.kind == MS_ITEM_DIRECTORY) {
        bad = copy_tree(image, path, argv[2]);
    } else {
        char local[4096];
        ms_dir_entry e;
        memset(&e, 0, sizeof e);
        e.kind = info.kind;
        e.size = info.size;
        snprintf(local, sizeof local, "%s/%s", argv[2], base_name(path));
        bad = copy_file(image, path, local, &e);
    }
    if (!bad) printf("%llu files, %llu bytes\n", files_copied, bytes_copied);
    (void)ms_image_release(image);
    (void)ms_recorder_release(rec);
    return bad;
}
