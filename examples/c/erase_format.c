/* erase_format [--full | --format] DEVICE — makes a rewritable disc blank,
 * the way IMAPI2's IDiscFormat2Erase does: a CD-RW or DVD-RW is blanked
 * (minimal unless --full; DVD-RW always fully), a DVD+RW, DVD-RAM or BD-RE
 * is made to look blank. --format formats a DVD+RW or BD-RE instead (FORMAT
 * UNIT; writing to an unformatted one formats it anyway, so this is for
 * starting over from a clean format). Write-once media cannot be erased:
 * that is reported as such.
 *
 * DEVICE is a drive (/dev/sr0) or an emulated disc image.
 * Prints what it did, then the medium's state ("blank", "appendable", …).
 *
 * Build: cc -std=c99 erase_format.c $(pkg-config --cflags --libs multisession) */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multisession.h"

static void fail(const char *what, ms_hresult hr) {
    char status[256], detail[1024];
    size_t needed;
    if (MS_FAILED(ms_status_describe(hr, status, sizeof status, &needed))) status[0] = '\0';
    if (MS_FAILED(ms_last_error_message(detail, sizeof detail, &needed))) detail[0] = '\0';
    fprintf(stderr, "erase_format: %s failed: %s (%s)\n", what, status, detail);
}

#define TRY(call)                    \
    do {                             \
        ms_hresult try_hr_ = (call); \
        if (MS_FAILED(try_hr_)) {    \
            fail(#call, try_hr_);    \
            exit(1);                 \
        }                            \
    } while (0)

static const char *state_name(uint32_t state) {
    if (state & MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK) return "blank";
    if (state & MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_APPENDABLE) return "appendable";
    if (state & MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_FINAL_SESSION) return "closed";
    if (state & MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_OVERWRITE_ONLY) return "overwritable";
    return "unusable";
}

int main(int argc, char **argv) {
    ms_recorder rec = {0};
    ms_media_info media;
    bool full = false, format = false;
    int arg = 1;
    if (argc == 3 && strcmp(argv[1], "--full") == 0) {
        full = true;
        arg = 2;
    } else if (argc == 3 && strcmp(argv[1], "--format") == 0) {
        format = true;
        arg = 2;
    } else if (argc != 2) {
        fprintf(stderr, "usage: erase_format [--full | --format] DEVICE\n");
        return 2;
    }
    TRY(ms_recorder_open(argv[arg], &rec));
    TRY(ms_recorder_media_info(rec, &media));
    if (format) {
        TRY(ms_format(rec));
        printf("formatted\n");
    } else {
        ms_hresult hr = ms_erase(rec, full);
        if (hr == MS_E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED) {
            fprintf(stderr, "erase_format: profile 0x%04X media cannot be erased\n", (unsigned)media.profile);
            return 1;
        }
        TRY(hr);
        printf("erased%s\n", full ? " (full)" : "");
    }
    TRY(ms_recorder_media_info(rec, &media));
    printf("%s, %u sessions, %d sectors free\n", state_name(media.media_state), (unsigned)media.sessions,
           (int)media.free_sectors_on_media);
    TRY(ms_recorder_release(rec));
    return 0;
}
