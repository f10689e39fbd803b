// The C++ wrapper include/multisession.hpp as a program uses it: move-only
// owners releasing in their destructors, ms::error carrying the failing
// call's ms_hresult and ms_last_error_message, iterators over multisession
// lists and directories, std::string in and out. With it, on emulated CD-R
// and DVD+RW discs: the msinfo flow on the blank disc and after a first
// session, then an append (import, a file from a std::string, create the
// result, write with a progress callback, re-import, list and read back).
//
// Builds as C++11 and C++17 with -Wall -Wextra -Wpedantic -Wold-style-cast
// -Wconversion -Werror (g++ and clang++).
// Usage: raii DIR. Ends with "N passed, N failed".
#include <multisession.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

int passed = 0;
int failed = 0;

void expect(bool ok, const char *what, int line) {
    if (ok) {
        passed++;
    } else {
        failed++;
        std::fprintf(stderr, "raii.cpp:%d: expected %s\n", line, what);
    }
}

#define EXPECT(cond) expect((cond), #cond, __LINE__)

const uint16_t PROFILE_CD_R = 0x0009;
const uint16_t PROFILE_DVD_PLUS_RW = 0x001A;
const uint32_t STATE_BLANK = 0x0002;

bool is_overwritable(uint16_t profile) { return profile == PROFILE_DVD_PLUS_RW; }

// Whether the emulated disc (a plain image: block n at byte n * 2048)
// holds `needle` in blocks [start, start + count).
bool disc_holds(const std::string &disc, int32_t start, int32_t count, const std::string &needle) {
    std::ifstream file(disc.c_str(), std::ios::binary);
    std::vector<char> blocks(static_cast<std::size_t>(count) * 2048);
    file.seekg(static_cast<std::streamoff>(start) * 2048);
    file.read(blocks.data(), static_cast<std::streamsize>(blocks.size()));
    if (file.gcount() != static_cast<std::streamsize>(blocks.size())) return false;
    return std::search(blocks.begin(), blocks.end(), needle.begin(), needle.end()) != blocks.end();
}

// The msinfo properties of the disc's one object, against the drive's
// media information; returns the image's SessionStartBlock after the put.
int32_t check_msinfo(const ms::recorder &recorder, bool expect_blank) {
    ms_media_info info = recorder.media_info();
    EXPECT(((info.media_state & STATE_BLANK) != 0) == expect_blank);
    ms::multisession_list objects = recorder.multisession_interfaces();
    EXPECT(objects.size() == 1);
    if (objects.empty()) return -1;
    const ms::multisession object = objects[0];
    EXPECT(object.is_supported_on_current_media_state());

    ms::image image;
    if (is_overwritable(info.profile)) {
        EXPECT(object.kind() == MS_MULTISESSION_RANDOM_WRITE);
        EXPECT(object.random_write_unit_size() == info.write_unit_size);
        EXPECT(object.random_last_written_address() == info.last_recorded_address);
        EXPECT(object.random_total_sectors_on_media() == info.total_sectors_on_media);
        image.set_interfaces(objects);
        // An overwritable disc's next session goes after the volume the
        // import finds.
        if (!expect_blank) EXPECT(image.import() == MS_FS_JOLIET);
    } else {
        EXPECT(object.kind() == MS_MULTISESSION_SEQUENTIAL);
        EXPECT(object.is_first_data_session() == expect_blank);
        EXPECT(object.free_sectors_on_media() == info.free_sectors_on_media);
        if (expect_blank) {
            EXPECT(object.start_address_of_previous_session() == -1 && object.last_written_address_of_previous_session() == -1);
            EXPECT(object.next_writable_address() == 0);
            // Nothing to import from: the exception carries the status and why.
            bool thrown = false;
            try {
                image.set_interfaces(objects);
            } catch (const ms::error &e) {
                thrown = true;
                EXPECT(e.hresult() == MS_IMAPI_E_IMPORT_SEEK_FAILURE);
                EXPECT(e.message().find("ms_set_interfaces") != std::string::npos);
                EXPECT(std::string(e.what()).find(ms::hex(e.hresult())) != std::string::npos);
            }
            EXPECT(thrown);
            return 0;
        }
        int32_t start = object.start_address_of_previous_session();
        int32_t last = object.last_written_address_of_previous_session();
        int32_t next = object.next_writable_address();
        EXPECT(start == info.start_address_of_previous_session && start >= 0);
        EXPECT(last == info.last_written_address_of_previous_session && last >= start);
        EXPECT(next == info.next_writable_address && next > last);
        image.set_interfaces(objects);
        EXPECT(image.session_start_block() == next);
    }
    EXPECT(image.free_media_blocks() > 0);
    return image.session_start_block();
}

// The file system IMAPI2's order imports from what the disc's newest
// session holds: UDF where its first session got the disc's defaults
// (write-once media), Joliet where it kept the image's own.
uint32_t preferred_import(const ms::image &image, const ms::recorder &recorder) {
    return ms::image::default_file_system_for_import(image.identify_file_systems(recorder));
}

// Writes one session holding `files` (path → contents) on top of what the
// disc has; returns where it went.
int32_t write_session(const std::string &disc, const std::string &volume,
                      const std::vector<std::pair<std::string, std::string> > &files, bool first) {
    ms::recorder recorder(disc);
    ms::image image;
    if (first && !is_overwritable(recorder.media_info().profile)) {
        image.choose_defaults(recorder);
    } else {
        image.set_interfaces(recorder.multisession_interfaces());
        if (first) {
            bool empty = false;
            try {
                image.import();
            } catch (const ms::error &e) {
                empty = e.hresult() == MS_IMAPI_E_EMPTY_DISC;
            }
            EXPECT(empty);
        } else {
            EXPECT(image.import() == preferred_import(image, recorder));
        }
    }
    image.set_volume_name(volume);
    if (first) image.mkdir("/docs");
    for (std::size_t i = 0; i < files.size(); i++) image.add(files[i].first, files[i].second);
    ms::result result = image.create_result();
    int32_t start = result.start_block();
    int32_t total = result.total_blocks();
    EXPECT(start == image.session_start_block() && total > 0);
    // Keeps the disc appendable; the callback sees the session's blocks.
    ms_write_options options = ms::default_write_options();
    options.disable_consumer_dvd_compatibility_mode = true;
    options.progress_interval_ms = 0;
    int32_t seen = 0;
    recorder.write(result, options, [&seen, total](const ms_progress &progress) {
        if (progress.sector_count == total) seen = std::max(seen, progress.sectors_done);
        return true;
    });
    EXPECT(seen == total);
    for (std::size_t i = 0; i < files.size(); i++) {
        EXPECT(disc_holds(disc, start, total, files[i].second));
    }
    return start;
}

void check_file(const ms::image &image, const std::string &path, std::size_t size) {
    ms_item_info info = image.stat(path);
    EXPECT(info.kind == MS_ITEM_FILE && info.size == size && info.on_medium);
}

void browse(const std::string &disc, const std::string &appended);

void flow_on(const std::string &dir, uint16_t profile, const char *name) {
    const std::string disc = dir + "/" + name + ".img";
    ms::create_emulated_disc(disc, profile);
    std::printf("-- %s\n", name);

    {
        ms::recorder recorder(disc);
        EXPECT(check_msinfo(recorder, true) == 0);
    }

    const std::string first_text = std::string("first session on ") + name + "\n";
    std::vector<std::pair<std::string, std::string> > first;
    first.push_back(std::make_pair(std::string("/docs/first.txt"), first_text));
    EXPECT(write_session(disc, "FIRST", first, true) == 0);

    int32_t next = -1;
    {
        ms::recorder recorder(disc);
        next = check_msinfo(recorder, false);
        EXPECT(next > 0);
    }

    // The append: the appended file is a std::string of many blocks.
    std::string appended;
    for (int i = 0; appended.size() < 50000; i++) {
        appended += "appended by raii.cpp, line " + std::to_string(i) + "\n";
    }
    std::vector<std::pair<std::string, std::string> > second;
    second.push_back(std::make_pair(std::string("/docs/appended.txt"), appended));
    EXPECT(write_session(disc, "SECOND", second, false) == next);

    ms::recorder recorder(disc);
    check_msinfo(recorder, false);
    ms::image image;
    image.set_interfaces(recorder.multisession_interfaces());
    EXPECT(image.import() == preferred_import(image, recorder));
    EXPECT(image.imported_volume_name() == "SECOND");
    check_file(image, "/docs/first.txt", first_text.size());
    check_file(image, "/docs/appended.txt", appended.size());
    bool missing = false;
    try {
        image.stat("/docs/never-written.txt");
    } catch (const ms::error &e) {
        missing = e.hresult() == MS_IMAPI_E_ITEM_NOT_FOUND && !e.message().empty();
    }
    EXPECT(missing);
    browse(disc, appended);
}

// Owners move, release exactly once, and an emptied one releases nothing.
void ownership() {
    ms_image raw = ms_image();
    {
        ms::image a;
        raw = a.get();
        EXPECT(raw.id != 0);
        ms::image b(std::move(a));
        EXPECT(a.get().id == 0 && b.get().id == raw.id);
        ms::image c;
        ms_image replaced = c.get();
        c = std::move(b);
        EXPECT(b.get().id == 0 && c.get().id == raw.id);
        // The image c held before the move was released by the assignment.
        EXPECT(ms_image_release(replaced) == MS_E_HANDLE);
        c.set_volume_name("MOVED");
        EXPECT(c.volume_name() == "MOVED");
        EXPECT(c.create_redundant_udf_metadata_files());
        c.set_create_redundant_udf_metadata_files(false);
        EXPECT(!c.create_redundant_udf_metadata_files());
    }
    // Released once, when its last owner went: the raw copy is now stale.
    EXPECT(ms_image_release(raw) == MS_E_HANDLE);
}

// A callback's exception cancels the write and reaches the caller as
// itself, not as a status code; the recorder stays usable.
void progress_exception_cancels(const std::string &dir) {
    const std::string disc = dir + "/cancelled.img";
    ms::create_emulated_disc(disc, PROFILE_CD_R);
    ms::recorder recorder(disc);
    ms::image image;
    image.choose_defaults(recorder);
    image.add("/big.bin", std::string(4 << 20, 'x'));
    ms::result result = image.create_result();
    ms_write_options options = ms::default_write_options();
    options.progress_interval_ms = 0;
    bool caught = false;
    try {
        recorder.write(result, options, [](const ms_progress &progress) -> bool {
            if (progress.sectors_done > 0) throw std::runtime_error("stop here");
            return true;
        });
    } catch (const std::runtime_error &e) {
        caught = std::string(e.what()) == "stop here";
    }
    EXPECT(caught);
    EXPECT(recorder.media_info().profile == PROFILE_CD_R);
}

// The newest session seen through the iterators and as text: the
// directory's entries in order, a file's bytes through ms::file.
void browse(const std::string &disc, const std::string &appended) {
    ms::recorder recorder(disc);
    std::size_t objects = 0;
    for (const ms::multisession &object : recorder.multisession_interfaces()) {
        EXPECT(object.is_supported_on_current_media_state());
        objects++;
    }
    EXPECT(objects == 1);
    ms::image image;
    image.set_interfaces(recorder.multisession_interfaces());
    image.import();
    std::vector<std::string> names;
    ms::dir docs = image.open_dir("/docs");
    for (ms::dir::const_iterator it = docs.begin(); it != docs.end(); ++it) {
        names.push_back((*it).name);
        EXPECT((*it).info.kind == MS_ITEM_FILE);
    }
    EXPECT(names.size() == 2 && names[0] == "appended.txt" && names[1] == "first.txt");
    ms::file file = image.open_file("/docs/appended.txt");
    EXPECT(file.size() == appended.size());
    EXPECT(file.read_at(6, 3) == appended.substr(6, 3));
    EXPECT(file.read_all() == appended);
    EXPECT(file.read(10).empty());
    bool not_a_dir = false;
    try {
        image.open_dir("/docs/first.txt");
    } catch (const ms::error &e) {
        not_a_dir = MS_FAILED(e.hresult()) && e.message().find("ms_image_open_dir") != std::string::npos;
    }
    EXPECT(not_a_dir);
    EXPECT(ms::describe(MS_E_HANDLE).size() > 0);
}

template <typename F>
void run(const char *name, F body) {
    try {
        body();
    } catch (const ms::error &e) {
        failed++;
        std::fprintf(stderr, "%s: %s\n", name, e.what());
    } catch (const std::exception &e) {
        failed++;
        std::fprintf(stderr, "%s: %s\n", name, e.what());
    }
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    EXPECT(ms_abi_version() == ((static_cast<uint32_t>(MS_ABI_VERSION_MAJOR) << 16) | MS_ABI_VERSION_MINOR));
    EXPECT(ms::abi_compatible() && !ms::version().empty());
    run("ownership", ownership);
    run("progress exception", [&dir]() { progress_exception_cancels(dir); });
    run("cd-r", [&dir]() { flow_on(dir, PROFILE_CD_R, "cd-r"); });
    run("dvd+rw", [&dir]() { flow_on(dir, PROFILE_DVD_PLUS_RW, "dvd+rw"); });
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
