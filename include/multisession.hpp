/* multisession C++ API: a header-only layer over multisession.h.
 *
 * Why a layer at all: the C API hands out handles that must each be released
 * once, reports failures as status codes with the detail in a thread-local
 * message, and passes text through caller-sized buffers. Here every handle
 * kind has a move-only owner that releases it in its destructor, a failure
 * throws ms::error carrying the ms_hresult and the library's message, lists
 * and directories are iterable, and text goes in and out as std::string.
 *
 * C++11 or later; clean under -Wall -Wextra -Wpedantic -Wold-style-cast
 * -Wconversion. Link with the C library as usual
 * (pkg-config --cflags --libs multisession). Thread rules are the C API's:
 * any object may be used from any thread (see docs/c-api.md).
 *
 * Only ms_set_log_callback has no wrapper: its callback is process-wide and
 * outlives any object that could own it; call it directly.
 */
#ifndef MULTISESSION_HPP
#define MULTISESSION_HPP

#include "multisession.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ms {

/** The calling thread's ms_last_error_message, whatever its length. */
inline std::string last_error_message() {
    std::vector<char> buf(512);
    std::size_t needed = 0;
    ms_hresult hr = ms_last_error_message(buf.data(), buf.size(), &needed);
    if (hr == MS_E_NOT_SUFFICIENT_BUFFER && needed > buf.size()) {
        buf.resize(needed);
        hr = ms_last_error_message(buf.data(), buf.size(), &needed);
    }
    return MS_SUCCEEDED(hr) ? std::string(buf.data()) : std::string();
}

/** A status code as Microsoft writes it: `0xC0AAB15C`. */
inline std::string hex(ms_hresult hr) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08lX", static_cast<unsigned long>(static_cast<std::uint32_t>(hr)));
    return text;
}

/** A failed call: its status code and the library's explanation. */
class error : public std::runtime_error {
public:
    error(ms_hresult hr, const std::string &message)
        : std::runtime_error(message.empty() ? hex(hr) : message + " (" + hex(hr) + ")"),
          hresult_(hr),
          message_(message) {}
    /** Microsoft's value: compare with the MS_E_* / MS_IMAPI_E_* macros. */
    ms_hresult hresult() const noexcept { return hresult_; }
    /** ms_last_error_message right after the failure (names the call). */
    const std::string &message() const noexcept { return message_; }

private:
    ms_hresult hresult_;
    std::string message_;
};

/** Throws ms::error for a failure; hands successes (MS_S_FALSE too) back. */
inline ms_hresult check(ms_hresult hr) {
    if (MS_FAILED(hr)) throw error(hr, last_error_message());
    return hr;
}

/** The library's one-line description of any status code. */
inline std::string describe(ms_hresult status);

namespace detail {

/* Text out of a (buf, len, needed) function: one try with a buffer that
 * fits nearly every answer, a second with the size the library asked for. */
template <typename Fill>
std::string read_text(Fill fill) {
    std::vector<char> buf(256);
    std::size_t needed = 0;
    ms_hresult hr = fill(buf.data(), buf.size(), &needed);
    if (hr == MS_E_NOT_SUFFICIENT_BUFFER && needed > buf.size()) {
        buf.resize(needed);
        hr = fill(buf.data(), buf.size(), &needed);
    }
    check(hr);
    return std::string(buf.data(), needed > 0 ? needed - 1 : 0);
}

/* A list out of a (items, capacity, count) function, grown until it fits. */
template <typename T, typename Fill>
std::vector<T> read_array(Fill fill, std::size_t first_guess) {
    std::vector<T> items(first_guess);
    for (;;) {
        std::size_t count = 0;
        ms_hresult hr = fill(items.data(), items.size(), &count);
        if (hr == MS_E_NOT_SUFFICIENT_BUFFER && count > items.size()) {
            items.resize(count);
            continue;
        }
        check(hr);
        items.resize(count < items.size() ? count : items.size());
        return items;
    }
}

/* Sole owner of one handle: move-only, released when it goes away. The zero
 * handle is the empty state (the library never hands it out). A failed
 * release cannot be reported from a destructor; it only happens for a handle
 * already released elsewhere, which an owner never lets out. */
template <typename Raw, ms_hresult (*Release)(Raw)>
class owner {
public:
    owner() noexcept : raw_() {}
    explicit owner(Raw raw) noexcept : raw_(raw) {}
    owner(owner &&other) noexcept : raw_(other.release()) {}
    owner &operator=(owner &&other) noexcept {
        if (this != &other) {
            reset();
            raw_ = other.release();
        }
        return *this;
    }
    owner(const owner &) = delete;
    owner &operator=(const owner &) = delete;
    ~owner() { reset(); }

    /** The handle, still owned here: for calling the C API directly. */
    Raw get() const noexcept { return raw_; }
    /** Gives the handle up; the caller releases it. */
    Raw release() noexcept {
        Raw raw = raw_;
        raw_ = Raw();
        return raw;
    }
    /** Releases what is held now (if anything) and hands out the slot for
     * an out-parameter. */
    Raw *out() noexcept {
        reset();
        return &raw_;
    }
    explicit operator bool() const noexcept { return raw_.id != 0; }
    void reset() noexcept {
        if (raw_.id != 0) static_cast<void>(Release(raw_));
        raw_ = Raw();
    }

private:
    Raw raw_;
};

/* An input iterator over anything indexed 0..size() whose at(i) makes the
 * element: the elements are values (often fresh owners), not references. */
template <typename Container, typename Value>
class index_iterator {
public:
    typedef std::input_iterator_tag iterator_category;
    typedef Value value_type;
    typedef std::ptrdiff_t difference_type;
    typedef void pointer;
    typedef Value reference;

    index_iterator(const Container *container, std::size_t index) : container_(container), index_(index) {}
    Value operator*() const { return container_->at(index_); }
    index_iterator &operator++() {
        ++index_;
        return *this;
    }
    index_iterator operator++(int) {
        index_iterator before = *this;
        ++index_;
        return before;
    }
    bool operator==(const index_iterator &other) const { return index_ == other.index_ && container_ == other.container_; }
    bool operator!=(const index_iterator &other) const { return !(*this == other); }

private:
    const Container *container_;
    std::size_t index_;
};

/* A file's bytes, owned by the library once ms_image_add_stream took them. */
struct string_source {
    std::string data;
    std::size_t position;
};

inline ms_hresult string_source_read(void *context, std::uint8_t *buf, std::size_t len, std::size_t *read) {
    string_source *source = static_cast<string_source *>(context);
    std::size_t n = source->data.size() - source->position;
    if (n > len) n = len;
    std::memcpy(buf, source->data.data() + source->position, n);
    source->position += n;
    *read = n;
    return MS_S_OK;
}

inline void string_source_release(void *context) { delete static_cast<string_source *>(context); }

} // namespace detail

/** What a progress callback sees; answer false to cancel the write. */
typedef std::function<bool(const ms_progress &)> progress_callback;

namespace detail {

/* Carries a C++ callback through ms_progress_fn; an exception it throws
 * cancels the write and is rethrown once the C call has returned, since it
 * may not unwind through the library. */
struct progress_relay {
    const progress_callback *callback;
    std::exception_ptr thrown;

    static std::uint32_t call(void *context, const ms_progress *progress) {
        progress_relay *relay = static_cast<progress_relay *>(context);
        try {
            return (*relay->callback)(*progress) ? MS_CONTINUE : MS_CANCEL;
        } catch (...) {
            relay->thrown = std::current_exception();
            return MS_CANCEL;
        }
    }
    ms_progress_fn function() const { return callback != nullptr && *callback ? &progress_relay::call : nullptr; }
    void *context() { return callback != nullptr && *callback ? this : nullptr; }
    ms_hresult finish(ms_hresult hr) {
        if (thrown) std::rethrow_exception(thrown);
        return check(hr);
    }
};

} // namespace detail

inline std::string describe(ms_hresult status) {
    return detail::read_text([status](char *buf, std::size_t len, std::size_t *needed) {
        return ms_status_describe(status, buf, len, needed);
    });
}

/** The library's version, which is also the package's (e.g. "1.3.0"). */
inline std::string version() { return ms_version(); }

/** True when the library loaded at run time has every function this
 * header declares: same ABI major, at least its minor. */
inline bool abi_compatible() {
    std::uint32_t abi = ms_abi_version();
    return (abi >> 16) == MS_ABI_VERSION_MAJOR && (abi & 0xFFFFu) >= MS_ABI_VERSION_MINOR;
}

/** Makes an emulated disc (image file + JSON sidecar) of an MMC profile;
 * capacity 0 takes the profile's usual size. Refuses to replace an existing
 * disc unless `replace` is set. */
inline void create_emulated_disc(const std::string &path, std::uint16_t profile, std::uint32_t capacity = 0,
                                 bool replace = false) {
    check(ms_emulator_create_ex(path.c_str(), profile, capacity, replace));
}

/** The optical drives the system has, waiting at most `timeout_ms` each. */
inline std::vector<ms_drive_info> enumerate_drives(std::uint32_t timeout_ms = 2000) {
    return detail::read_array<ms_drive_info>(
        [timeout_ms](ms_drive_info *drives, std::size_t capacity, std::size_t *count) {
            return ms_enumerate_drives(timeout_ms, drives, capacity, count);
        },
        8);
}

/** IMAPI2's write options with their defaults (ms_write_options_default). */
inline ms_write_options default_write_options() {
    ms_write_options options;
    std::memset(&options, 0, sizeof options);
    check(ms_write_options_default(&options));
    return options;
}

class recorder;

/** One IMultisession object: the Sequential, RandomWrite or
 * PseudoOverwrite view of a disc, as kind() says. */
class multisession {
public:
    multisession() noexcept {}
    explicit multisession(ms_multisession raw) noexcept : handle_(raw) {}
    ms_multisession get() const noexcept { return handle_.get(); }
    explicit operator bool() const noexcept { return static_cast<bool>(handle_); }

    /** MS_MULTISESSION_SEQUENTIAL, _RANDOM_WRITE or _PSEUDO_OVERWRITE. */
    std::uint32_t kind() const {
        std::uint32_t value = 0;
        check(ms_multisession_kind(get(), &value));
        return value;
    }
    bool is_supported_on_current_media_state() const { return flag(ms_is_supported_on_current_media_state); }
    bool in_use() const { return flag(ms_in_use); }
    void set_in_use(bool value) { check(ms_set_in_use(get(), value)); }
    /** The recorder this object was read from (a new owner of it). */
    inline recorder import_recorder() const;

    /* IMultisessionSequential2 */
    bool is_first_data_session() const { return flag(ms_sequential_is_first_data_session); }
    std::int32_t start_address_of_previous_session() const {
        return number(ms_sequential_start_address_of_previous_session);
    }
    std::int32_t last_written_address_of_previous_session() const {
        return number(ms_sequential_last_written_address_of_previous_session);
    }
    std::int32_t next_writable_address() const { return number(ms_sequential_next_writable_address); }
    std::int32_t free_sectors_on_media() const { return number(ms_sequential_free_sectors_on_media); }
    std::int32_t write_unit_size() const { return number(ms_sequential_write_unit_size); }

    /* IMultisessionRandomWrite */
    std::int32_t random_write_unit_size() const { return number(ms_random_write_write_unit_size); }
    std::int32_t random_last_written_address() const { return number(ms_random_write_last_written_address); }
    std::int32_t random_total_sectors_on_media() const { return number(ms_random_write_total_sectors_on_media); }

    /* BD-R Pseudo-Overwrite (an extension) */
    std::int32_t pseudo_overwrite_next_writable_address() const {
        return number(ms_pseudo_overwrite_next_writable_address);
    }
    std::int32_t pseudo_overwrite_last_recorded_address() const {
        return number(ms_pseudo_overwrite_last_recorded_address);
    }
    std::int32_t pseudo_overwrite_total_sectors_on_media() const {
        return number(ms_pseudo_overwrite_total_sectors_on_media);
    }
    std::int32_t pseudo_overwrite_write_unit_size() const { return number(ms_pseudo_overwrite_write_unit_size); }

private:
    bool flag(ms_hresult (*getter)(ms_multisession, bool *)) const {
        bool value = false;
        check(getter(get(), &value));
        return value;
    }
    std::int32_t number(ms_hresult (*getter)(ms_multisession, std::int32_t *)) const {
        std::int32_t value = 0;
        check(getter(get(), &value));
        return value;
    }
    detail::owner<ms_multisession, ms_multisession_release> handle_;
};

/** The multisession objects of a disc or an image, in IMAPI2's order. */
class multisession_list {
public:
    typedef detail::index_iterator<multisession_list, multisession> const_iterator;
    typedef const_iterator iterator;

    multisession_list() noexcept {}
    explicit multisession_list(ms_list raw) noexcept : handle_(raw) {}
    ms_list get() const noexcept { return handle_.get(); }

    std::size_t size() const {
        std::size_t count = 0;
        check(ms_list_count(get(), &count));
        return count;
    }
    bool empty() const { return size() == 0; }
    /** A new owner of the object at `index`. */
    multisession at(std::size_t index) const {
        ms_multisession raw = ms_multisession();
        check(ms_list_get(get(), index, &raw));
        return multisession(raw);
    }
    multisession operator[](std::size_t index) const { return at(index); }
    const_iterator begin() const { return const_iterator(this, 0); }
    const_iterator end() const { return const_iterator(this, size()); }

private:
    detail::owner<ms_list, ms_list_release> handle_;
};

/** A cancellation token for a write running on another thread. */
class cancel_token {
public:
    cancel_token() { check(ms_cancel_new(handle_.out())); }
    ms_cancel get() const noexcept { return handle_.get(); }
    void request() { check(ms_cancel_request(get())); }
    bool requested() const {
        bool value = false;
        check(ms_cancel_is_requested(get(), &value));
        return value;
    }

private:
    detail::owner<ms_cancel, ms_cancel_release> handle_;
};

/** A finished session image (IFileSystemImageResult): where it goes and
 * its blocks. */
class result {
public:
    result() noexcept {}
    explicit result(ms_result raw) noexcept : handle_(raw) {}
    ms_result get() const noexcept { return handle_.get(); }
    explicit operator bool() const noexcept { return static_cast<bool>(handle_); }

    std::int32_t start_block() const { return number(ms_result_start_block); }
    std::int32_t total_blocks() const { return number(ms_result_total_blocks); }
    /** `count` blocks of 2048 bytes from `first_block` (relative to the
     * session's start). */
    std::vector<std::uint8_t> read(std::uint32_t first_block, std::size_t count) const {
        std::vector<std::uint8_t> blocks(count * 2048);
        check(ms_result_read(get(), first_block, blocks.data(), blocks.size()));
        return blocks;
    }
    /** Where the commit anchor of an overwritable medium's session goes
     * and its blocks, to write after the whole session: (-1, 0) when there
     * is none. */
    std::pair<std::int32_t, std::int32_t> anchor() const {
        std::int32_t lba = 0, blocks = 0;
        check(ms_result_anchor(get(), &lba, &blocks));
        return std::make_pair(lba, blocks);
    }

private:
    std::int32_t number(ms_hresult (*getter)(ms_result, std::int32_t *)) const {
        std::int32_t value = 0;
        check(getter(get(), &value));
        return value;
    }
    detail::owner<ms_result, ms_result_release> handle_;
};

/** One entry of a directory listing. */
struct dir_entry {
    std::string name;
    /** A symbolic link's target; empty otherwise. */
    std::string target;
    ms_dir_entry info;
};

/** A snapshot of one directory of an image, sorted by name. */
class dir {
public:
    typedef detail::index_iterator<dir, dir_entry> const_iterator;
    typedef const_iterator iterator;

    dir() noexcept {}
    explicit dir(ms_dir raw) noexcept : handle_(raw) {}
    ms_dir get() const noexcept { return handle_.get(); }

    std::size_t size() const {
        std::size_t count = 0;
        check(ms_dir_count(get(), &count));
        return count;
    }
    bool empty() const { return size() == 0; }
    dir_entry at(std::size_t index) const {
        dir_entry entry;
        std::memset(&entry.info, 0, sizeof entry.info);
        check(ms_dir_get(get(), index, &entry.info));
        ms_dir raw = get();
        entry.name = detail::read_text([raw, index](char *buf, std::size_t len, std::size_t *needed) {
            return ms_dir_name(raw, index, buf, len, needed);
        });
        if (entry.info.kind == MS_ITEM_SYMLINK) {
            entry.target = detail::read_text([raw, index](char *buf, std::size_t len, std::size_t *needed) {
                return ms_dir_target(raw, index, buf, len, needed);
            });
        }
        return entry;
    }
    dir_entry operator[](std::size_t index) const { return at(index); }
    const_iterator begin() const { return const_iterator(this, 0); }
    const_iterator end() const { return const_iterator(this, size()); }

private:
    detail::owner<ms_dir, ms_dir_release> handle_;
};

/** An open file of an image: sequential reads and reads at an offset. */
class file {
public:
    file() noexcept {}
    explicit file(ms_file raw) noexcept : handle_(raw) {}
    ms_file get() const noexcept { return handle_.get(); }

    std::uint64_t size() const {
        std::uint64_t value = 0;
        check(ms_file_size(get(), &value));
        return value;
    }
    /** Up to `max` bytes from the current position; empty at the end. */
    std::string read(std::size_t max) {
        std::string data(max, '\0');
        std::size_t got = 0;
        check(ms_file_read(get(), bytes(data), data.size(), &got));
        data.resize(got);
        return data;
    }
    /** Up to `max` bytes at `offset`; the position does not move. */
    std::string read_at(std::uint64_t offset, std::size_t max) const {
        std::string data(max, '\0');
        std::size_t got = 0;
        check(ms_file_read_at(get(), offset, bytes(data), data.size(), &got));
        data.resize(got);
        return data;
    }
    /** Everything from the current position on. */
    std::string read_all() {
        std::string data;
        for (;;) {
            std::string chunk = read(64 * 1024);
            if (chunk.empty()) return data;
            data += chunk;
        }
    }

private:
    static std::uint8_t *bytes(std::string &data) {
        return data.empty() ? nullptr : static_cast<std::uint8_t *>(static_cast<void *>(&data[0]));
    }
    detail::owner<ms_file, ms_file_release> handle_;
};

/** A drive (or an emulated disc's image file): IDiscRecorder2 and the
 * writing of IDiscFormat2Data. */
class recorder {
public:
    recorder() noexcept {}
    /** Opens a device path (/dev/sr0) or an emulated disc's image file. */
    explicit recorder(const std::string &path) { check(ms_recorder_open(path.c_str(), handle_.out())); }
    explicit recorder(ms_recorder raw) noexcept : handle_(raw) {}
    ms_recorder get() const noexcept { return handle_.get(); }
    explicit operator bool() const noexcept { return static_cast<bool>(handle_); }

    ms_media_info media_info() const {
        ms_media_info info;
        std::memset(&info, 0, sizeof info);
        check(ms_recorder_media_info(get(), &info));
        return info;
    }
    /** IDiscFormat2Data::get_MultisessionInterfaces. */
    multisession_list multisession_interfaces() const {
        ms_list raw = ms_list();
        check(ms_recorder_multisession_interfaces(get(), &raw));
        return multisession_list(raw);
    }
    /** Every session on the disc, oldest first. */
    std::vector<ms_session_info> sessions() const {
        ms_recorder raw = get();
        return detail::read_array<ms_session_info>(
            [raw](ms_session_info *items, std::size_t capacity, std::size_t *count) {
                return ms_recorder_sessions(raw, items, capacity, count);
            },
            16);
    }
    /** MS_IDENTITY_VENDOR, _PRODUCT or _REVISION. */
    std::string identity(std::uint32_t field) const {
        ms_recorder raw = get();
        return detail::read_text([raw, field](char *buf, std::size_t len, std::size_t *needed) {
            return ms_recorder_identity(raw, field, buf, len, needed);
        });
    }

    void eject() { check(ms_recorder_eject(get())); }
    void load() { check(ms_recorder_load(get())); }
    void prevent_removal(bool prevent) { check(ms_recorder_prevent_removal(get(), prevent)); }
    ms_media_info wait_for_medium(std::uint32_t timeout_ms) {
        ms_media_info info;
        std::memset(&info, 0, sizeof info);
        check(ms_recorder_wait_for_medium(get(), timeout_ms, &info));
        return info;
    }

    std::vector<std::uint32_t> write_speeds() const {
        ms_recorder raw = get();
        return detail::read_array<std::uint32_t>(
            [raw](std::uint32_t *speeds, std::size_t capacity, std::size_t *count) {
                return ms_recorder_write_speeds(raw, speeds, capacity, count);
            },
            32);
    }
    std::uint32_t current_write_speed() const {
        std::uint32_t kbps = 0;
        check(ms_recorder_current_write_speed(get(), &kbps));
        return kbps;
    }
    void set_write_speed(std::uint32_t kbps) { check(ms_recorder_set_write_speed(get(), kbps)); }

    void acquire_exclusive(const std::string &client) {
        check(ms_recorder_acquire_exclusive(get(), client.c_str()));
    }
    void release_exclusive() { check(ms_recorder_release_exclusive(get())); }
    std::string exclusive_owner() const {
        ms_recorder raw = get();
        return detail::read_text([raw](char *buf, std::size_t len, std::size_t *needed) {
            return ms_recorder_exclusive_owner(raw, buf, len, needed);
        });
    }

    /** Blanks a rewritable disc (quick unless `full`). */
    void erase(bool full = false) { check(ms_erase(get(), full)); }
    /** Formats a DVD+RW, DVD-RAM or BD-RE for random writes. */
    void format() { check(ms_format(get())); }
    /** Repairs what an interrupted write left; an MS_RECOVERY_* outcome. */
    std::uint32_t recover() {
        std::uint32_t outcome = 0;
        check(ms_recover(get(), &outcome));
        return outcome;
    }
    void close_disc() { check(ms_close_disc(get())); }

    /** Writes `image` as the next session. The callback may be empty. */
    void write(const result &image, const ms_write_options &options,
               const progress_callback &progress = progress_callback()) {
        detail::progress_relay relay = {&progress, std::exception_ptr()};
        relay.finish(ms_write(get(), image.get(), &options, relay.function(), relay.context()));
    }
    /** The same, stoppable from another thread through `token`. */
    void write(const result &image, const ms_write_options &options, const cancel_token &token,
               const progress_callback &progress = progress_callback()) {
        detail::progress_relay relay = {&progress, std::exception_ptr()};
        relay.finish(ms_write_with_cancel(get(), image.get(), &options, relay.function(), relay.context(),
                                          token.get()));
    }
    /** Writes a finished ISO image file as the next session. */
    void write_iso_file(const std::string &path, const ms_write_options &options,
                        const progress_callback &progress = progress_callback()) {
        detail::progress_relay relay = {&progress, std::exception_ptr()};
        relay.finish(ms_write_iso_file(get(), path.c_str(), &options, relay.function(), relay.context()));
    }

private:
    detail::owner<ms_recorder, ms_recorder_release> handle_;
};

inline recorder multisession::import_recorder() const {
    ms_recorder raw = ms_recorder();
    check(ms_import_recorder(get(), &raw));
    return recorder(raw);
}

/** A file-system image (IFileSystemImage): the previous session imported,
 * the next one built on top of it. */
class image {
public:
    image() { check(ms_image_new(handle_.out())); }
    ms_image get() const noexcept { return handle_.get(); }

    /** IFileSystemImage::put_MultisessionInterfaces. */
    void set_interfaces(const multisession_list &list) {
        std::vector<multisession> objects;
        for (multisession_list::const_iterator it = list.begin(); it != list.end(); ++it) objects.push_back(*it);
        set_interfaces(objects);
    }
    void set_interfaces(const std::vector<multisession> &objects) {
        std::vector<ms_multisession> raw;
        for (std::size_t i = 0; i < objects.size(); i++) raw.push_back(objects[i].get());
        check(ms_set_interfaces(get(), raw.data(), raw.size()));
    }
    multisession_list interfaces() const {
        ms_list raw = ms_list();
        check(ms_get_interfaces(get(), &raw));
        return multisession_list(raw);
    }
    multisession chosen_interface() const {
        ms_multisession raw = ms_multisession();
        check(ms_image_chosen_interface(get(), &raw));
        return multisession(raw);
    }
    /** Sets the interfaces and imports what the disc holds, as IMAPI2's
     * callers do; returns what was done. */
    ms_preparation prepare_for(const recorder &target) {
        ms_preparation done;
        std::memset(&done, 0, sizeof done);
        check(ms_image_prepare_for(get(), target.get(), &done));
        return done;
    }

    std::int32_t session_start_block() const { return number(ms_image_session_start_block); }
    void set_session_start_block(std::int32_t value) { check(ms_image_set_session_start_block(get(), value)); }
    std::int32_t free_media_blocks() const { return number(ms_image_free_media_blocks); }
    void set_free_media_blocks(std::int32_t value) { check(ms_image_set_free_media_blocks(get(), value)); }
    std::uint32_t file_systems() const {
        std::uint32_t value = 0;
        check(ms_image_file_systems(get(), &value));
        return value;
    }
    void set_file_systems(std::uint32_t file_systems) { check(ms_image_set_file_systems(get(), file_systems)); }
    std::uint32_t udf_revision() const {
        std::uint32_t value = 0;
        check(ms_image_get_udf_revision(get(), &value));
        return value;
    }
    void set_udf_revision(std::uint32_t revision) { check(ms_image_set_udf_revision(get(), revision)); }
    bool create_redundant_udf_metadata_files() const {
        bool value = true;
        check(ms_image_get_create_redundant_udf_metadata_files(get(), &value));
        return value;
    }
    void set_create_redundant_udf_metadata_files(bool redundant) {
        check(ms_image_set_create_redundant_udf_metadata_files(get(), redundant));
    }
    std::vector<std::uint32_t> udf_revisions_supported() const {
        ms_image raw = get();
        return detail::read_array<std::uint32_t>(
            [raw](std::uint32_t *revisions, std::size_t capacity, std::size_t *count) {
                return ms_image_get_udf_revisions_supported(raw, revisions, capacity, count);
            },
            8);
    }
    std::string volume_name() const { return text(ms_image_volume_name); }
    void set_volume_name(const std::string &name) { check(ms_image_set_volume_name(get(), name.c_str())); }
    std::string imported_volume_name() const { return text(ms_image_imported_volume_name); }

    void choose_defaults(const recorder &target) { check(ms_image_choose_defaults(get(), target.get())); }
    void choose_defaults_for_media_type(std::uint32_t media_type) {
        check(ms_image_choose_defaults_for_media_type(get(), media_type));
    }
    /** The MS_FS_* bits of what the disc in `target` holds. */
    std::uint32_t identify_file_systems(const recorder &target) const {
        ms_recorder raw = target.get();
        std::uint32_t found = 0;
        check(ms_image_identify_file_systems(get(), &raw, &found));
        return found;
    }
    /** The file system IMAPI2 imports from a disc holding `file_systems`. */
    static std::uint32_t default_file_system_for_import(std::uint32_t file_systems) {
        std::uint32_t preferred = 0;
        check(ms_image_default_file_system_for_import(file_systems, &preferred));
        return preferred;
    }
    /** Imports the newest session (file system 0: IMAPI2's choice); returns
     * the file system imported. */
    std::uint32_t import(std::uint32_t file_system = 0) {
        std::uint32_t imported = 0;
        check(ms_image_import(get(), file_system, &imported));
        return imported;
    }
    std::uint32_t import_session(std::uint32_t session_start, std::uint32_t file_system = 0) {
        std::uint32_t imported = 0;
        check(ms_image_import_session(get(), session_start, file_system, &imported));
        return imported;
    }
    /** The start of the newest session with a file system, and its MS_FS_*
     * bits. */
    std::pair<std::uint32_t, std::uint32_t> newest_session_with_file_system() const {
        std::uint32_t start = 0, file_systems = 0;
        check(ms_image_newest_session_with_file_system(get(), &start, &file_systems));
        return std::make_pair(start, file_systems);
    }

    void add_file(const std::string &path, const std::string &local, bool replace = false) {
        check(ms_image_add_file(get(), path.c_str(), local.c_str(), replace));
    }
    void add_tree(const std::string &local, const std::string &dest, bool include_base = true,
                  bool replace = false) {
        check(ms_image_add_tree(get(), local.c_str(), dest.c_str(), include_base, replace));
    }
    /** A file whose bytes are `data`, held by the library until written. */
    void add(const std::string &path, std::string data, bool replace = false) {
        detail::string_source *source = new detail::string_source();
        source->data = std::move(data);
        source->position = 0;
        ms_hresult hr = ms_image_add_stream(get(), path.c_str(), source->data.size(), detail::string_source_read,
                                            detail::string_source_release, source, replace);
        // The library owns the source only once the call succeeded.
        if (MS_FAILED(hr)) {
            std::string message = last_error_message();
            delete source;
            throw error(hr, message);
        }
    }
    void mkdir(const std::string &path, bool parents = true) {
        check(ms_image_mkdir(get(), path.c_str(), parents));
    }
    void remove(const std::string &path, bool recursive = false) {
        check(ms_image_remove(get(), path.c_str(), recursive));
    }
    void rename(const std::string &from, const std::string &to) {
        check(ms_image_rename(get(), from.c_str(), to.c_str()));
    }
    ms_item_info stat(const std::string &path) const {
        ms_item_info info;
        std::memset(&info, 0, sizeof info);
        check(ms_image_stat(get(), path.c_str(), &info));
        return info;
    }
    dir open_dir(const std::string &path) const {
        ms_dir raw = ms_dir();
        check(ms_image_open_dir(get(), path.c_str(), &raw));
        return dir(raw);
    }
    file open_file(const std::string &path) const {
        ms_file raw = ms_file();
        check(ms_image_open_file(get(), path.c_str(), &raw));
        return file(raw);
    }

    /** IFileSystemImage::CreateResultImage. */
    result create_result() const {
        ms_result raw = ms_result();
        check(ms_image_create_result(get(), &raw));
        return result(raw);
    }

private:
    std::int32_t number(ms_hresult (*getter)(ms_image, std::int32_t *)) const {
        std::int32_t value = 0;
        check(getter(get(), &value));
        return value;
    }
    std::string text(ms_hresult (*getter)(ms_image, char *, std::size_t, std::size_t *)) const {
        ms_image raw = get();
        return detail::read_text([raw, getter](char *buf, std::size_t len, std::size_t *needed) {
            return getter(raw, buf, len, needed);
        });
    }
    detail::owner<ms_image, ms_image_release> handle_;
};

} // namespace ms

#endif /* MULTISESSION_HPP */
