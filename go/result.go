package multisession

/*
#include <stdlib.h>
#include "multisession.h"
*/
import "C"

import "unsafe"

// BlockSize is the size of a logical block of the media.
const BlockSize = 2048

// Result is a built session (IFileSystemImageResult), streamed on demand
// from the image's sources. Close it when done; a finalizer closes a
// forgotten one.
type Result struct {
	h C.ms_result
	// builds is the image's build progress callback when the result was
	// created (nil: none); the library calls it while the result is read.
	builds *sharedHook
}

// Close releases the result; closing it again does nothing.
func (r *Result) Close() error {
	err := closeHandle(r, &r.h.id, func(id C.uint64_t) C.ms_hresult { return C.ms_result_release(C.ms_result{id: id}) })
	r.builds.release()
	r.builds = nil
	return err
}

// StartBlock is the LBA block 0 of the result goes to.
func (r *Result) StartBlock() (int32, error) {
	var v C.int32_t
	err := call(r, func() C.ms_hresult { return C.ms_result_start_block(r.h, &v) })
	return int32(v), err
}

// TotalBlocks is the session's length in blocks.
func (r *Result) TotalBlocks() (int32, error) {
	var v C.int32_t
	err := call(r, func() C.ms_hresult { return C.ms_result_total_blocks(r.h, &v) })
	return int32(v), err
}

// ReadBlocks fills buf (a multiple of BlockSize) from block first on.
// Reading in order is cheapest; a caller's reader cannot go back.
func (r *Result) ReadBlocks(first uint32, buf []byte) error {
	return r.fill(buf, func(p *C.uint8_t, n C.size_t) C.ms_hresult { return C.ms_result_read(r.h, C.uint32_t(first), p, n) })
}

// Anchor is where the commit anchor goes on overwritable media (LBA 16)
// and how many blocks it has; −1 and 0 for a result without one.
func (r *Result) Anchor() (lba, blocks int32, err error) {
	var l, b C.int32_t
	err = call(r, func() C.ms_hresult { return C.ms_result_anchor(r.h, &l, &b) })
	return int32(l), int32(b), err
}

// ReadAnchor fills buf (exactly the anchor's blocks) with the anchor.
func (r *Result) ReadAnchor(buf []byte) error {
	return r.fill(buf, func(p *C.uint8_t, n C.size_t) C.ms_hresult { return C.ms_result_read_anchor(r.h, p, n) })
}

// fill runs a read into C memory and copies it to buf: readers added with
// AddReader run inside the call, and Go memory must not be handed to C
// across a call back into Go.
func (r *Result) fill(buf []byte, read func(*C.uint8_t, C.size_t) C.ms_hresult) error {
	if len(buf) == 0 {
		return nil
	}
	cbuf := C.malloc(C.size_t(len(buf)))
	defer C.free(cbuf)
	err := r.builds.explain(call(r, func() C.ms_hresult { return read((*C.uint8_t)(cbuf), C.size_t(len(buf))) }))
	if err == nil {
		copy(buf, unsafe.Slice((*byte)(cbuf), len(buf)))
	}
	return err
}
