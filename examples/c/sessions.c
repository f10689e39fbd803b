/* sessions DEVICE — every session of the disc (number, start, size, file
 * systems, volume name, creation date) and the files each one shows,
 * read through an image that imports that session.
 *
 * Build: cc -std=c99 sessions.c $(pkg-config --cflags --libs multisession) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "multisession.h"

static int failed(const char *what, ms_hresult hr) {
    char status[256], detail[1024];
    size_t needed;
    if (MS_FAILED(ms_status_describe(hr, status, sizeof status, &needed))) status[0] = '\0';
    if (MS_FAILED(ms_last_error_message(detail, sizeof detail, &needed))) detail[0] = '\0';
    fprintf(stderr, "sessions: %s failed: %s (%s)\n", what, status, detail);
    return 1;
}

/* Prints the tree under `path` of `image`, one entry a line. */
static int list_tree(ms_image image, const char *path) {
    ms_dir dir = {0};
    size_t count = 0;
    ms_hresult hr = ms_image_open_dir(image, path, &dir);
    if (MS_FAILED(hr)) return failed("ms_image_open_dir", hr);
    if (MS_FAILED(hr = ms_dir_count(dir, &count))) return failed("ms_dir_count", hr);
    for (size_t i = 0; i < count; i++) {
        char name[1024], child[2048], target[1024];
        size_t needed = 0;
        ms_dir_entry e;
        if (MS_FAILED(hr = ms_dir_name(dir, i, name, sizeof name, &needed))) return failed("ms_dir_name", hr);
        if (MS_FAILED(hr = ms_dir_get(dir, i, &e))) return failed("ms_dir_get", hr);
        snprintf(child, sizeof child, "%s%s%s", path, strcmp(path, "/") == 0 ? "" : "/", name);
        if (e.kind == MS_ITEM_DIRECTORY) {
            printf("  %12s  %s/\n", "dir", child);
            if (list_tree(image, child)) return 1;
        } else if (e.kind == MS_ITEM_SYMLINK) {
            if (MS_FAILED(hr = ms_dir_target(dir, i, target, sizeof target, &needed)))
                return failed("ms_dir_target", hr);
            printf("  %12s  %s -> %s\n", "link", child, target);
        } else {
            printf("  %12llu  %s\n", (unsigned long long)e.size, child);
        }
    }
    return MS_FAILED(ms_dir_release(dir)) ? 1 : 0;
}

/* An image holding the session at `start` (the newest on overwritable
 * media, which keep one volume). */
static int show_files(ms_recorder rec, int32_t start, int newest_only) {
    ms_image image = {0};
    ms_list list = {0};
    ms_multisession object = {0};
    uint32_t fs = 0;
    ms_hresult hr;
    if (MS_FAILED(hr = ms_image_new(&image))) return failed("ms_image_new", hr);
    if (MS_FAILED(hr = ms_recorder_multisession_interfaces(rec, &list))) return failed("interfaces", hr);
    if (MS_FAILED(hr = ms_list_get(list, 0, &object))) return failed("ms_list_get", hr);
    if (MS_FAILED(hr = ms_set_interfaces(image, &object, 1))) return failed("ms_set_interfaces", hr);
    hr = newest_only ? ms_image_import(image, 0, &fs) : ms_image_import_session(image, (uint32_t)start, 0, &fs);
    if (MS_FAILED(hr)) return failed("import", hr);
    int bad = list_tree(image, "/");
    (void)ms_multisession_release(object);
    (void)ms_list_release(list);
    (void)ms_image_release(image);
    return bad;
}

int main(int argc, char **argv) {
    ms_recorder rec = {0};
    ms_session_info *sessions = NULL;
    ms_media_info media;
    size_t count = 0;
    ms_hresult hr;
    if (argc != 2) {
        fprintf(stderr, "usage: sessions DEVICE\n");
        return 2;
    }
    if (MS_FAILED(hr = ms_recorder_open(argv[1], &rec))) return failed("ms_recorder_open", hr);
    if (MS_FAILED(hr = ms_recorder_media_info(rec, &media))) return failed("ms_recorder_media_info", hr);
    hr = ms_recorder_sessions(rec, NULL, 0, &count);
    if (hr != MS_E_NOT_SUFFICIENT_BUFFER && MS_FAILED(hr)) return failed("ms_recorder_sessions", hr);
    if (count > 0) {
        sessions = calloc(count, sizeof *sessions);
        if (!sessions) return 1;
        if (MS_FAILED(hr = ms_recorder_sessions(rec, sessions, count, &count)))
            return failed("ms_recorder_sessions", hr);
    }
    int overwritable = (media.media_state & MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_OVERWRITE_ONLY) != 0;
    int bad = 0;
    for (size_t i = 0; i < count; i++) {
        const ms_session_info *s = &sessions[i];
        char date[32] = "-";
        if (s->has_created) {
            time_t t = (time_t)s->created;
            strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", gmtime(&t));
        }
        printf("session %u: LBA %d, %d blocks, file systems 0x%x, volume \"%s\", created %s%s\n", s->number,
               s->start, s->blocks, s->file_systems, s->volume_name, date, s->complete ? "" : " (open)");
        if (s->complete && s->file_systems != 0) bad |= show_files(rec, s->start, overwritable);
    }
    free(sessions);
    (void)ms_recorder_release(rec);
    return bad;
}
