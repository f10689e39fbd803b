package multisession

/*
#include "multisession.h"

extern uint32_t goMsImportProgress(void *context, const ms_import_progress *progress);
extern uint32_t goMsBuildProgress(void *context, const ms_build_progress *progress);
extern uint32_t goMsEraseProgress(void *context, const ms_erase_progress *progress);

static inline ms_hresult ms_go_set_import_progress(ms_image image, uintptr_t hook) {
	return ms_image_set_import_progress(image, hook ? goMsImportProgress : NULL, (void *)hook);
}

static inline ms_hresult ms_go_set_build_progress(ms_image image, uintptr_t hook) {
	return ms_image_set_build_progress(image, hook ? goMsBuildProgress : NULL, (void *)hook);
}

static inline ms_hresult ms_go_erase_with_progress(ms_recorder rec, bool full, uintptr_t hook) {
	return ms_erase_with_progress(rec, full, goMsEraseProgress, (void *)hook);
}

static inline ms_hresult ms_go_format_with_progress(ms_recorder rec, uintptr_t hook) {
	return ms_format_with_progress(rec, goMsEraseProgress, (void *)hook);
}
*/
import "C"

import (
	"context"
	"runtime/cgo"
	"sync"
	"sync/atomic"
)

// ImportProgress is one item an import took into the image
// (DFileSystemImageImportEvents::UpdateImport). The totals are those of
// the whole session, known from the first event.
type ImportProgress struct {
	FileSystem             FileSystems
	CurrentItem            string
	ImportedDirectoryItems int32
	TotalDirectoryItems    int32
	// File items count symbolic links too.
	ImportedFileItems int32
	TotalFileItems    int32
}

// BuildProgress is one step of copying a file's data while a result is
// read or written (DFileSystemImageEvents::Update): before its first
// sector (CopiedSectors 0), after every MiB, and after its last sector.
type BuildProgress struct {
	CurrentFile   string
	CopiedSectors int32
	TotalSectors  int32
}

// EraseProgress is one erase or format event
// (DDiscFormat2EraseEvents::Update), in seconds like Progress.
type EraseProgress struct {
	ElapsedSeconds float64
	// EstimatedTotalSeconds is the medium's usual time, never below
	// ElapsedSeconds and equal to it in the last event.
	EstimatedTotalSeconds float64
}

// canceller answers the library's progress callbacks: go on, or cancel
// because the caller's callback returned an error or the call's context
// is done. It keeps that reason for the error the cancelled call returns.
type canceller struct {
	ctx   context.Context // nil: no context to watch
	mu    sync.Mutex      // the library may call back on a thread of its own
	cause error
}

func (c *canceller) answer(err error) C.uint32_t {
	if err == nil && c.ctx != nil {
		err = c.ctx.Err()
	}
	if err == nil {
		return C.MS_CONTINUE
	}
	c.mu.Lock()
	if c.cause == nil {
		c.cause = err
	}
	c.mu.Unlock()
	return C.MS_CANCEL
}

// explain attaches the reason of a cancel to the call's error, then
// forgets it: a cancel the library ignored (an erase already started)
// must not explain a later failure.
func (c *canceller) explain(err error) error {
	c.mu.Lock()
	cause := c.cause
	c.cause = nil
	c.mu.Unlock()
	if !IsCode(err, ErrRequestCancelled) {
		return err
	}
	return withCause(err, cause)
}

// imageSink is what the handle of a callback set on an image refers to.
type imageSink[E any] struct {
	canceller
	callback func(E) error
}

type eraseSink struct {
	canceller
	callback func(EraseProgress)
}

// sharedHook is the handle of a callback set on an image. The library
// calls it for the image and for every result built while it was set,
// even after the image is closed or the callback replaced, so each of
// them holds a reference and the last to go deletes the handle.
type sharedHook struct {
	handle cgo.Handle
	cancel *canceller
	refs   int32
}

// newSharedHook is the hook of progress; nil for none.
func newSharedHook[E any](progress func(E) error) *sharedHook {
	if progress == nil {
		return nil
	}
	sink := &imageSink[E]{callback: progress}
	return &sharedHook{handle: cgo.NewHandle(sink), cancel: &sink.canceller, refs: 1}
}

func (s *sharedHook) c() C.uintptr_t {
	if s == nil {
		return 0
	}
	return C.uintptr_t(s.handle)
}

func (s *sharedHook) retain() *sharedHook {
	if s != nil {
		atomic.AddInt32(&s.refs, 1)
	}
	return s
}

func (s *sharedHook) release() {
	if s != nil && atomic.AddInt32(&s.refs, -1) == 0 {
		s.handle.Delete()
	}
}

func (s *sharedHook) explain(err error) error {
	if s == nil {
		return err
	}
	return s.cancel.explain(err)
}

// setHook puts hook (nil: none) on the image through set, and drops the
// image's reference to the one it replaces.
func (i *Image) setHook(slot **sharedHook, hook *sharedHook, set func(C.uintptr_t) C.ms_hresult) error {
	if err := call(i, func() C.ms_hresult { return set(hook.c()) }); err != nil {
		hook.release()
		return err
	}
	(*slot).release()
	*slot = hook
	return nil
}

// SetImportProgress sets the callback told of each item that Import,
// ImportSession and PrepareFor take into the image; nil removes it. A
// callback's error cancels the import: it fails with ErrRequestCancelled
// (errors.Is(err, yourError) holds as well) and the image is as it was
// before, so the import can be made again. The callback runs on the
// importing goroutine and must not use the image.
func (i *Image) SetImportProgress(progress func(ImportProgress) error) error {
	return i.setHook(&i.imports, newSharedHook(progress), func(h C.uintptr_t) C.ms_hresult { return C.ms_go_set_import_progress(i.h, h) })
}

// SetBuildProgress sets the callback told how the file data of the
// results created from the image from now on is copied, while they are
// read (Result.ReadBlocks) or written (Recorder.Write); nil removes it for
// later results. A callback's error cancels that read or write with
// ErrRequestCancelled (errors.Is(err, yourError) holds as well); a
// cancelled write leaves the previous session current and intact, as
// cancelling Write's context does.
func (i *Image) SetBuildProgress(progress func(BuildProgress) error) error {
	return i.setHook(&i.builds, newSharedHook(progress), func(h C.uintptr_t) C.ms_hresult { return C.ms_go_set_build_progress(i.h, h) })
}

// EraseWithProgress is Erase with IDiscFormat2Erase's events: one before
// the drive is told, one per poll while it reports the blank in
// progress, one when it is done. A drive cannot stop a blank it started,
// so ctx cancels only before that: then the call fails with
// ErrRequestCancelled (errors.Is(err, ctx.Err()) holds as well) and the
// medium is unchanged. progress may be nil.
func (r *Recorder) EraseWithProgress(ctx context.Context, full bool, progress func(EraseProgress)) error {
	return r.watchErase(ctx, progress, func(h C.uintptr_t) C.ms_hresult { return C.ms_go_erase_with_progress(r.h, C.bool(full), h) })
}

// FormatWithProgress is Format with the events and cancel rule of
// EraseWithProgress.
func (r *Recorder) FormatWithProgress(ctx context.Context, progress func(EraseProgress)) error {
	return r.watchErase(ctx, progress, func(h C.uintptr_t) C.ms_hresult { return C.ms_go_format_with_progress(r.h, h) })
}

func (r *Recorder) watchErase(ctx context.Context, progress func(EraseProgress), run func(C.uintptr_t) C.ms_hresult) error {
	sink := &eraseSink{canceller: canceller{ctx: ctx}, callback: progress}
	h := cgo.NewHandle(sink)
	defer h.Delete()
	err := call(r, func() C.ms_hresult { return run(C.uintptr_t(h)) })
	return sink.explain(err)
}
