/* The tray through the C ABI on an emulated drive: prevent removal refuses
 * an eject, an eject leaves no medium, waiting for one times out, a load
 * brings it back and the disc takes a session.
 *
 * Usage: tray DIR */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"

int main(int argc, char **argv) {
    char disc[512];
    ms_recorder rec = {0};
    ms_media_info info;
    check_args(argc, argv, 1, 1, "DIR");
    check_blank_disc(disc, sizeof disc, argv[1], "tray.img", MS_PROFILE_CD_R, &rec);
    CHECK_OK(ms_recorder_media_info(rec, &info));

    CHECK_OK(ms_recorder_prevent_removal(rec, true));
    ms_hresult refused = ms_recorder_eject(rec);
    CHECK(MS_FAILED(refused));
    char detail[512];
    size_t needed = 0;
    CHECK_OK(ms_last_error_message(detail, sizeof detail, &needed));
    CHECK(strstr(detail, "5/53/02") != NULL);
    CHECK_OK(ms_recorder_media_info(rec, &info)); /* still there */
    CHECK_OK(ms_recorder_prevent_removal(rec, false));

    CHECK_OK(ms_recorder_eject(rec));
    CHECK_HR(ms_recorder_media_info(rec, &info), MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA);
    memset(&info, 0x5A, sizeof info);
    time_t before = time(NULL);
    CHECK_HR(ms_recorder_wait_for_medium(rec, 300, &info), MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA);
    CHECK(info.profile == 0x5A5A && time(NULL) - before < 5);

    CHECK_OK(ms_recorder_load(rec));
    CHECK_OK(ms_recorder_wait_for_medium(rec, 5000, &info));
    CHECK(info.profile == MS_PROFILE_CD_R && (info.media_state & MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK));
    ms_image image = {0};
    ms_preparation done;
    image = check_next_image(rec, &done);
    CHECK(done.how == MS_PREPARED_FIRST_SESSION);
    CHECK_OK(ms_image_release(image));

    ms_recorder none = {0};
    CHECK_HR(ms_recorder_eject(none), MS_E_HANDLE);
    CHECK_HR(ms_recorder_wait_for_medium(rec, 0, NULL), MS_E_POINTER);
    CHECK_OK(ms_recorder_release(rec));
    return check_summary();
}
