/* eject [-t] DEVICE — opens the tray (IMAPI's EjectMedia), or with -t
 * closes it and waits up to 10 s for the medium (CloseTray), then prints
 * its MMC profile.
 *
 * Build: cc -std=c99 eject.c $(pkg-config --cflags --libs multisession) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "multisession.h"

static int failed(const char *what, ms_hresult hr) {
    char status[256], detail[1024];
    size_t needed;
    if (MS_FAILED(ms_status_describe(hr, status, sizeof status, &needed))) status[0] = '\0';
    if (MS_FAILED(ms_last_error_message(detail, sizeof detail, &needed))) detail[0] = '\0';
    fprintf(stderr, "eject: %s failed: %s (%s)\n", what, status, detail);
    return 1;
}

int main(int argc, char **argv) {
    ms_recorder rec = {0};
    ms_media_info info;
    ms_hresult hr;
    int close_tray = argc == 3 && strcmp(argv[1], "-t") == 0;
    if (argc != 2 && !close_tray) {
        fprintf(stderr, "usage: eject [-t] DEVICE\n");
        return 2;
    }
    if (MS_FAILED(hr = ms_recorder_open(argv[argc - 1], &rec))) return failed("ms_recorder_open", hr);
    if (close_tray) {
        if (MS_FAILED(hr = ms_recorder_load(rec))) return failed("ms_recorder_load", hr);
        if (MS_FAILED(hr = ms_recorder_wait_for_medium(rec, 10000, &info)))
            return failed("ms_recorder_wait_for_medium", hr);
        printf("loaded, profile 0x%04X\n", (unsigned)info.profile);
    } else {
        if (MS_FAILED(hr = ms_recorder_eject(rec))) return failed("ms_recorder_eject", hr);
        printf("ejected\n");
    }
    return MS_FAILED(ms_recorder_release(rec)) ? 1 : 0;
}
