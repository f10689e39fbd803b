package multisession

/*
#include <stdlib.h>
#include "multisession.h"

extern ms_hresult goMsRead(void *context, uint8_t *buf, size_t len, size_t *read);
extern void goMsRelease(void *context);
extern uint32_t goMsProgress(void *context, const ms_progress *progress);

static inline ms_progress_fn ms_go_progress(uintptr_t handle) {
	return handle ? goMsProgress : NULL;
}

static inline ms_hresult ms_go_write(ms_recorder rec, ms_result result, const ms_write_options *options,
                                     uintptr_t progress) {
	return ms_write(rec, result, options, ms_go_progress(progress), (void *)progress);
}

static inline ms_hresult ms_go_write_with_cancel(ms_recorder rec, ms_result result,
                                                 const ms_write_options *options, uintptr_t progress,
                                                 ms_cancel token) {
	return ms_write_with_cancel(rec, result, options, ms_go_progress(progress), (void *)progress, token);
}

static inline ms_hresult ms_go_write_stream(ms_recorder rec, uint64_t size, uintptr_t source,
                                            const ms_write_options *options, uintptr_t progress) {
	return ms_write_stream(rec, size, goMsRead, goMsRelease, (void *)source, options,
	                       ms_go_progress(progress), (void *)progress);
}

static inline ms_hresult ms_go_write_iso_file(ms_recorder rec, const char *path,
                                              const ms_write_options *options, uintptr_t progress) {
	return ms_write_iso_file(rec, path, options, ms_go_progress(progress), (void *)progress);
}
*/
import "C"

import (
	"context"
	"io"
	"runtime/cgo"
	"sync"
	"unsafe"
)

// Progress is one write event (IDiscFormat2DataEventArgs).
type Progress struct {
	Action         WriteAction
	StartLBA       int32
	SectorCount    int32
	SectorsDone    int32
	LastWrittenLBA int32
	// Elapsed and Remaining are in seconds; Remaining is −1 until a rate
	// is known.
	ElapsedSeconds   float64
	RemainingSeconds float64
}

// WriteOptions are IDiscFormat2Data's write properties. Start from
// DefaultWriteOptions.
type WriteOptions struct {
	// ForceMediaToBeClosed finalizes the disc after this session.
	ForceMediaToBeClosed bool
	// DisableConsumerDvdCompatibilityMode keeps a DVD+R appendable
	// (IMAPI's default closes it).
	DisableConsumerDvdCompatibilityMode bool
	// ForceOverwrite lets a session without a commit anchor replace an
	// ISO 9660 volume on overwritable media.
	ForceOverwrite bool
	// Verify reads the session back and compares it.
	Verify bool
	// ProgressIntervalMs is the least time between two progress events
	// (action changes are always reported).
	ProgressIntervalMs uint32
	// Progress, if not nil, gets every event, on the writing goroutine.
	// To stop the write, cancel its context.
	Progress func(Progress)
}

// DefaultWriteOptions are IMAPI's defaults: nothing forced, no verify, an
// event every 500 ms.
func DefaultWriteOptions() WriteOptions {
	var o C.ms_write_options
	C.ms_write_options_default(&o)
	return WriteOptions{
		ForceMediaToBeClosed:                bool(o.force_media_to_be_closed),
		DisableConsumerDvdCompatibilityMode: bool(o.disable_consumer_dvd_compatibility_mode),
		ForceOverwrite:                      bool(o.force_overwrite),
		Verify:                              bool(o.verify),
		ProgressIntervalMs:                  uint32(o.progress_interval_ms),
	}
}

func (o *WriteOptions) c() *C.ms_write_options {
	// C memory: the options stay readable while callbacks run in Go.
	p := (*C.ms_write_options)(C.malloc(C.size_t(unsafe.Sizeof(C.ms_write_options{}))))
	*p = C.ms_write_options{
		force_media_to_be_closed:                C.bool(o.ForceMediaToBeClosed),
		disable_consumer_dvd_compatibility_mode: C.bool(o.DisableConsumerDvdCompatibilityMode),
		force_overwrite:                         C.bool(o.ForceOverwrite),
		verify:                                  C.bool(o.Verify),
		progress_interval_ms:                    C.uint32_t(o.ProgressIntervalMs),
	}
	return p
}

// progressSink is what a write's progress handle refers to: the caller's
// callback, and the context a write without a cancel token watches.
type progressSink struct {
	canceller
	callback func(Progress)
}

// progressHandle is the C context of a write's progress callback; 0 when
// nothing needs events.
func progressHandle(ctx context.Context, callback func(Progress), watchContext bool) (C.uintptr_t, func()) {
	if callback == nil && (!watchContext || ctx.Done() == nil) {
		return 0, func() {}
	}
	sink := &progressSink{callback: callback}
	if watchContext {
		sink.ctx = ctx
	}
	h := cgo.NewHandle(sink)
	return C.uintptr_t(h), h.Delete
}

// Write writes result as the next session on the medium
// (IDiscFormat2Data::Write). Cancelling ctx stops the write before its
// next block through the library's cancel token: it then fails with
// ErrRequestCancelled (errors.Is(err, ctx.Err()) holds as well) and the
// previous session stays current; call Recover before the next import.
func (r *Recorder) Write(ctx context.Context, result *Result, options WriteOptions) error {
	o := options.c()
	defer C.free(unsafe.Pointer(o))
	progress, done := progressHandle(ctx, options.Progress, false)
	defer done()
	keep := []interface{}{r, result}
	if ctx.Done() == nil {
		return result.builds.explain(call(keep, func() C.ms_hresult { return C.ms_go_write(r.h, result.h, o, progress) }))
	}
	var token C.ms_cancel
	if err := call(nil, func() C.ms_hresult { return C.ms_cancel_new(&token) }); err != nil {
		return err
	}
	defer C.ms_cancel_release(token)
	if ctx.Err() != nil {
		// Already cancelled: say so before the write starts, not when the
		// watcher goroutine gets to run (a short write could finish first).
		_ = C.ms_cancel_request(token)
	}
	stop := make(chan struct{})
	var watcher sync.WaitGroup
	watcher.Add(1)
	go func() {
		defer watcher.Done()
		select {
		case <-ctx.Done():
			_ = C.ms_cancel_request(token)
		case <-stop:
		}
	}()
	err := call(keep, func() C.ms_hresult { return C.ms_go_write_with_cancel(r.h, result.h, o, progress, token) })
	close(stop)
	watcher.Wait()
	return withCause(result.builds.explain(err), ctx.Err())
}

// WriteStream writes size bytes read from src as the next session, padded
// to whole blocks: at the next writable address on sequential media; on
// overwritable media at 0 when blank, else after the volume (then src
// must be an ISO 9660 image built for that address, see
// Image.SessionStartBlock). Cancelling ctx stops the write at its next
// progress event or read, failing with ErrRequestCancelled or
// ErrDataStreamReadFailure; errors.Is(err, ctx.Err()) holds for both.
func (r *Recorder) WriteStream(ctx context.Context, src io.Reader, size uint64, options WriteOptions) error {
	o := options.c()
	defer C.free(unsafe.Pointer(o))
	progress, done := progressHandle(ctx, options.Progress, true)
	defer done()
	source := &readerSource{r: src, ctx: ctx}
	h := cgo.NewHandle(source) // released by the library, also on failure
	err := call(r, func() C.ms_hresult { return C.ms_go_write_stream(r.h, C.uint64_t(size), C.uintptr_t(h), o, progress) })
	return withCause(withCause(err, source.err), ctx.Err())
}

// WriteISOFile writes the ISO image file at path as the next session, as
// WriteStream does with its bytes (cdrecord image.iso, growisofs -M
// /dev/dvd=image.iso). Cancelling ctx stops it at the next progress event.
func (r *Recorder) WriteISOFile(ctx context.Context, path string, options WriteOptions) error {
	o := options.c()
	defer C.free(unsafe.Pointer(o))
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	progress, done := progressHandle(ctx, options.Progress, true)
	defer done()
	err := call(r, func() C.ms_hresult { return C.ms_go_write_iso_file(r.h, cpath, o, progress) })
	return withCause(err, ctx.Err())
}
