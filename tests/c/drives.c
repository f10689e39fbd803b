/* ms_enumerate_drives lists the virtual devices MULTISESSION_VDEV maps
 * (set by the caller to two emulated discs: a DVD+R as /dev/sr7 and a blank
 * CD-R as /dev/sr8) with their identity, current and supported profiles
 * and feature codes; a listed drive opens and its tray ejects and loads.
 *
 * Usage: drives MAP  (MAP becomes MULTISESSION_VDEV) */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const ms_drive_info *find(const ms_drive_info *list, size_t count, const char *path) {
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i].path, path) == 0) return &list[i];
    return NULL;
}

static int has(const uint16_t *codes, uint32_t count, uint16_t code) {
    for (uint32_t i = 0; i < count; i++)
        if (codes[i] == code) return 1;
    return 0;
}

int main(int argc, char **argv) {
    size_t count = 0;
    ms_drive_info *list;
    if (argc != 2 || setenv("MULTISESSION_VDEV", argv[1], 1) != 0) {
        fprintf(stderr, "usage: drives MAP\n");
        return 2;
    }
    ms_hresult hr = ms_enumerate_drives(5000, NULL, 0, &count);
    CHECK(hr == MS_E_NOT_SUFFICIENT_BUFFER && count >= 2);
    list = calloc(count + 1, sizeof *list);
    if (!list) return 1;
    CHECK_OK(ms_enumerate_drives(5000, list, count + 1, &count));

    const ms_drive_info *dvd = find(list, count, "/dev/sr7");
    const ms_drive_info *cd = find(list, count, "/dev/sr8");
    CHECK(dvd != NULL && cd != NULL);
    if (dvd && cd) {
        CHECK(strstr(dvd->backing, "dvd.img") != NULL && strstr(cd->backing, "cd.img") != NULL);
        CHECK(dvd->vendor[0] != '\0' && dvd->product[0] != '\0' && dvd->revision[0] != '\0');
        CHECK(dvd->current_profile == MS_PROFILE_DVD_PLUS_R && cd->current_profile == MS_PROFILE_CD_R);
        CHECK(has(dvd->profiles, dvd->profile_count, MS_PROFILE_DVD_PLUS_R));
        CHECK(has(dvd->profiles, dvd->profile_count, MS_PROFILE_CD_R));
        CHECK(has(dvd->features, dvd->feature_count, 0x0000)); /* Profile List */
        CHECK(has(dvd->features, dvd->feature_count, 0x0001)); /* Core */
        /* What is listed opens, and its tray opens and closes. */
        ms_recorder rec = {0};
        ms_media_info info;
        CHECK_OK(ms_recorder_open(dvd->backing, &rec));
        CHECK_OK(ms_recorder_eject(rec));
        CHECK_HR(ms_recorder_media_info(rec, &info), MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA);
        CHECK_OK(ms_recorder_load(rec));
        CHECK_OK(ms_recorder_wait_for_medium(rec, 5000, &info));
        CHECK(info.profile == MS_PROFILE_DVD_PLUS_R);
        CHECK_OK(ms_recorder_release(rec));
    }
    CHECK_HR(ms_enumerate_drives(100, NULL, 1, &count), MS_E_POINTER);
    CHECK_HR(ms_enumerate_drives(100, list, 257, &count), MS_E_INVALIDARG);
    free(list);
    return check_summary();
}
