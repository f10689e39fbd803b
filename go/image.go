package multisession

/*
#include <stdlib.h>
#include "multisession.h"

extern ms_hresult goMsRead(void *context, uint8_t *buf, size_t len, size_t *read);
extern void goMsRelease(void *context);

static inline ms_hresult ms_go_add_stream(ms_image image, const char *path, uint64_t length,
                                          uintptr_t handle, bool replace) {
	return ms_image_add_stream(image, path, length, goMsRead, goMsRelease, (void *)handle, replace);
}
*/
import "C"

import (
	"io"
	"runtime"
	"runtime/cgo"
	"unsafe"
)

// Image is a file-system image (IFileSystemImage): the next session,
// built on an imported previous one or from scratch. Close it when done;
// a finalizer closes a forgotten one.
type Image struct {
	h C.ms_image
	// The progress callbacks set on the image (nil: none).
	imports, builds *sharedHook
}

// NewImage makes an empty image: ISO 9660 + Joliet, 332,800 free blocks.
func NewImage() (*Image, error) {
	var h C.ms_image
	if err := call(nil, func() C.ms_hresult { return C.ms_image_new(&h) }); err != nil {
		return nil, err
	}
	i := &Image{h: h}
	runtime.SetFinalizer(i, (*Image).Close)
	return i, nil
}

// Close releases the image; closing it again does nothing.
func (i *Image) Close() error {
	err := closeHandle(i, &i.h.id, func(id C.uint64_t) C.ms_hresult { return C.ms_image_release(C.ms_image{id: id}) })
	i.imports.release()
	i.builds.release()
	i.imports, i.builds = nil, nil
	return err
}

// Preparation is what PrepareFor did.
type Preparation struct {
	// Imported: a session was imported; else this is the first session.
	Imported bool
	// ImportedSessionStart is the first block of the imported session;
	// −1 for a first session.
	ImportedSessionStart int32
	// ImportedFileSystem is the file system read; 0 for a first session.
	ImportedFileSystem FileSystems
	// SkippedSessionStart is the start of a newer session without a file
	// system that was passed over; −1 when the newest was imported.
	SkippedSessionStart int32
}

// PrepareFor readies a new image for the next session on rec's medium,
// whatever its state: IMAPI2's whole flow (ChooseImageDefaults on blank
// media, else put_MultisessionInterfaces and ImportFileSystem).
func (i *Image) PrepareFor(rec *Recorder) (Preparation, error) {
	var p C.ms_preparation
	if err := call([]interface{}{i, rec}, func() C.ms_hresult { return C.ms_image_prepare_for(i.h, rec.h, &p) }); err != nil {
		return Preparation{}, i.imports.explain(err)
	}
	return Preparation{
		Imported:             p.how == C.MS_PREPARED_IMPORTED,
		ImportedSessionStart: int32(p.imported_session_start),
		ImportedFileSystem:   FileSystems(p.imported_file_system),
		SkippedSessionStart:  int32(p.skipped_session_start),
	}, nil
}

// SetInterfaces is put_MultisessionInterfaces: hands the image the
// objects (usually all Recorder.MultisessionInterfaces gave) to choose
// from. The image keeps its own references; close yours when done.
func (i *Image) SetInterfaces(objects []*Multisession) error {
	handles := make([]C.ms_multisession, len(objects))
	for n, m := range objects {
		handles[n] = m.h
	}
	var first *C.ms_multisession
	if len(handles) > 0 {
		first = &handles[0]
	}
	return call([]interface{}{i, objects}, func() C.ms_hresult {
		return C.ms_set_interfaces(i.h, first, C.size_t(len(handles)))
	})
}

// Interfaces is get_MultisessionInterfaces: the objects of the last
// successful SetInterfaces. Close each.
func (i *Image) Interfaces() ([]*Multisession, error) {
	var list C.ms_list
	if err := call(i, func() C.ms_hresult { return C.ms_get_interfaces(i.h, &list) }); err != nil {
		return nil, err
	}
	return takeList(list)
}

// ChosenInterface is the object the image uses. Close it.
func (i *Image) ChosenInterface() (*Multisession, error) {
	var h C.ms_multisession
	if err := call(i, func() C.ms_hresult { return C.ms_image_chosen_interface(i.h, &h) }); err != nil {
		return nil, err
	}
	return newMultisession(h), nil
}

func (i *Image) getInt32(get func(C.ms_image, *C.int32_t) C.ms_hresult) (int32, error) {
	var v C.int32_t
	err := call(i, func() C.ms_hresult { return get(i.h, &v) })
	return int32(v), err
}

// SessionStartBlock is where the next session starts on the medium now.
func (i *Image) SessionStartBlock() (int32, error) {
	return i.getInt32(func(h C.ms_image, v *C.int32_t) C.ms_hresult { return C.ms_image_session_start_block(h, v) })
}

// SetSessionStartBlock sets where a first (or single-session) image
// starts; refused once the medium decides (after SetInterfaces).
func (i *Image) SetSessionStartBlock(block int32) error {
	return call(i, func() C.ms_hresult { return C.ms_image_set_session_start_block(i.h, C.int32_t(block)) })
}

// FreeMediaBlocks is the room for the next session (0: unlimited).
func (i *Image) FreeMediaBlocks() (int32, error) {
	return i.getInt32(func(h C.ms_image, v *C.int32_t) C.ms_hresult { return C.ms_image_free_media_blocks(h, v) })
}

// SetFreeMediaBlocks limits the next session (0: unlimited); refused once
// the medium decides.
func (i *Image) SetFreeMediaBlocks(blocks int32) error {
	return call(i, func() C.ms_hresult { return C.ms_image_set_free_media_blocks(i.h, C.int32_t(blocks)) })
}

// FileSystemsToCreate is get_FileSystemsToCreate.
func (i *Image) FileSystemsToCreate() (FileSystems, error) {
	var v C.uint32_t
	err := call(i, func() C.ms_hresult { return C.ms_image_file_systems(i.h, &v) })
	return FileSystems(v), err
}

// SetFileSystemsToCreate is put_FileSystemsToCreate: any of ISO9660,
// Joliet and UDF. ISO 9660 is written as well unless UDF is asked for
// alone (a UDF-only session).
func (i *Image) SetFileSystemsToCreate(fs FileSystems) error {
	return call(i, func() C.ms_hresult { return C.ms_image_set_file_systems(i.h, C.uint32_t(fs)) })
}

// UDFRevision is the revision a session with UDF is written with (0x102
// for UDF 1.02 …).
func (i *Image) UDFRevision() (uint32, error) {
	var v C.uint32_t
	err := call(i, func() C.ms_hresult { return C.ms_image_get_udf_revision(i.h, &v) })
	return uint32(v), err
}

// SetUDFRevision picks one of UDFRevisionsSupported.
func (i *Image) SetUDFRevision(revision uint32) error {
	return call(i, func() C.ms_hresult { return C.ms_image_set_udf_revision(i.h, C.uint32_t(revision)) })
}

// CreateRedundantUdfMetadataFiles tells whether a UDF 2.50 session writes
// its metadata twice, the mirror a copy (true by default, as in IMAPI).
func (i *Image) CreateRedundantUdfMetadataFiles() (bool, error) {
	var v C.bool
	err := call(i, func() C.ms_hresult {
		return C.ms_image_get_create_redundant_udf_metadata_files(i.h, &v)
	})
	return bool(v), err
}

// SetCreateRedundantUdfMetadataFiles with false writes a UDF 2.50
// session's metadata once, its mirror sharing the blocks: about 2 KiB less
// per item, no second copy to read a damaged block from.
func (i *Image) SetCreateRedundantUdfMetadataFiles(redundant bool) error {
	return call(i, func() C.ms_hresult {
		return C.ms_image_set_create_redundant_udf_metadata_files(i.h, C.bool(redundant))
	})
}

// UDFRevisionsSupported lists the UDF revisions the library writes,
// oldest first.
func (i *Image) UDFRevisionsSupported() ([]uint32, error) {
	var revisions [16]C.uint32_t
	var count C.size_t
	if err := call(i, func() C.ms_hresult {
		return C.ms_image_get_udf_revisions_supported(i.h, &revisions[0], C.size_t(len(revisions)), &count)
	}); err != nil {
		return nil, err
	}
	out := make([]uint32, int(count))
	for n := range out {
		out[n] = uint32(revisions[n])
	}
	return out, nil
}

// VolumeName is get_VolumeName.
func (i *Image) VolumeName() (string, error) {
	return readString(i, func(buf *C.char, n C.size_t, needed *C.size_t) C.ms_hresult {
		return C.ms_image_volume_name(i.h, buf, n, needed)
	})
}

// SetVolumeName is put_VolumeName: at most 32 characters.
func (i *Image) SetVolumeName(name string) error {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return call(i, func() C.ms_hresult { return C.ms_image_set_volume_name(i.h, cname) })
}

// ImportedVolumeName is get_ImportedVolumeName; ErrPropertyNotAccessible
// before an import.
func (i *Image) ImportedVolumeName() (string, error) {
	return readString(i, func(buf *C.char, n C.size_t, needed *C.size_t) C.ms_hresult {
		return C.ms_image_imported_volume_name(i.h, buf, n, needed)
	})
}

// ChooseDefaults is ChooseImageDefaults(recorder): the first-session
// setup for the medium in rec.
func (i *Image) ChooseDefaults(rec *Recorder) error {
	return call([]interface{}{i, rec}, func() C.ms_hresult { return C.ms_image_choose_defaults(i.h, rec.h) })
}

// ChooseDefaultsForMediaType is ChooseImageDefaultsForMediaType.
func (i *Image) ChooseDefaultsForMediaType(t PhysicalType) error {
	return call(i, func() C.ms_hresult { return C.ms_image_choose_defaults_for_media_type(i.h, C.uint32_t(t)) })
}

// IdentifyFileSystems is IdentifyFileSystemsOnDisc: the file systems of
// the newest session on rec's medium, or with rec nil on the chosen
// object's.
func (i *Image) IdentifyFileSystems(rec *Recorder) (FileSystems, error) {
	var fs C.uint32_t
	var err error
	if rec == nil {
		err = call(i, func() C.ms_hresult { return C.ms_image_identify_file_systems(i.h, nil, &fs) })
	} else {
		h := rec.h
		err = call([]interface{}{i, rec}, func() C.ms_hresult { return C.ms_image_identify_file_systems(i.h, &h, &fs) })
	}
	return FileSystems(fs), err
}

// DefaultFileSystemForImport is GetDefaultFileSystemForImport: the one
// file system of fs an import reads.
func DefaultFileSystemForImport(fs FileSystems) (FileSystems, error) {
	var v C.uint32_t
	err := call(nil, func() C.ms_hresult { return C.ms_image_default_file_system_for_import(C.uint32_t(fs), &v) })
	return FileSystems(v), err
}

// Import is ImportFileSystem (DefaultFileSystem) or
// ImportSpecificFileSystem: reads the previous session into the image.
func (i *Image) Import(fs FileSystems) (FileSystems, error) {
	var got C.uint32_t
	err := call(i, func() C.ms_hresult { return C.ms_image_import(i.h, C.uint32_t(fs), &got) })
	return FileSystems(got), i.imports.explain(err)
}

// ImportSession imports the complete session starting at start instead of
// the newest one (sequential media; the next session still goes after the
// newest).
func (i *Image) ImportSession(start uint32, fs FileSystems) (FileSystems, error) {
	var got C.uint32_t
	err := call(i, func() C.ms_hresult {
		return C.ms_image_import_session(i.h, C.uint32_t(start), C.uint32_t(fs), &got)
	})
	return FileSystems(got), i.imports.explain(err)
}

// NewestSessionWithFileSystem is the newest complete session on the
// chosen object's sequential medium that holds a file system: its start
// and file systems.
func (i *Image) NewestSessionWithFileSystem() (uint32, FileSystems, error) {
	var start, fs C.uint32_t
	err := call(i, func() C.ms_hresult { return C.ms_image_newest_session_with_file_system(i.h, &start, &fs) })
	return uint32(start), FileSystems(fs), err
}

// AddFile adds the local file local as path; its data is read when the
// session is written.
func (i *Image) AddFile(path, local string, replace bool) error {
	cpath, clocal := C.CString(path), C.CString(local)
	defer C.free(unsafe.Pointer(cpath))
	defer C.free(unsafe.Pointer(clocal))
	return call(i, func() C.ms_hresult { return C.ms_image_add_file(i.h, cpath, clocal, C.bool(replace)) })
}

// AddTree adds the local directory local under dest (AddTree); with
// includeBase as dest/<name of local>, else its contents.
func (i *Image) AddTree(local, dest string, includeBase, replace bool) error {
	clocal, cdest := C.CString(local), C.CString(dest)
	defer C.free(unsafe.Pointer(clocal))
	defer C.free(unsafe.Pointer(cdest))
	return call(i, func() C.ms_hresult {
		return C.ms_image_add_tree(i.h, clocal, cdest, C.bool(includeBase), C.bool(replace))
	})
}

// AddReader adds length bytes read from r as path. r is read once, while
// a result of the image is read or written, possibly from a thread of the
// library's; a reader that ends early or has more fails that read with
// ErrDataStreamInconsistency.
func (i *Image) AddReader(path string, length uint64, r io.Reader, replace bool) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	h := cgo.NewHandle(&readerSource{r: r})
	err := call(i, func() C.ms_hresult {
		return C.ms_go_add_stream(i.h, cpath, C.uint64_t(length), C.uintptr_t(h), C.bool(replace))
	})
	if err != nil {
		h.Delete() // a failed add keeps nothing and calls no release
	}
	return err
}

// Mkdir creates a directory (with parents also the missing ones above).
func (i *Image) Mkdir(path string, parents bool) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return call(i, func() C.ms_hresult { return C.ms_image_mkdir(i.h, cpath, C.bool(parents)) })
}

// Remove takes path out of the next session; imported data stays on the
// medium, unreferenced.
func (i *Image) Remove(path string, recursive bool) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return call(i, func() C.ms_hresult { return C.ms_image_remove(i.h, cpath, C.bool(recursive)) })
}

// Rename renames or moves from to to.
func (i *Image) Rename(from, to string) error {
	cfrom, cto := C.CString(from), C.CString(to)
	defer C.free(unsafe.Pointer(cfrom))
	defer C.free(unsafe.Pointer(cto))
	return call(i, func() C.ms_hresult { return C.ms_image_rename(i.h, cfrom, cto) })
}

// ItemInfo is what is at a path of the image.
type ItemInfo struct {
	Kind ItemKind
	Size uint64
	// OnMedium: the data is already on the disc (imported).
	OnMedium bool
}

// Stat reports what is at path.
func (i *Image) Stat(path string) (ItemInfo, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var info C.ms_item_info
	if err := call(i, func() C.ms_hresult { return C.ms_image_stat(i.h, cpath, &info) }); err != nil {
		return ItemInfo{}, err
	}
	return ItemInfo{Kind: ItemKind(info.kind), Size: uint64(info.size), OnMedium: bool(info.on_medium)}, nil
}

// CreateResult is CreateResultImage: builds the next session. The data of
// added files and readers is read only while the result is read or
// written.
func (i *Image) CreateResult() (*Result, error) {
	var h C.ms_result
	if err := call(i, func() C.ms_hresult { return C.ms_image_create_result(i.h, &h) }); err != nil {
		return nil, err
	}
	r := &Result{h: h, builds: i.builds.retain()}
	runtime.SetFinalizer(r, (*Result).Close)
	return r, nil
}
