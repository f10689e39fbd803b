/* Progress callbacks of import, build, erase and format: counts only grow,
 * the totals are those of a known tree, the last event of each file or
 * operation is complete, and a cancel from the callback returns
 * MS_E_IMAPI_REQUEST_CANCELLED and leaves the image and the disc usable.
 *
 * Usage: progress DIR CD-RW  (CD-RW: an appendable CD-RW whose drive stays
 * busy for a few polls after an Immed BLANK) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define MIB_SECTORS 512

/* ---- import ------------------------------------------------------------ */

typedef struct {
    int events;
    int cancel_at; /* answer MS_CANCEL at this event (0: never) */
    int monotonic;
    int32_t dirs, files, total_dirs, total_files;
    uint32_t file_system;
    char last_item[256];
} import_log;

static uint32_t on_import(void *context, const ms_import_progress *p) {
    import_log *log = context;
    log->events++;
    if (p->imported_directory_items < log->dirs || p->imported_file_items < log->files ||
        p->imported_directory_items + p->imported_file_items != log->events ||
        p->imported_directory_items > p->total_directory_items ||
        p->imported_file_items > p->total_file_items) {
        log->monotonic = 0;
    }
    log->dirs = p->imported_directory_items;
    log->files = p->imported_file_items;
    log->total_dirs = p->total_directory_items;
    log->total_files = p->total_file_items;
    log->file_system = p->file_system;
    snprintf(log->last_item, sizeof log->last_item, "%s", p->current_item);
    return log->events == log->cancel_at ? MS_CANCEL : MS_CONTINUE;
}

static ms_hresult zeros_read(void *context, uint8_t *buf, size_t len, size_t *read) {
    size_t *left = context;
    size_t n = *left < len ? *left : len;
    memset(buf, 0, n);
    *left -= n;
    *read = n;
    return MS_S_OK;
}

static ms_recorder new_disc(const char *dir, const char *name, uint16_t profile) {
    char disc[512];
    ms_recorder rec = {0};
    snprintf(disc, sizeof disc, "%s/%s.img", dir, name);
    CHECK_OK(ms_emulator_create(disc, profile, 0));
    CHECK_OK(ms_recorder_open(disc, &rec));
    return rec;
}

/* A new image ready for the next session on `rec`. */
static ms_image next_session(ms_recorder rec) {
    ms_image image = {0};
    ms_preparation done;
    image = check_next_image(rec, &done);
    return image;
}

static void write_image(ms_recorder rec, ms_image image) {
    ms_result result = {0};
    CHECK_OK(ms_image_create_result(image, &result));
    CHECK_OK(ms_write(rec, result, NULL, NULL, NULL));
    CHECK_OK(ms_result_release(result));
}

/* A first session of 3 directories and 4 files, then an import of it with
 * the callback: once cancelled, once to the end. */
static void import_reports_every_item_of_a_known_tree(const char *dir) {
    ms_recorder rec = new_disc(dir, "import", MS_PROFILE_CD_R);
    ms_image image = next_session(rec);
    ms_preparation done;
    size_t left[4] = {10, 20, 30, 40};
    CHECK_OK(ms_image_mkdir(image, "/a/b", true));
    CHECK_OK(ms_image_mkdir(image, "/c", false));
    CHECK_OK(ms_image_add_stream(image, "/top.txt", 10, zeros_read, NULL, &left[0], false));
    CHECK_OK(ms_image_add_stream(image, "/a/one", 20, zeros_read, NULL, &left[1], false));
    CHECK_OK(ms_image_add_stream(image, "/a/b/two", 30, zeros_read, NULL, &left[2], false));
    CHECK_OK(ms_image_add_stream(image, "/c/three", 40, zeros_read, NULL, &left[3], false));
    write_image(rec, image);
    CHECK_OK(ms_image_release(image));

    /* Cancelled at the third item: the image has imported nothing. */
    import_log log;
    memset(&log, 0, sizeof log);
    log.monotonic = 1;
    log.cancel_at = 3;
    CHECK_OK(ms_image_new(&image));
    CHECK_OK(ms_image_set_import_progress(image, on_import, &log));
    CHECK_HR(ms_image_prepare_for(image, rec, &done), MS_E_IMAPI_REQUEST_CANCELLED);
    CHECK(log.events == 3);
    ms_item_info info;
    CHECK_HR(ms_image_stat(image, "/top.txt", &info), MS_IMAPI_E_ITEM_NOT_FOUND);

    /* The same image imports again, to the end, with the right totals. */
    memset(&log, 0, sizeof log);
    log.monotonic = 1;
    CHECK_OK(ms_image_prepare_for(image, rec, &done));
    CHECK(log.monotonic);
    CHECK(log.events == 7);
    CHECK(log.total_dirs == 3 && log.total_files == 4);
    CHECK(log.dirs == 3 && log.files == 4);
    CHECK(log.file_system == MS_FS_ISO9660 || log.file_system == MS_FS_JOLIET || log.file_system == MS_FS_UDF);
    CHECK(log.last_item[0] == '/');
    CHECK_OK(ms_image_stat(image, "/a/b/two", &info));

    /* Removed: no more events. */
    CHECK_OK(ms_image_set_import_progress(image, NULL, NULL));
    CHECK_OK(ms_image_release(image));
    memset(&log, 0, sizeof log);
    CHECK_OK(ms_image_new(&image));
    CHECK_OK(ms_image_set_import_progress(image, on_import, &log));
    CHECK_OK(ms_image_set_import_progress(image, NULL, NULL));
    CHECK_OK(ms_image_prepare_for(image, rec, &done));
    CHECK(log.events == 0);
    CHECK_OK(ms_image_release(image));
    CHECK_OK(ms_recorder_release(rec));
}

/* ---- build ------------------------------------------------------------- */

typedef struct {
    int events;
    int32_t cancel_from; /* answer MS_CANCEL once this many sectors are copied (0: never) */
    int monotonic;
    int32_t copied[16];
    int32_t total;
    char file[256];
} build_log;

static uint32_t on_build(void *context, const ms_build_progress *p) {
    build_log *log = context;
    if (strcmp(p->current_file, "/big.bin") == 0) {
        if (log->events > 0 && p->copied_sectors < log->copied[log->events - 1]) log->monotonic = 0;
        if (log->events < 16) log->copied[log->events] = p->copied_sectors;
        log->events++;
        log->total = p->total_sectors;
        snprintf(log->file, sizeof log->file, "%s", p->current_file);
    }
    return log->cancel_from != 0 && p->copied_sectors >= log->cancel_from ? MS_CANCEL : MS_CONTINUE;
}

static void build_reports_each_mib_and_a_cancel_keeps_the_disc(const char *dir) {
    char local[512];
    ms_image image = {0};
    ms_result result = {0};
    ms_item_info info;
    snprintf(local, sizeof local, "%s/big.bin", dir);
    FILE *f = fopen(local, "wb");
    CHECK(f != NULL);
    if (f == NULL) return;
    /* 3.5 MiB: events at 0, 1, 2 and 3 MiB and at the end. */
    char *chunk = calloc(1, 512 * 1024);
    for (int i = 0; i < 7; i++) fwrite(chunk, 1, 512 * 1024, f);
    free(chunk);
    fclose(f);

    ms_recorder rec = new_disc(dir, "build", MS_PROFILE_DVD_PLUS_RW);
    /* A first session the cancelled one must not disturb. */
    image = next_session(rec);
    CHECK_OK(ms_image_mkdir(image, "/kept", false));
    write_image(rec, image);
    CHECK_OK(ms_image_release(image));

    build_log log;
    memset(&log, 0, sizeof log);
    log.monotonic = 1;
    log.cancel_from = 2 * MIB_SECTORS;
    image = next_session(rec);
    CHECK_OK(ms_image_add_file(image, "/big.bin", local, false));
    CHECK_OK(ms_image_set_build_progress(image, on_build, &log));
    CHECK_OK(ms_image_create_result(image, &result));
    CHECK_HR(ms_write(rec, result, NULL, NULL, NULL), MS_E_IMAPI_REQUEST_CANCELLED);
    CHECK_OK(ms_result_release(result));
    CHECK(log.events == 3 && log.copied[0] == 0 && log.copied[1] == MIB_SECTORS &&
          log.copied[2] == 2 * MIB_SECTORS);
    CHECK(log.total == 1792);

    /* The disc still shows the first session only. */
    ms_image check = next_session(rec);
    CHECK_OK(ms_image_stat(check, "/kept", &info));
    CHECK_HR(ms_image_stat(check, "/big.bin", &info), MS_IMAPI_E_ITEM_NOT_FOUND);
    CHECK_OK(ms_image_release(check));

    /* The image makes a new result that is written whole. */
    memset(&log, 0, sizeof log);
    log.monotonic = 1;
    CHECK_OK(ms_image_create_result(image, &result));
    CHECK_OK(ms_write(rec, result, NULL, NULL, NULL));
    CHECK_OK(ms_result_release(result));
    CHECK(log.monotonic);
    CHECK(log.events == 5);
    CHECK(log.copied[0] == 0 && log.copied[3] == 3 * MIB_SECTORS && log.copied[4] == 1792);
    CHECK(strcmp(log.file, "/big.bin") == 0);
    CHECK_OK(ms_image_release(image));

    check = next_session(rec);
    CHECK_OK(ms_image_stat(check, "/kept", &info));
    CHECK_OK(ms_image_stat(check, "/big.bin", &info));
    CHECK_OK(ms_image_release(check));
    CHECK_OK(ms_recorder_release(rec));
}

/* ---- erase and format -------------------------------------------------- */

typedef struct {
    int events;
    int cancel_first;
    int monotonic;
    double elapsed, expected;
    int expected_covers_elapsed;
} erase_log;

static uint32_t on_erase(void *context, const ms_erase_progress *p) {
    erase_log *log = context;
    if (p->elapsed_seconds < log->elapsed) log->monotonic = 0;
    if (p->estimated_total_seconds < p->elapsed_seconds) log->expected_covers_elapsed = 0;
    log->elapsed = p->elapsed_seconds;
    log->expected = p->estimated_total_seconds;
    log->events++;
    return log->cancel_first && log->events == 1 ? MS_CANCEL : MS_CONTINUE;
}

static size_t session_count(ms_recorder rec) {
    ms_session_info sessions[4];
    size_t count = 0;
    CHECK_OK(ms_recorder_sessions(rec, sessions, 4, &count));
    return count;
}

static void erase_reports_the_drives_busy_polls(const char *cd_rw) {
    ms_recorder rec = {0};
    erase_log log;
    CHECK_OK(ms_recorder_open(cd_rw, &rec));
    size_t before = session_count(rec);
    CHECK(before > 0);

    /* Cancelled at the first event: nothing was sent, nothing erased. */
    memset(&log, 0, sizeof log);
    log.cancel_first = 1;
    CHECK_HR(ms_erase_with_progress(rec, false, on_erase, &log), MS_E_IMAPI_REQUEST_CANCELLED);
    CHECK(log.events == 1 && log.elapsed == 0.0 && log.expected > 0.0);
    CHECK(session_count(rec) == before);

    /* To the end: the start, one event per busy poll (the drive stays
     * busy for 3), the end with elapsed == expected. */
    memset(&log, 0, sizeof log);
    log.monotonic = 1;
    log.expected_covers_elapsed = 1;
    CHECK_OK(ms_erase_with_progress(rec, false, on_erase, &log));
    CHECK(log.events == 5);
    CHECK(log.monotonic && log.expected_covers_elapsed);
    CHECK(log.elapsed > 0.0 && log.expected == log.elapsed);
    CHECK(session_count(rec) == 0);

    /* The blank disc takes a session. */
    ms_image image = next_session(rec);
    CHECK_OK(ms_image_mkdir(image, "/after-erase", false));
    write_image(rec, image);
    CHECK_OK(ms_image_release(image));
    CHECK(session_count(rec) == 1);
    CHECK_OK(ms_recorder_release(rec));
}

static void format_reports_start_and_end_and_cancels_before_the_drive(const char *dir) {
    ms_recorder rec = new_disc(dir, "bd-re", MS_PROFILE_BD_RE);
    erase_log log;

    memset(&log, 0, sizeof log);
    log.cancel_first = 1;
    CHECK_HR(ms_format_with_progress(rec, on_erase, &log), MS_E_IMAPI_REQUEST_CANCELLED);
    CHECK(log.events == 1);

    memset(&log, 0, sizeof log);
    log.monotonic = 1;
    log.expected_covers_elapsed = 1;
    CHECK_OK(ms_format_with_progress(rec, on_erase, &log));
    CHECK(log.events >= 2 && log.monotonic && log.expected_covers_elapsed);
    CHECK(log.expected == log.elapsed);
    /* NULL callback: the plain operation. */
    CHECK_OK(ms_format_with_progress(rec, NULL, NULL));
    CHECK_HR(ms_format_with_progress((ms_recorder){0}, NULL, NULL), MS_E_HANDLE);
    CHECK_HR(ms_erase_with_progress((ms_recorder){0}, false, NULL, NULL), MS_E_HANDLE);
    CHECK_HR(ms_image_set_import_progress((ms_image){0}, NULL, NULL), MS_E_HANDLE);
    CHECK_HR(ms_image_set_build_progress((ms_image){0}, NULL, NULL), MS_E_HANDLE);
    CHECK_OK(ms_recorder_release(rec));
}

int main(int argc, char **argv) {
    check_args(argc, argv, 2, 2, "DIR CD-RW");
    import_reports_every_item_of_a_known_tree(argv[1]);
    build_reports_each_mib_and_a_cancel_keeps_the_disc(argv[1]);
    erase_reports_the_drives_busy_polls(argv[2]);
    format_reports_start_and_end_and_cancels_before_the_drive(argv[1]);
    return check_summary();
}
