/* Write speeds through the C ABI on emulated DVD+R, BD-R and CD-R: the
 * offered speeds (fastest first), setting the slowest, a speed between two
 * (the drive rounds down), and 0 for the fastest, read back as the
 * current speed each time.
 *
 * Usage: speed DIR */
#include <stdint.h>
#include <stdio.h>

#include "check.h"

static void speeds_on(const char *dir, uint16_t profile, const char *name) {
    char disc[512];
    ms_recorder rec = {0};
    uint32_t speeds[64], current = 0;
    size_t count = 0;
    snprintf(disc, sizeof disc, "%s/%s.img", dir, name);
    CHECK_OK(ms_emulator_create(disc, profile, 0));
    CHECK_OK(ms_recorder_open(disc, &rec));

    CHECK_HR(ms_recorder_write_speeds(rec, NULL, 0, &count), MS_E_NOT_SUFFICIENT_BUFFER);
    CHECK(count >= 2);
    size_t offered = count;
    CHECK_OK(ms_recorder_write_speeds(rec, speeds, 64, &count));
    CHECK(count == offered);
    for (size_t i = 1; i < count; i++) CHECK(speeds[i] < speeds[i - 1]);
    uint32_t fastest = speeds[0], slowest = speeds[count - 1];

    CHECK_OK(ms_recorder_current_write_speed(rec, &current));
    CHECK(current == fastest);
    CHECK_OK(ms_recorder_set_write_speed(rec, slowest));
    CHECK_OK(ms_recorder_current_write_speed(rec, &current));
    CHECK(current == slowest);
    /* Between the two fastest: the drive takes the slower one. */
    CHECK_OK(ms_recorder_set_write_speed(rec, speeds[1] + 1));
    CHECK_OK(ms_recorder_current_write_speed(rec, &current));
    CHECK(current == speeds[1]);
    CHECK_OK(ms_recorder_set_write_speed(rec, 0));
    CHECK_OK(ms_recorder_current_write_speed(rec, &current));
    CHECK(current == fastest);

    CHECK_HR(ms_recorder_write_speeds(rec, speeds, 65, &count), MS_E_INVALIDARG);
    CHECK_HR(ms_recorder_write_speeds(rec, NULL, 1, &count), MS_E_POINTER);
    CHECK_HR(ms_recorder_current_write_speed(rec, NULL), MS_E_POINTER);
    CHECK_OK(ms_recorder_release(rec));
}

int main(int argc, char **argv) {
    check_args(argc, argv, 1, 1, "DIR");
    speeds_on(argv[1], MS_PROFILE_DVD_PLUS_R, "dvd+r");
    speeds_on(argv[1], MS_PROFILE_BD_R, "bd-r");
    speeds_on(argv[1], MS_PROFILE_CD_R, "cd-r");
    ms_recorder none = {0};
    CHECK_HR(ms_recorder_set_write_speed(none, 0), MS_E_HANDLE);
    return check_summary();
}
