package multisession

// The C callbacks the library calls back into: a caller stream's read and
// release, write, import, build and erase progress, and the log. Their context is a cgo.Handle
// (the log's is process-wide, see SetLogger); this file's preamble may
// hold declarations only (cgo's rule for //export).

/*
#include "multisession.h"
*/
import "C"

import (
	"context"
	"errors"
	"io"
	"runtime/cgo"
	"unsafe"
)

// readerSource is what a stream's handle refers to. err keeps the
// reader's failure, which the library reduces to a code.
type readerSource struct {
	r   io.Reader
	ctx context.Context
	err error
}

//export goMsRead
func goMsRead(handle unsafe.Pointer, buf *C.uint8_t, length C.size_t, read *C.size_t) C.ms_hresult {
	src := cgo.Handle(uintptr(handle)).Value().(*readerSource)
	*read = 0
	if src.ctx != nil {
		if err := src.ctx.Err(); err != nil {
			src.err = err
			return C.MS_E_ABORT
		}
	}
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
func goMsRelease(handle unsafe.Pointer) {
	cgo.Handle(uintptr(handle)).Delete()
}

//export goMsProgress
func goMsProgress(handle unsafe.Pointer, p *C.ms_progress) C.uint32_t {
	sink := cgo.Handle(uintptr(handle)).Value().(*progressSink)
	if sink.callback != nil {
		sink.callback(Progress{
			Action:           WriteAction(p.action),
			StartLBA:         int32(p.start_lba),
			SectorCount:      int32(p.sector_count),
			SectorsDone:      int32(p.sectors_done),
			LastWrittenLBA:   int32(p.last_written_lba),
			ElapsedSeconds:   float64(p.elapsed_seconds),
			RemainingSeconds: float64(p.remaining_seconds),
		})
	}
	return sink.answer(nil)
}

//export goMsImportProgress
func goMsImportProgress(handle unsafe.Pointer, p *C.ms_import_progress) C.uint32_t {
	sink := cgo.Handle(uintptr(handle)).Value().(*imageSink[ImportProgress])
	return sink.answer(sink.callback(ImportProgress{
		FileSystem:             FileSystems(p.file_system),
		CurrentItem:            C.GoString(p.current_item),
		ImportedDirectoryItems: int32(p.imported_directory_items),
		TotalDirectoryItems:    int32(p.total_directory_items),
		ImportedFileItems:      int32(p.imported_file_items),
		TotalFileItems:         int32(p.total_file_items),
	}))
}

//export goMsBuildProgress
func goMsBuildProgress(handle unsafe.Pointer, p *C.ms_build_progress) C.uint32_t {
	sink := cgo.Handle(uintptr(handle)).Value().(*imageSink[BuildProgress])
	return sink.answer(sink.callback(BuildProgress{
		CurrentFile:   C.GoString(p.current_file),
		CopiedSectors: int32(p.copied_sectors),
		TotalSectors:  int32(p.total_sectors),
	}))
}

//export goMsEraseProgress
func goMsEraseProgress(handle unsafe.Pointer, p *C.ms_erase_progress) C.uint32_t {
	sink := cgo.Handle(uintptr(handle)).Value().(*eraseSink)
	if sink.callback != nil {
		sink.callback(EraseProgress{
			ElapsedSeconds:        float64(p.elapsed_seconds),
			EstimatedTotalSeconds: float64(p.estimated_total_seconds),
		})
	}
	return sink.answer(nil)
}

//export goMsLog
func goMsLog(_ unsafe.Pointer, level C.uint32_t, message *C.char) {
	if logger, ok := currentLogger.Load().(Logger); ok && logger != nil {
		logger(LogLevel(level), C.GoString(message))
	}
}
