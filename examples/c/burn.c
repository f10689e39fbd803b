/* burn DEVICE PATH... — what `multisession append` does: the next session
 * on DEVICE holding every file of the newest session plus each PATH (a
 * file, or a directory under its own name) at the root, whatever the
 * medium's state; a DVD+R stays appendable.
 *
 * DEVICE is a drive (/dev/sr0) or an emulated disc image.
 * Prints "wrote N blocks at LBA S"; progress goes to stderr.
 *
 * Build: cc -std=c99 burn.c $(pkg-config --cflags --libs multisession) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "multisession.h"

static void fail(const char *what, ms_hresult hr) {
    char status[256], detail[1024];
    size_t needed;
    if (MS_FAILED(ms_status_describe(hr, status, sizeof status, &needed))) status[0] = '\0';
    if (MS_FAILED(ms_last_error_message(detail, sizeof detail, &needed))) detail[0] = '\0';
    fprintf(stderr, "burn: %s failed: %s (%s)\n", what, status, detail);
}

#define TRY(call)                        \
    do {                                 \
        ms_hresult try_hr_ = (call);     \
        if (MS_FAILED(try_hr_)) {        \
            fail(#call, try_hr_);        \
            exit(1);                     \
        }                                \
    } while (0)

static uint32_t on_progress(void *context, const ms_progress *p) {
    (void)context;
    if (p->action == MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA)
        fprintf(stderr, "\rwriting %d of %d blocks", p->sectors_done, p->sector_count);
    else if (p->action == MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED)
        fprintf(stderr, "\rcompleted%30s\n", "");
    return MS_CONTINUE;
}

/* The last component of `path`. */
static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int main(int argc, char **argv) {
    ms_recorder rec = {0};
    ms_image image = {0};
    ms_result result = {0};
    ms_preparation done;
    ms_write_options options;
    uint32_t recovery = 0;
    int32_t start = 0, blocks = 0;
    if (argc < 3) {
        fprintf(stderr, "usage: burn DEVICE PATH...\n");
        return 2;
    }
    TRY(ms_recorder_open(argv[1], &rec));
    /* A write another program interrupted leaves a session open. */
    TRY(ms_recover(rec, &recovery));
    TRY(ms_image_new(&image));
    TRY(ms_image_prepare_for(image, rec, &done));
    if (done.skipped_session_start >= 0)
        fprintf(stderr, "burn: the session at LBA %d holds no file system; continuing from LBA %d\n",
                done.skipped_session_start, done.imported_session_start);
    for (int i = 2; i < argc; i++) {
        struct stat st;
        char dest[1024];
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "burn: %s: cannot stat\n", argv[i]);
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            TRY(ms_image_add_tree(image, argv[i], "/", true, true));
        } else {
            snprintf(dest, sizeof dest, "/%s", base_name(argv[i]));
            TRY(ms_image_add_file(image, dest, argv[i], true));
        }
    }
    TRY(ms_image_create_result(image, &result));
    TRY(ms_result_start_block(result, &start));
    TRY(ms_result_total_blocks(result, &blocks));
    TRY(ms_write_options_default(&options));
    options.disable_consumer_dvd_compatibility_mode = true;
    TRY(ms_write(rec, result, &options, on_progress, NULL));
    printf("wrote %d blocks at LBA %d\n", blocks, start);
    TRY(ms_result_release(result));
    TRY(ms_image_release(image));
    TRY(ms_recorder_release(rec));
    return 0;
}
