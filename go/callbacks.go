package multisession

// The C callbacks the library calls back into: a caller stream's read and
// release, and write progress. Their context is a cgo.Handle; this file's
// preamble may hold declarations only (cgo's rule for //export).

/*
#include "multisession.h"
*/
import "C"

import (
	"errors"
	"io"
	"runtime/cgo"
	"unsafe"
)

// readerSource is what a stream's handle refers to.
type readerSource struct {
	r   io.Reader
	err error
}

//export goMsRead
func goMsRead(context unsafe.Pointer, buf *C.uint8_t, length C.size_t, read *C.size_t) C.ms_hresult {
	src := cgo.Handle(uintptr(context)).Value().(*readerSource)
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(length))
	n, err := io.ReadFull(src.r, dst)
	*read = C.size_t(n)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		src.err = err
		return C.MS_E_FAIL
	}
	return C.MS_S_OK
}

//export goMsRelease
func goMsRelease(context unsafe.Pointer) {
	cgo.Handle(uintptr(context)).Delete()
}

//export goMsProgress
func goMsProgress(context unsafe.Pointer, p *C.ms_progress) C.uint32_t {
	callback := cgo.Handle(uintptr(context)).Value().(func(Progress) bool)
	event := Progress{
		Action:           WriteAction(p.action),
		StartLBA:         int32(p.start_lba),
		SectorCount:      int32(p.sector_count),
		SectorsDone:      int32(p.sectors_done),
		LastWrittenLBA:   int32(p.last_written_lba),
		ElapsedSeconds:   float64(p.elapsed_seconds),
		RemainingSeconds: float64(p.remaining_seconds),
	}
	if callback(event) {
		return C.MS_CONTINUE
	}
	return C.MS_CANCEL
}
