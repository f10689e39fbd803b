package multisession

/*
#cgo pkg-config: multisession
#include <stdlib.h>
#include "multisession.h"

extern void goMsLog(void *context, uint32_t level, char *message);

static inline ms_hresult ms_go_set_log(uint32_t level, bool on) {
	return ms_set_log_callback(level, on ? (ms_log_fn)goMsLog : NULL, NULL);
}
*/
import "C"

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// Version is the library's version ("0.1.0").
func Version() string { return C.GoString(C.ms_version()) }

// ABIVersion is the C ABI version of the loaded library.
func ABIVersion() (major, minor uint32) {
	v := uint32(C.ms_abi_version())
	return v >> 16, v & 0xFFFF
}

// HeaderABIVersion is the C ABI version of the header this package was
// built with; the loaded library must have the same major and at least
// this minor.
func HeaderABIVersion() (major, minor uint32) {
	return C.MS_ABI_VERSION_MAJOR, C.MS_ABI_VERSION_MINOR
}

// Logger receives the library's log lines. It may be called from several
// threads at once and must not call SetLogger.
type Logger func(level LogLevel, message string)

var (
	currentLogger atomic.Value // Logger
	loggerMu      sync.Mutex
)

// SetLogger sends the library's log up to level to logger (LogWarning:
// the detail of every failed call; LogDebug: every drive command too);
// LogOff or a nil logger stops it. Process-wide; replaces an earlier one.
func SetLogger(level LogLevel, logger Logger) error {
	loggerMu.Lock()
	defer loggerMu.Unlock()
	on := logger != nil && level != LogOff
	if err := call(nil, func() C.ms_hresult { return C.ms_go_set_log(C.uint32_t(level), C.bool(on)) }); err != nil {
		return err
	}
	currentLogger.Store(logger)
	return nil
}

// CreateEmulatedDisc makes a blank emulated disc at path (a sparse image
// file and its JSON sidecar) of the given profile, with capacity blocks
// (0: the profile's usual capacity). A disc already at path is refused
// with ErrFileExists and left unchanged.
func CreateEmulatedDisc(path string, profile Profile, capacity uint32) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return call(nil, func() C.ms_hresult {
		return C.ms_emulator_create(cpath, C.uint16_t(profile), C.uint32_t(capacity))
	})
}

// ReplaceEmulatedDisc is CreateEmulatedDisc that blanks a disc already at
// path: every session recorded on it is lost.
func ReplaceEmulatedDisc(path string, profile Profile, capacity uint32) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return call(nil, func() C.ms_hresult {
		return C.ms_emulator_create_ex(cpath, C.uint16_t(profile), C.uint32_t(capacity), true)
	})
}
