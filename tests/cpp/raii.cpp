// The C API from C++ the way a C++ program would wrap it: one move-only
// owner per handle type releasing in its destructor, and an exception that
// carries the failing call's ms_hresult and ms_last_error_message. With
// them, on emulated CD-R and DVD+RW discs: the msinfo flow on the blank disc
// and after a first session, then an append (import, a file from a
// std::string through ms_image_add_stream, create the result, ms_write,
// re-import and check).
//
// Builds as C++11 and C++17 with -Wall -Wextra -Werror -pedantic.
// Usage: raii DIR. Ends with "N passed, N failed".
#include <multisession.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ms {

// Releases that failed in a destructor, where nothing can be thrown.
int release_failures = 0;

// The calling thread's ms_last_error_message, whatever its length.
std::string last_error_message() {
    std::size_t needed = 0;
    ms_hresult hr = ms_last_error_message(nullptr, 0, &needed);
    if (hr != MS_E_NOT_SUFFICIENT_BUFFER || needed == 0) return std::string();
    std::vector<char> buf(needed);
    if (MS_FAILED(ms_last_error_message(buf.data(), buf.size(), &needed))) return std::string();
    return std::string(buf.data());
}

std::string hex(ms_hresult hr) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08lX", static_cast<unsigned long>(static_cast<uint32_t>(hr)));
    return text;
}

// A failed call: which one, its status, and the library's detail.
class Error : public std::runtime_error {
public:
    Error(const char *call, ms_hresult hr, const std::string &detail)
        : std::runtime_error(std::string(call) + " -> " + hex(hr) + ": " + detail),
          hresult_(hr),
          detail_(detail) {}
    ms_hresult hresult() const noexcept { return hresult_; }
    const std::string &detail() const noexcept { return detail_; }

private:
    ms_hresult hresult_;
    std::string detail_;
};

// Throws ms::Error for a failed status; returns successes (S_FALSE too).
ms_hresult check(const char *call, ms_hresult hr) {
    if (MS_FAILED(hr)) throw Error(call, hr, last_error_message());
    return hr;
}

#define MS_CHECK(call) ::ms::check(#call, (call))

// Sole owner of one handle: move-only, released when it goes away. The
// zero handle is the empty state (the library never hands it out).
template <typename Raw, ms_hresult (*Release)(Raw)>
class Unique {
public:
    Unique() noexcept : raw_() {}
    Unique(Unique &&other) noexcept : raw_(other.take()) {}
    Unique &operator=(Unique &&other) noexcept {
        if (this != &other) {
            reset();
            raw_ = other.take();
        }
        return *this;
    }
    Unique(const Unique &) = delete;
    Unique &operator=(const Unique &) = delete;
    ~Unique() { reset(); }

    Raw get() const noexcept { return raw_; }
    // For an out-parameter: drops what is held and hands out the slot.
    Raw *out() noexcept {
        reset();
        return &raw_;
    }
    explicit operator bool() const noexcept { return raw_.id != 0; }
    void reset() noexcept {
        if (raw_.id != 0 && MS_FAILED(Release(raw_))) release_failures++;
        raw_ = Raw();
    }

private:
    Raw take() noexcept {
        Raw raw = raw_;
        raw_ = Raw();
        return raw;
    }
    Raw raw_;
};

typedef Unique<ms_recorder, ms_recorder_release> RecorderHandle;
typedef Unique<ms_list, ms_list_release> ListHandle;
typedef Unique<ms_multisession, ms_multisession_release> MultisessionHandle;
typedef Unique<ms_image, ms_image_release> ImageHandle;
typedef Unique<ms_result, ms_result_release> ResultHandle;

// IMultisessionSequential / IMultisessionRandomWrite properties.
class Multisession {
public:
    explicit Multisession(MultisessionHandle handle) : handle_(std::move(handle)) {}
    ms_multisession get() const noexcept { return handle_.get(); }
    uint32_t kind() const {
        uint32_t kind = 0;
        MS_CHECK(ms_multisession_kind(get(), &kind));
        return kind;
    }
    bool supported() const {
        bool value = false;
        MS_CHECK(ms_is_supported_on_current_media_state(get(), &value));
        return value;
    }
    bool is_first_data_session() const {
        bool value = false;
        MS_CHECK(ms_sequential_is_first_data_session(get(), &value));
        return value;
    }
    int32_t start_of_previous() const {
        return property(ms_sequential_start_address_of_previous_session, "StartAddressOfPreviousSession");
    }
    int32_t last_written_of_previous() const {
        return property(ms_sequential_last_written_address_of_previous_session,
                        "LastWrittenAddressOfPreviousSession");
    }
    int32_t next_writable() const {
        return property(ms_sequential_next_writable_address, "NextWritableAddress");
    }
    int32_t free_sectors() const {
        return property(ms_sequential_free_sectors_on_media, "FreeSectorsOnMedia");
    }
    int32_t random_write_unit() const {
        return property(ms_random_write_write_unit_size, "WriteUnitSize");
    }
    int32_t random_last_written() const {
        return property(ms_random_write_last_written_address, "LastWrittenAddress");
    }
    int32_t random_total_sectors() const {
        return property(ms_random_write_total_sectors_on_media, "TotalSectorsOnMedia");
    }

private:
    int32_t property(ms_hresult (*getter)(ms_multisession, int32_t *), const char *name) const {
        int32_t value = 0;
        check(name, getter(get(), &value));
        return value;
    }
    MultisessionHandle handle_;
};

class Recorder {
public:
    explicit Recorder(const std::string &path) { MS_CHECK(ms_recorder_open(path.c_str(), handle_.out())); }
    ms_recorder get() const noexcept { return handle_.get(); }
    ms_media_info media_info() const {
        ms_media_info info;
        std::memset(&info, 0, sizeof info);
        MS_CHECK(ms_recorder_media_info(get(), &info));
        return info;
    }
    std::vector<Multisession> multisession_interfaces() const {
        ListHandle list;
        MS_CHECK(ms_recorder_multisession_interfaces(get(), list.out()));
        std::size_t count = 0;
        MS_CHECK(ms_list_count(list.get(), &count));
        std::vector<Multisession> objects;
        for (std::size_t i = 0; i < count; i++) {
            MultisessionHandle object;
            MS_CHECK(ms_list_get(list.get(), i, object.out()));
            objects.push_back(Multisession(std::move(object)));
        }
        return objects;
    }

private:
    RecorderHandle handle_;
};

// A file's data held by the library until it has read it once.
struct StringSource {
    std::string data;
    std::size_t position;
};

extern "C" {
static ms_hresult string_source_read(void *context, uint8_t *buf, std::size_t len, std::size_t *read) {
    StringSource *source = static_cast<StringSource *>(context);
    std::size_t n = source->data.size() - source->position;
    if (n > len) n = len;
    std::memcpy(buf, source->data.data() + source->position, n);
    source->position += n;
    *read = n;
    return MS_S_OK;
}

static void string_source_release(void *context) {
    delete static_cast<StringSource *>(context);
}
}

class Result {
public:
    Result() = default;
    ms_result *out() noexcept { return handle_.out(); }
    ms_result get() const noexcept { return handle_.get(); }
    int32_t start_block() const {
        int32_t value = 0;
        MS_CHECK(ms_result_start_block(get(), &value));
        return value;
    }
    int32_t total_blocks() const {
        int32_t value = 0;
        MS_CHECK(ms_result_total_blocks(get(), &value));
        return value;
    }

private:
    ResultHandle handle_;
};

class Image {
public:
    Image() { MS_CHECK(ms_image_new(handle_.out())); }
    ms_image get() const noexcept { return handle_.get(); }

    void set_interfaces(const std::vector<Multisession> &objects) {
        std::vector<ms_multisession> raw;
        for (std::size_t i = 0; i < objects.size(); i++) raw.push_back(objects[i].get());
        MS_CHECK(ms_set_interfaces(get(), raw.data(), raw.size()));
    }
    uint32_t import_previous() {
        uint32_t file_system = 0;
        MS_CHECK(ms_image_import(get(), 0, &file_system));
        return file_system;
    }
    void choose_defaults(const Recorder &recorder) { MS_CHECK(ms_image_choose_defaults(get(), recorder.get())); }
    void mkdir(const std::string &path) { MS_CHECK(ms_image_mkdir(get(), path.c_str(), true)); }
    void set_volume_name(const std::string &name) { MS_CHECK(ms_image_set_volume_name(get(), name.c_str())); }
    std::string imported_volume_name() const {
        char name[64];
        std::size_t needed = 0;
        MS_CHECK(ms_image_imported_volume_name(get(), name, sizeof name, &needed));
        return name;
    }
    int32_t session_start_block() const {
        int32_t value = 0;
        MS_CHECK(ms_image_session_start_block(get(), &value));
        return value;
    }
    int32_t free_media_blocks() const {
        int32_t value = 0;
        MS_CHECK(ms_image_free_media_blocks(get(), &value));
        return value;
    }
    // The library owns the source only once the call succeeded.
    void add(const std::string &path, std::string data) {
        std::unique_ptr<StringSource> source(new StringSource());
        source->data = std::move(data);
        source->position = 0;
        MS_CHECK(ms_image_add_stream(get(), path.c_str(), source->data.size(), string_source_read,
                                     string_source_release, source.get(), false));
        source.release();
    }
    ms_item_info stat(const std::string &path) const {
        ms_item_info info;
        std::memset(&info, 0, sizeof info);
        MS_CHECK(ms_image_stat(get(), path.c_str(), &info));
        return info;
    }
    Result create_result() const {
        Result result;
        MS_CHECK(ms_image_create_result(get(), result.out()));
        return result;
    }

private:
    ImageHandle handle_;
};

// Writes `result` as the next session, keeping the disc appendable.
void write(const Recorder &recorder, const Result &result) {
    ms_write_options options;
    MS_CHECK(ms_write_options_default(&options));
    options.disable_consumer_dvd_compatibility_mode = true;
    options.progress_interval_ms = 0;
    MS_CHECK(ms_write(recorder.get(), result.get(), &options, nullptr, nullptr));
}

} // namespace ms

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
int32_t check_msinfo(const ms::Recorder &recorder, bool expect_blank) {
    ms_media_info info = recorder.media_info();
    EXPECT(((info.media_state & STATE_BLANK) != 0) == expect_blank);
    std::vector<ms::Multisession> objects = recorder.multisession_interfaces();
    EXPECT(objects.size() == 1);
    if (objects.empty()) return -1;
    const ms::Multisession &object = objects[0];
    EXPECT(object.supported());

    ms::Image image;
    if (is_overwritable(info.profile)) {
        EXPECT(object.kind() == MS_MULTISESSION_RANDOM_WRITE);
        EXPECT(object.random_write_unit() == info.write_unit_size);
        EXPECT(object.random_last_written() == info.last_recorded_address);
        EXPECT(object.random_total_sectors() == info.total_sectors_on_media);
        image.set_interfaces(objects);
        // An overwritable disc's next session goes after the volume the
        // import finds.
        if (!expect_blank) EXPECT(image.import_previous() == MS_FS_JOLIET);
    } else {
        EXPECT(object.kind() == MS_MULTISESSION_SEQUENTIAL);
        EXPECT(object.is_first_data_session() == expect_blank);
        EXPECT(object.free_sectors() == info.free_sectors_on_media);
        if (expect_blank) {
            EXPECT(object.start_of_previous() == -1 && object.last_written_of_previous() == -1);
            EXPECT(object.next_writable() == 0);
            // Nothing to import from: the exception carries the status and why.
            bool thrown = false;
            try {
                image.set_interfaces(objects);
            } catch (const ms::Error &e) {
                thrown = true;
                EXPECT(e.hresult() == MS_IMAPI_E_IMPORT_SEEK_FAILURE);
                EXPECT(e.detail().find("ms_set_interfaces") != std::string::npos);
                EXPECT(std::string(e.what()).find(ms::hex(e.hresult())) != std::string::npos);
            }
            EXPECT(thrown);
            return 0;
        }
        int32_t start = object.start_of_previous();
        int32_t last = object.last_written_of_previous();
        int32_t next = object.next_writable();
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
uint32_t preferred_import(const ms::Image &image, const ms::Recorder &recorder) {
    ms_recorder raw = recorder.get();
    uint32_t found = 0, preferred = 0;
    MS_CHECK(ms_image_identify_file_systems(image.get(), &raw, &found));
    MS_CHECK(ms_image_default_file_system_for_import(found, &preferred));
    return preferred;
}

// Writes one session holding `files` (path → contents) on top of what the
// disc has; returns where it went.
int32_t write_session(const std::string &disc, const std::string &volume,
                      const std::vector<std::pair<std::string, std::string> > &files, bool first) {
    ms::Recorder recorder(disc);
    ms::Image image;
    if (first && !is_overwritable(recorder.media_info().profile)) {
        image.choose_defaults(recorder);
    } else {
        image.set_interfaces(recorder.multisession_interfaces());
        if (first) {
            bool empty = false;
            try {
                image.import_previous();
            } catch (const ms::Error &e) {
                empty = e.hresult() == MS_IMAPI_E_EMPTY_DISC;
            }
            EXPECT(empty);
        } else {
            EXPECT(image.import_previous() == preferred_import(image, recorder));
        }
    }
    image.set_volume_name(volume);
    if (first) image.mkdir("/docs");
    for (std::size_t i = 0; i < files.size(); i++) image.add(files[i].first, files[i].second);
    ms::Result result = image.create_result();
    int32_t start = result.start_block();
    int32_t total = result.total_blocks();
    EXPECT(start == image.session_start_block() && total > 0);
    ms::write(recorder, result);
    for (std::size_t i = 0; i < files.size(); i++) {
        EXPECT(disc_holds(disc, start, total, files[i].second));
    }
    return start;
}

void check_file(const ms::Image &image, const std::string &path, std::size_t size) {
    ms_item_info info = image.stat(path);
    EXPECT(info.kind == MS_ITEM_FILE && info.size == size && info.on_medium);
}

void flow_on(const std::string &dir, uint16_t profile, const char *name) {
    const std::string disc = dir + "/" + name + ".img";
    MS_CHECK(ms_emulator_create(disc.c_str(), profile, 0));
    std::printf("-- %s\n", name);

    {
        ms::Recorder recorder(disc);
        EXPECT(check_msinfo(recorder, true) == 0);
    }

    const std::string first_text = std::string("first session on ") + name + "\n";
    std::vector<std::pair<std::string, std::string> > first;
    first.push_back(std::make_pair(std::string("/docs/first.txt"), first_text));
    EXPECT(write_session(disc, "FIRST", first, true) == 0);

    int32_t next = -1;
    {
        ms::Recorder recorder(disc);
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

    ms::Recorder recorder(disc);
    check_msinfo(recorder, false);
    ms::Image image;
    image.set_interfaces(recorder.multisession_interfaces());
    EXPECT(image.import_previous() == preferred_import(image, recorder));
    EXPECT(image.imported_volume_name() == "SECOND");
    check_file(image, "/docs/first.txt", first_text.size());
    check_file(image, "/docs/appended.txt", appended.size());
    bool missing = false;
    try {
        image.stat("/docs/never-written.txt");
    } catch (const ms::Error &e) {
        missing = e.hresult() == MS_IMAPI_E_ITEM_NOT_FOUND && !e.detail().empty();
    }
    EXPECT(missing);
}

// Owners move, release exactly once, and an unused one releases nothing.
void ownership() {
    ms::ImageHandle a;
    EXPECT(!a);
    MS_CHECK(ms_image_new(a.out()));
    EXPECT(static_cast<bool>(a));
    ms_image raw = a.get();
    ms::ImageHandle b(std::move(a));
    EXPECT(!a && b.get().id == raw.id);
    ms::ImageHandle c;
    c = std::move(b);
    EXPECT(!b && c.get().id == raw.id);
    c.reset();
    EXPECT(!c);
    // Released once: the raw copy is now stale.
    EXPECT(ms_image_release(raw) == MS_E_HANDLE);
}

template <typename F>
void run(const char *name, F body) {
    try {
        body();
    } catch (const ms::Error &e) {
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
    run("ownership", ownership);
    run("cd-r", [&dir]() { flow_on(dir, PROFILE_CD_R, "cd-r"); });
    run("dvd+rw", [&dir]() { flow_on(dir, PROFILE_DVD_PLUS_RW, "dvd+rw"); });
    EXPECT(ms::release_failures == 0);
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
