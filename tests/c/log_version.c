/* ms_version, the log hook and the named constants: every CDB reaches the
 * callback at MS_LOG_DEBUG with its status (and sense on a CHECK
 * CONDITION), every failed call's detail at MS_LOG_WARNING; a lower level
 * filters, MS_LOG_OFF stops it; media facts compare with named constants.
 *
 * Usage: log_version DIR VERSION FAULTY_DISC
 *   VERSION: the crate version; FAULTY_DISC: a CD-R with one session whose
 *   block 16 cannot be read (3/11/00). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

typedef struct {
    int debug, warning, other;
    int inquiry_good;     /* "INQUIRY [12 …] on …: GOOD" */
    int read_check;       /* a READ answered CHECK CONDITION 3/11/00 */
    int prepare_warning;  /* "ms_image_prepare_for: …" */
} log_seen;

static void on_log(void *context, uint32_t level, const char *message) {
    log_seen *seen = context;
    if (level == MS_LOG_DEBUG) {
        seen->debug++;
        if (strncmp(message, "INQUIRY [12 ", 12) == 0 && strstr(message, ": GOOD (")) seen->inquiry_good++;
        if (strncmp(message, "READ", 4) == 0 && strstr(message, "CHECK CONDITION, sense 3/11/00"))
            seen->read_check++;
    } else if (level == MS_LOG_WARNING) {
        seen->warning++;
        if (strncmp(message, "ms_image_prepare_for: ", 22) == 0) seen->prepare_warning++;
    } else {
        seen->other++;
    }
}

static void version(const char *expected) {
    const char *v = ms_version();
    CHECK(v != NULL && strcmp(v, expected) == 0);
    CHECK(ms_version() == v); /* static: the same string every time */
    CHECK(ms_abi_version() == ((uint32_t)MS_ABI_VERSION_MAJOR << 16 | MS_ABI_VERSION_MINOR));
}

static void constants(const char *dir) {
    char disc[512];
    ms_recorder rec = {0};
    ms_media_info info;
    snprintf(disc, sizeof disc, "%s/constants.img", dir);
    CHECK_OK(ms_emulator_create(disc, MS_PROFILE_DVD_PLUS_R, 0));
    CHECK_OK(ms_recorder_open(disc, &rec));
    CHECK_OK(ms_recorder_media_info(rec, &info));
    CHECK(info.profile == MS_PROFILE_DVD_PLUS_R);
    CHECK(info.physical_type == MS_IMAPI_MEDIA_TYPE_DVDPLUSR);
    CHECK(info.media_state & MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK);
    CHECK(!(info.media_state & MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_APPENDABLE));
    CHECK(!(info.write_protect & MS_IMAPI_WRITEPROTECTED_READ_ONLY_MEDIA));
    CHECK(MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED == 6);
    CHECK(MS_PROFILE_BD_RE == 0x0043 && MS_IMAPI_MEDIA_TYPE_BDRE == 0x13);
    CHECK_OK(ms_recorder_release(rec));
}

static void log_hook(const char *dir, const char *faulty) {
    char disc[512];
    log_seen seen;
    ms_recorder rec = {0};
    ms_image image = {0};
    ms_preparation done;
    memset(&seen, 0, sizeof seen);
    snprintf(disc, sizeof disc, "%s/log.img", dir);
    CHECK_OK(ms_emulator_create(disc, MS_PROFILE_CD_R, 0));

    CHECK_HR(ms_set_log_callback(3, on_log, &seen), MS_E_INVALIDARG);
    CHECK_OK(ms_set_log_callback(MS_LOG_DEBUG, on_log, &seen));
    CHECK_OK(ms_recorder_open(disc, &rec));
    CHECK(seen.inquiry_good == 1 && seen.warning == 0);
    CHECK_OK(ms_recorder_release(rec));

    /* A failed read: its CDB with the sense at debug, the call's detail at
     * warning. */
    CHECK_OK(ms_recorder_open(faulty, &rec));
    CHECK_OK(ms_image_new(&image));
    ms_hresult hr = ms_image_prepare_for(image, rec, &done);
    CHECK(MS_FAILED(hr));
    CHECK(seen.read_check >= 1 && seen.prepare_warning == 1);
    CHECK_OK(ms_image_release(image));

    /* Warning level: failures only, no CDBs. */
    int debug_before = seen.debug;
    CHECK_OK(ms_set_log_callback(MS_LOG_WARNING, on_log, &seen));
    ms_media_info info;
    CHECK_OK(ms_recorder_media_info(rec, &info));
    CHECK_HR(ms_erase(rec, false), MS_E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED);
    CHECK(seen.debug == debug_before && seen.warning == 2);

    /* Off: nothing more. */
    CHECK_OK(ms_set_log_callback(MS_LOG_OFF, on_log, &seen));
    CHECK_HR(ms_erase(rec, false), MS_E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED);
    CHECK(seen.warning == 2 && seen.other == 0);
    /* A NULL callback also stops it. */
    CHECK_OK(ms_set_log_callback(MS_LOG_DEBUG, NULL, NULL));
    CHECK_OK(ms_recorder_media_info(rec, &info));
    CHECK(seen.debug == debug_before);
    CHECK_OK(ms_recorder_release(rec));
}

int main(int argc, char **argv) {
    check_args(argc, argv, 3, 3, "DIR VERSION FAULTY_DISC");
    version(argv[2]);
    constants(argv[1]);
    log_hook(argv[1], argv[3]);
    return check_summary();
}
