/* write_iso DEVICE IMAGE.iso — burns an ISO image file as the next session
 * (`cdrecord image.iso`, `growisofs -M dev=image.iso`). For a later
 * session, build the image for where it lands: `msinfo DEVICE` prints the
 * two numbers for `genisoimage -C start,next -M DEVICE`.
 *
 * Prints "wrote IMAGE.iso at LBA S".
 *
 * Build: cc -std=c99 write_iso.c $(pkg-config --cflags --libs multisession) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "multisession.h"

static int failed(const char *what, ms_hresult hr) {
    char status[256], detail[1024];
    size_t needed;
    if (MS_FAILED(ms_status_describe(hr, status, sizeof status, &needed))) status[0] = '\0';
    if (MS_FAILED(ms_last_error_message(detail, sizeof detail, &needed))) detail[0] = '\0';
    fprintf(stderr, "write_iso: %s failed: %s (%s)\n", what, status, detail);
    return 1;
}

static uint32_t on_progress(void *context, const ms_progress *p) {
    int32_t *start = context;
    *start = p->start_lba;
    return MS_CONTINUE;
}

int main(int argc, char **argv) {
    ms_recorder rec = {0};
    ms_write_options options;
    ms_hresult hr;
    int32_t start = -1;
    if (argc != 3) {
        fprintf(stderr, "usage: write_iso DEVICE IMAGE.iso\n");
        return 2;
    }
    if (MS_FAILED(hr = ms_recorder_open(argv[1], &rec))) return failed("ms_recorder_open", hr);
    if (MS_FAILED(hr = ms_write_options_default(&options))) return failed("ms_write_options_default", hr);
    options.disable_consumer_dvd_compatibility_mode = true;
    options.verify = true;
    hr = ms_write_iso_file(rec, argv[2], &options, on_progress, &start);
    if (MS_FAILED(hr)) {
        failed("ms_write_iso_file", hr);
        (void)ms_recorder_release(rec);
        return 1;
    }
    printf("wrote %s at LBA %d\n", argv[2], start);
    return MS_FAILED(ms_recorder_release(rec)) ? 1 : 0;
}
