package multisession

/*
#include <stdlib.h>
#include "multisession.h"
*/
import "C"

import (
	"errors"
	"io"
	"runtime"
	"time"
	"unsafe"
)

// DirEntry is one entry of an image directory.
type DirEntry struct {
	Name string
	Kind ItemKind
	// Size of a file as the medium stores it; 0 otherwise.
	Size uint64
	// ModTime is zero when unknown (items added in memory).
	ModTime time.Time
	// Mode holds the POSIX permission bits (0o7777).
	Mode uint32
	// Target of a symbolic link; empty otherwise.
	Target string
	// OnMedium: the data is on the disc, readable with Image.Open.
	OnMedium bool
}

// ReadDir lists the directory path of the image (imported and added
// entries) in name order.
func (i *Image) ReadDir(path string) ([]DirEntry, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var dir C.ms_dir
	if err := call(i, func() C.ms_hresult { return C.ms_image_open_dir(i.h, cpath, &dir) }); err != nil {
		return nil, err
	}
	defer C.ms_dir_release(dir)
	var count C.size_t
	if err := call(nil, func() C.ms_hresult { return C.ms_dir_count(dir, &count) }); err != nil {
		return nil, err
	}
	out := make([]DirEntry, 0, int(count))
	for n := C.size_t(0); n < count; n++ {
		var e C.ms_dir_entry
		if err := call(nil, func() C.ms_hresult { return C.ms_dir_get(dir, n, &e) }); err != nil {
			return nil, err
		}
		name, err := readString(nil, func(buf *C.char, size C.size_t, needed *C.size_t) C.ms_hresult {
			return C.ms_dir_name(dir, n, buf, size, needed)
		})
		if err != nil {
			return nil, err
		}
		entry := DirEntry{
			Name: name, Kind: ItemKind(e.kind), Size: uint64(e.size),
			Mode: uint32(e.mode), OnMedium: bool(e.on_medium),
		}
		if e.has_mtime {
			entry.ModTime = time.Unix(int64(e.mtime), 0).UTC()
		}
		if entry.Kind == ItemSymlink {
			entry.Target, err = readString(nil, func(buf *C.char, size C.size_t, needed *C.size_t) C.ms_hresult {
				return C.ms_dir_target(dir, n, buf, size, needed)
			})
			if err != nil {
				return nil, err
			}
		}
		out = append(out, entry)
	}
	return out, nil
}

// File is an imported file read back from the medium: an io.Reader from
// its start and an io.ReaderAt anywhere. Close it when done.
type File struct {
	h    C.ms_file
	size int64
}

// Open opens the imported file path for reading from the medium. Files
// added to the image are not on the medium yet: ErrInvalidArg.
func (i *Image) Open(path string) (*File, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var h C.ms_file
	if err := call(i, func() C.ms_hresult { return C.ms_image_open_file(i.h, cpath, &h) }); err != nil {
		return nil, err
	}
	var size C.uint64_t
	if err := call(nil, func() C.ms_hresult { return C.ms_file_size(h, &size) }); err != nil {
		C.ms_file_release(h)
		return nil, err
	}
	f := &File{h: h, size: int64(size)}
	runtime.SetFinalizer(f, (*File).Close)
	return f, nil
}

// Size is the file's length in bytes.
func (f *File) Size() int64 { return f.size }

var errClosed = errors.New("multisession: file already closed")

// Read reads from the file's position on and moves it; io.EOF at the end.
func (f *File) Read(p []byte) (int, error) {
	if f.h.id == 0 {
		return 0, errClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n C.size_t
	err := call(f, func() C.ms_hresult {
		return C.ms_file_read(f.h, (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p)), &n)
	})
	if err != nil {
		return int(n), err
	}
	if n == 0 {
		return 0, io.EOF
	}
	return int(n), nil
}

// ReadAt reads len(p) bytes at offset off without moving the position;
// fewer only at the end of the file, with io.EOF. Safe to call from
// several goroutines at once.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if f.h.id == 0 {
		return 0, errClosed
	}
	if off < 0 {
		return 0, errors.New("multisession: negative offset")
	}
	done := 0
	for done < len(p) {
		var n C.size_t
		err := call(f, func() C.ms_hresult {
			return C.ms_file_read_at(f.h, C.uint64_t(off)+C.uint64_t(done),
				(*C.uint8_t)(unsafe.Pointer(&p[done])), C.size_t(len(p)-done), &n)
		})
		done += int(n)
		if err != nil {
			return done, err
		}
		if n == 0 {
			return done, io.EOF
		}
	}
	return done, nil
}

// Close releases the file; closing it again does nothing.
func (f *File) Close() error {
	return closeHandle(f, &f.h.id, func(id C.uint64_t) C.ms_hresult { return C.ms_file_release(C.ms_file{id: id}) })
}
