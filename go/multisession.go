// Package multisession is the Go binding of libmultisession: the Windows
// IMAPI2 multisession model (where the previous session starts, where the
// next may be written, import the previous session's files, build and
// write the next session) on real drives and on the built-in emulator.
//
// Every object wraps a C handle and must be closed. Errors are *Error
// values carrying the IMAPI HRESULT, its name and the library's message.
package multisession

/*
#cgo LDFLAGS: -lmultisession
#include <stdlib.h>
#include "multisession.h"

extern ms_hresult goMsRead(void *context, uint8_t *buf, size_t len, size_t *read);
extern void goMsRelease(void *context);
extern uint32_t goMsProgress(void *context, const ms_progress *progress);

static inline ms_hresult ms_go_add_stream(ms_image image, const char *path, uint64_t length,
                                          uintptr_t handle, bool replace) {
	return ms_image_add_stream(image, path, length, goMsRead, goMsRelease, (void *)handle, replace);
}

static inline ms_hresult ms_go_write(ms_recorder rec, ms_result result,
                                     const ms_write_options *options, uintptr_t handle) {
	return ms_write(rec, result, options, handle ? goMsProgress : NULL, (void *)handle);
}
*/
import "C"

import (
	"fmt"
	"io"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// Error is a failed call: the HRESULT (Microsoft's value), its name and
// the detail the library gave.
type Error struct {
	Code    int32
	Name    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (0x%08X): %s", e.Name, uint32(e.Code), e.Message)
}

// Some codes callers test for (Microsoft's values).
const (
	EPointer                  = int32(C.MS_E_POINTER)
	EHandle                   = int32(C.MS_E_HANDLE)
	ERequestCancelled         = int32(C.MS_E_IMAPI_REQUEST_CANCELLED)
	EImportSeekFailure        = int32(C.MS_IMAPI_E_IMPORT_SEEK_FAILURE)
	EItemNotFound             = int32(C.MS_IMAPI_E_ITEM_NOT_FOUND)
	EMultisessionNotSet       = int32(C.MS_IMAPI_E_MULTISESSION_NOT_SET)
	EImageTooBig              = int32(C.MS_IMAPI_E_IMAGE_TOO_BIG)
	EEmptyDisc                = int32(C.MS_IMAPI_E_EMPTY_DISC)
	EDupName                  = int32(C.MS_IMAPI_E_DUP_NAME)
	ENoCompatibleMultisession = int32(C.MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE)
	EFileExists               = int32(C.MS_E_WIN32_FILE_EXISTS)
)

// IsCode tells whether err is an *Error with code.
func IsCode(err error, code int32) bool {
	e, ok := err.(*Error)
	return ok && e.Code == code
}

func describe(code C.ms_hresult) string {
	var needed C.size_t
	buf := make([]byte, 256)
	if C.ms_status_describe(code, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &needed) < 0 {
		return fmt.Sprintf("0x%08X", uint32(code))
	}
	text := C.GoString((*C.char)(unsafe.Pointer(&buf[0])))
	for i := 0; i < len(text); i++ {
		if text[i] == ':' {
			return text[:i]
		}
	}
	return text
}

func lastMessage() string {
	var needed C.size_t
	if C.ms_last_error_message(nil, 0, &needed) >= 0 || needed == 0 {
		return ""
	}
	buf := make([]byte, needed)
	if C.ms_last_error_message((*C.char)(unsafe.Pointer(&buf[0])), needed, &needed) < 0 {
		return ""
	}
	return C.GoString((*C.char)(unsafe.Pointer(&buf[0])))
}

// call runs one C function and turns a failure into an *Error. The thread
// stays locked across the call and the message fetch: the message is
// kept per thread.
func call(f func() C.ms_hresult) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	code := f()
	if code >= 0 {
		return nil
	}
	return &Error{Code: int32(code), Name: describe(code), Message: lastMessage()}
}

// CreateEmulatedDisc makes a blank emulated disc at path (an image file and
// its JSON sidecar) of MMC profile (0x0009 CD-R, 0x001A DVD+RW, 0x001B
// DVD+R, 0x0041 BD-R, 0x0043 BD-RE …); capacity 0 for the usual one. A disc
// already at path is refused with EFileExists and left unchanged.
func CreateEmulatedDisc(path string, profile uint16, capacity uint32) error {
	return createEmulatedDisc(path, profile, capacity, false)
}

// ReplaceEmulatedDisc is CreateEmulatedDisc that blanks a disc already at
// path: every session recorded on it is lost.
func ReplaceEmulatedDisc(path string, profile uint16, capacity uint32) error {
	return createEmulatedDisc(path, profile, capacity, true)
}

func createEmulatedDisc(path string, profile uint16, capacity uint32, replace bool) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return call(func() C.ms_hresult {
		return C.ms_emulator_create_ex(cpath, C.uint16_t(profile), C.uint32_t(capacity), C.bool(replace))
	})
}

// Recorder is a drive (IDiscRecorder2 with IDiscFormat2Data's writing).
type Recorder struct{ h C.ms_recorder }

// Open opens a device (/dev/sr0) or an emulated disc image.
func Open(path string) (*Recorder, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	r := &Recorder{}
	if err := call(func() C.ms_hresult { return C.ms_recorder_open(cpath, &r.h) }); err != nil {
		return nil, err
	}
	return r, nil
}

// Close releases the recorder.
func (r *Recorder) Close() error {
	return call(func() C.ms_hresult { return C.ms_recorder_release(r.h) })
}

// MediaInfo is what the drive reports about the loaded medium; addresses
// are −1 where there is none.
type MediaInfo struct {
	Profile                             uint16
	PhysicalType                        uint32
	MediaState                          uint32
	Sessions                            uint32
	StartAddressOfPreviousSession       int32
	LastWrittenAddressOfPreviousSession int32
	NextWritableAddress                 int32
	FreeSectorsOnMedia                  int32
	TotalSectorsOnMedia                 int32
	WriteUnitSize                       int32
}

// MediaInfo reads the medium's properties now.
func (r *Recorder) MediaInfo() (MediaInfo, error) {
	var m C.ms_media_info
	if err := call(func() C.ms_hresult { return C.ms_recorder_media_info(r.h, &m) }); err != nil {
		return MediaInfo{}, err
	}
	return MediaInfo{
		Profile:                             uint16(m.profile),
		PhysicalType:                        uint32(m.physical_type),
		MediaState:                          uint32(m.media_state),
		Sessions:                            uint32(m.sessions),
		StartAddressOfPreviousSession:       int32(m.start_address_of_previous_session),
		LastWrittenAddressOfPreviousSession: int32(m.last_written_address_of_previous_session),
		NextWritableAddress:                 int32(m.next_writable_address),
		FreeSectorsOnMedia:                  int32(m.free_sectors_on_media),
		TotalSectorsOnMedia:                 int32(m.total_sectors_on_media),
		WriteUnitSize:                       int32(m.write_unit_size),
	}, nil
}

// Kind of a multisession object.
type Kind uint32

const (
	Sequential      Kind = C.MS_MULTISESSION_SEQUENTIAL
	RandomWrite     Kind = C.MS_MULTISESSION_RANDOM_WRITE
	PseudoOverwrite Kind = C.MS_MULTISESSION_PSEUDO_OVERWRITE
)

// Multisession is one multisession object (IMultisession).
type Multisession struct{ h C.ms_multisession }

// MultisessionInterfaces lists the objects the drive offers for the medium.
// Close each.
func (r *Recorder) MultisessionInterfaces() ([]*Multisession, error) {
	var list C.ms_list
	if err := call(func() C.ms_hresult { return C.ms_recorder_multisession_interfaces(r.h, &list) }); err != nil {
		return nil, err
	}
	defer C.ms_list_release(list)
	var count C.size_t
	if err := call(func() C.ms_hresult { return C.ms_list_count(list, &count) }); err != nil {
		return nil, err
	}
	out := make([]*Multisession, 0, int(count))
	for i := C.size_t(0); i < count; i++ {
		m := &Multisession{}
		if err := call(func() C.ms_hresult { return C.ms_list_get(list, i, &m.h) }); err != nil {
			for _, o := range out {
				o.Close()
			}
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Close releases the object handle.
func (m *Multisession) Close() error {
	return call(func() C.ms_hresult { return C.ms_multisession_release(m.h) })
}

// Kind tells which interface the object has.
func (m *Multisession) Kind() (Kind, error) {
	var k C.uint32_t
	err := call(func() C.ms_hresult { return C.ms_multisession_kind(m.h, &k) })
	return Kind(k), err
}

// SequentialValues are IMultisessionSequential2's properties.
type SequentialValues struct {
	IsFirstDataSession                  bool
	StartAddressOfPreviousSession       int32
	LastWrittenAddressOfPreviousSession int32
	NextWritableAddress                 int32
	FreeSectorsOnMedia                  int32
	WriteUnitSize                       int32
}

// Sequential reads the properties of a Sequential object.
func (m *Multisession) Sequential() (SequentialValues, error) {
	var first C.bool
	var start, last, next, free, unit C.int32_t
	err := call(func() C.ms_hresult {
		for _, hr := range []C.ms_hresult{
			C.ms_sequential_is_first_data_session(m.h, &first),
			C.ms_sequential_start_address_of_previous_session(m.h, &start),
			C.ms_sequential_last_written_address_of_previous_session(m.h, &last),
			C.ms_sequential_next_writable_address(m.h, &next),
			C.ms_sequential_free_sectors_on_media(m.h, &free),
			C.ms_sequential_write_unit_size(m.h, &unit),
		} {
			if hr < 0 {
				return hr
			}
		}
		return C.MS_S_OK
	})
	return SequentialValues{bool(first), int32(start), int32(last), int32(next), int32(free), int32(unit)}, err
}

// FileSystems is an FsiFileSystems mask.
type FileSystems uint32

const (
	DefaultFileSystem FileSystems = 0
	ISO9660           FileSystems = C.MS_FS_ISO9660
	Joliet            FileSystems = C.MS_FS_JOLIET
	UDF               FileSystems = C.MS_FS_UDF
)

// Image is a file-system image (IFileSystemImage).
type Image struct{ h C.ms_image }

// NewImage makes an empty image: ISO 9660 + Joliet, 332,800 free blocks.
func NewImage() (*Image, error) {
	i := &Image{}
	if err := call(func() C.ms_hresult { return C.ms_image_new(&i.h) }); err != nil {
		return nil, err
	}
	return i, nil
}

// Close releases the image.
func (i *Image) Close() error {
	return call(func() C.ms_hresult { return C.ms_image_release(i.h) })
}

// SetInterfaces is put_MultisessionInterfaces.
func (i *Image) SetInterfaces(objects []*Multisession) error {
	handles := make([]C.ms_multisession, len(objects))
	for n, m := range objects {
		handles[n] = m.h
	}
	var first *C.ms_multisession
	if len(handles) > 0 {
		first = &handles[0]
	}
	return call(func() C.ms_hresult { return C.ms_set_interfaces(i.h, first, C.size_t(len(handles))) })
}

// ChooseDefaults is ChooseImageDefaults(recorder): the first-session setup.
func (i *Image) ChooseDefaults(r *Recorder) error {
	return call(func() C.ms_hresult { return C.ms_image_choose_defaults(i.h, r.h) })
}

// IdentifyFileSystems reports the file systems of the newest session on
// the chosen object's recorder.
func (i *Image) IdentifyFileSystems() (FileSystems, error) {
	var fs C.uint32_t
	err := call(func() C.ms_hresult { return C.ms_image_identify_file_systems(i.h, nil, &fs) })
	return FileSystems(fs), err
}

// Import is ImportFileSystem (DefaultFileSystem) or ImportSpecificFileSystem.
func (i *Image) Import(fs FileSystems) (FileSystems, error) {
	var got C.uint32_t
	err := call(func() C.ms_hresult { return C.ms_image_import(i.h, C.uint32_t(fs), &got) })
	return FileSystems(got), err
}

// SessionStartBlock is where the next session starts.
func (i *Image) SessionStartBlock() (int32, error) {
	var v C.int32_t
	err := call(func() C.ms_hresult { return C.ms_image_session_start_block(i.h, &v) })
	return int32(v), err
}

// FreeMediaBlocks is the room for the next session (0: unlimited).
func (i *Image) FreeMediaBlocks() (int32, error) {
	var v C.int32_t
	err := call(func() C.ms_hresult { return C.ms_image_free_media_blocks(i.h, &v) })
	return int32(v), err
}

// SetVolumeName is put_VolumeName.
func (i *Image) SetVolumeName(name string) error {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return call(func() C.ms_hresult { return C.ms_image_set_volume_name(i.h, cname) })
}

// ImportedVolumeName is get_ImportedVolumeName.
func (i *Image) ImportedVolumeName() (string, error) {
	buf := make([]byte, 256)
	var needed C.size_t
	err := call(func() C.ms_hresult {
		return C.ms_image_imported_volume_name(i.h, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &needed)
	})
	if err != nil {
		return "", err
	}
	return C.GoString((*C.char)(unsafe.Pointer(&buf[0]))), nil
}

// AddFile adds the local file local as path.
func (i *Image) AddFile(path, local string, replace bool) error {
	cpath, clocal := C.CString(path), C.CString(local)
	defer C.free(unsafe.Pointer(cpath))
	defer C.free(unsafe.Pointer(clocal))
	return call(func() C.ms_hresult { return C.ms_image_add_file(i.h, cpath, clocal, C.bool(replace)) })
}

// AddTree adds the local directory local under dest (AddTree).
func (i *Image) AddTree(local, dest string, includeBase, replace bool) error {
	clocal, cdest := C.CString(local), C.CString(dest)
	defer C.free(unsafe.Pointer(clocal))
	defer C.free(unsafe.Pointer(cdest))
	return call(func() C.ms_hresult {
		return C.ms_image_add_tree(i.h, clocal, cdest, C.bool(includeBase), C.bool(replace))
	})
}

// AddReader adds length bytes read from r as path. r is read once, while
// a result of the image is read or written, from that goroutine's thread.
func (i *Image) AddReader(path string, length uint64, r io.Reader, replace bool) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	h := cgo.NewHandle(&readerSource{r: r})
	err := call(func() C.ms_hresult {
		return C.ms_go_add_stream(i.h, cpath, C.uint64_t(length), C.uintptr_t(h), C.bool(replace))
	})
	if err != nil {
		h.Delete() // a failed add keeps nothing and calls no release
	}
	return err
}

// Mkdir creates a directory (and with parents the missing ones above).
func (i *Image) Mkdir(path string, parents bool) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return call(func() C.ms_hresult { return C.ms_image_mkdir(i.h, cpath, C.bool(parents)) })
}

// Remove takes path out of the next session.
func (i *Image) Remove(path string, recursive bool) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return call(func() C.ms_hresult { return C.ms_image_remove(i.h, cpath, C.bool(recursive)) })
}

// Rename renames or moves from to to.
func (i *Image) Rename(from, to string) error {
	cfrom, cto := C.CString(from), C.CString(to)
	defer C.free(unsafe.Pointer(cfrom))
	defer C.free(unsafe.Pointer(cto))
	return call(func() C.ms_hresult { return C.ms_image_rename(i.h, cfrom, cto) })
}

// ItemInfo is what is at a path of the image.
type ItemInfo struct {
	Dir, File, Symlink bool
	Size               uint64
	// OnMedium: the data is already on the disc (imported).
	OnMedium bool
}

// Stat reports what is at path.
func (i *Image) Stat(path string) (ItemInfo, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var info C.ms_item_info
	if err := call(func() C.ms_hresult { return C.ms_image_stat(i.h, cpath, &info) }); err != nil {
		return ItemInfo{}, err
	}
	return ItemInfo{
		Dir:      info.kind == C.MS_ITEM_DIRECTORY,
		File:     info.kind == C.MS_ITEM_FILE,
		Symlink:  info.kind == C.MS_ITEM_SYMLINK,
		Size:     uint64(info.size),
		OnMedium: bool(info.on_medium),
	}, nil
}

// Result is the built next session (IFileSystemImageResult).
type Result struct{ h C.ms_result }

// CreateResult is CreateResultImage.
func (i *Image) CreateResult() (*Result, error) {
	r := &Result{}
	if err := call(func() C.ms_hresult { return C.ms_image_create_result(i.h, &r.h) }); err != nil {
		return nil, err
	}
	return r, nil
}

// Close releases the result.
func (r *Result) Close() error {
	return call(func() C.ms_hresult { return C.ms_result_release(r.h) })
}

// StartBlock is the LBA block 0 of the result goes to.
func (r *Result) StartBlock() (int32, error) {
	var v C.int32_t
	err := call(func() C.ms_hresult { return C.ms_result_start_block(r.h, &v) })
	return int32(v), err
}

// TotalBlocks is the session's length in 2048-byte blocks.
func (r *Result) TotalBlocks() (int32, error) {
	var v C.int32_t
	err := call(func() C.ms_hresult { return C.ms_result_total_blocks(r.h, &v) })
	return int32(v), err
}

// ReadBlocks fills buf (a multiple of 2048 bytes) from block first on.
func (r *Result) ReadBlocks(first uint32, buf []byte) error {
	if len(buf) == 0 {
		return nil
	}
	// The buffer is C memory for the call: caller streams run inside it.
	cbuf := C.malloc(C.size_t(len(buf)))
	defer C.free(cbuf)
	err := call(func() C.ms_hresult {
		return C.ms_result_read(r.h, C.uint32_t(first), (*C.uint8_t)(cbuf), C.size_t(len(buf)))
	})
	if err == nil {
		copy(buf, unsafe.Slice((*byte)(cbuf), len(buf)))
	}
	return err
}

// WriteAction is IMAPI_FORMAT2_DATA_WRITE_ACTION.
type WriteAction uint32

const (
	ValidatingMedia WriteAction = 0
	FormattingMedia WriteAction = 1
	WritingData     WriteAction = 4
	Finalization    WriteAction = 5
	Completed       WriteAction = 6
)

// Progress is one write event (IDiscFormat2DataEventArgs).
type Progress struct {
	Action           WriteAction
	StartLBA         int32
	SectorCount      int32
	SectorsDone      int32
	LastWrittenLBA   int32
	ElapsedSeconds   float64
	RemainingSeconds float64
}

// WriteOptions are IDiscFormat2Data's write properties.
type WriteOptions struct {
	ForceMediaToBeClosed                bool
	DisableConsumerDvdCompatibilityMode bool
	ForceOverwrite                      bool
	Verify                              bool
	ProgressIntervalMs                  uint32
}

// DefaultWriteOptions are IMAPI's defaults (a DVD+R is then closed).
func DefaultWriteOptions() WriteOptions {
	var o C.ms_write_options
	C.ms_write_options_default(&o)
	return WriteOptions{bool(o.force_media_to_be_closed), bool(o.disable_consumer_dvd_compatibility_mode),
		bool(o.force_overwrite), bool(o.verify), uint32(o.progress_interval_ms)}
}

// Write writes result as the next session (IDiscFormat2Data::Write).
// progress, if not nil, gets every event; returning false cancels the
// write, which then fails with ERequestCancelled.
func (r *Recorder) Write(result *Result, options WriteOptions, progress func(Progress) bool) error {
	o := C.ms_write_options{
		force_media_to_be_closed:                C.bool(options.ForceMediaToBeClosed),
		disable_consumer_dvd_compatibility_mode: C.bool(options.DisableConsumerDvdCompatibilityMode),
		force_overwrite:                         C.bool(options.ForceOverwrite),
		verify:                                  C.bool(options.Verify),
		progress_interval_ms:                    C.uint32_t(options.ProgressIntervalMs),
	}
	var handle uintptr
	if progress != nil {
		h := cgo.NewHandle(progress)
		defer h.Delete()
		handle = uintptr(h)
	}
	return call(func() C.ms_hresult { return C.ms_go_write(r.h, result.h, &o, C.uintptr_t(handle)) })
}

// Recover makes a sequential disc that an interrupted write left with an
// open session appendable again; true when it had to.
func (r *Recorder) Recover() (bool, error) {
	var outcome C.uint32_t
	err := call(func() C.ms_hresult { return C.ms_recover(r.h, &outcome) })
	return outcome != C.MS_RECOVERY_NOT_NEEDED, err
}
