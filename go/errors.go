package multisession

/*
#include <stdlib.h>
#include "multisession.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

// HRESULT is a status the library returns: Microsoft's value for the
// IMAPI2 or Win32 code. The failure codes a caller branches on are the
// Err… constants; each is an error, so errors.Is(err, ErrItemNotFound)
// tells a failed call's code through any wrapping.
type HRESULT int32

// The codes callers branch on (Microsoft's values). Any other code works
// the same way as HRESULT(value).
const (
	ErrPointer                  HRESULT = C.MS_E_POINTER
	ErrHandle                   HRESULT = C.MS_E_HANDLE
	ErrInvalidArg               HRESULT = C.MS_E_INVALIDARG
	ErrNotImplemented           HRESULT = C.MS_E_NOTIMPL
	ErrNoInterface              HRESULT = C.MS_E_NOINTERFACE
	ErrUnexpected               HRESULT = C.MS_E_UNEXPECTED
	ErrFileExists               HRESULT = C.MS_E_WIN32_FILE_EXISTS
	ErrRequestCancelled         HRESULT = C.MS_E_IMAPI_REQUEST_CANCELLED
	ErrMediaNotPresent          HRESULT = C.MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA
	ErrMediaIncompatible        HRESULT = C.MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE
	ErrMediaWriteProtected      HRESULT = C.MS_E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED
	ErrRecorderLocked           HRESULT = C.MS_E_IMAPI_RECORDER_LOCKED
	ErrInvalidMediaState        HRESULT = C.MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE
	ErrStreamTooLarge           HRESULT = C.MS_E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA
	ErrMediaNotSupported        HRESULT = C.MS_E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED
	ErrEraseMediaNotSupported   HRESULT = C.MS_E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED
	ErrInvalidParam             HRESULT = C.MS_IMAPI_E_INVALID_PARAM
	ErrInvalidVolumeName        HRESULT = C.MS_IMAPI_E_INVALID_VOLUME_NAME
	ErrInvalidPath              HRESULT = C.MS_IMAPI_E_INVALID_PATH
	ErrNotFile                  HRESULT = C.MS_IMAPI_E_NOT_FILE
	ErrNotDir                   HRESULT = C.MS_IMAPI_E_NOT_DIR
	ErrDirNotEmpty              HRESULT = C.MS_IMAPI_E_DIR_NOT_EMPTY
	ErrDupName                  HRESULT = C.MS_IMAPI_E_DUP_NAME
	ErrItemNotFound             HRESULT = C.MS_IMAPI_E_ITEM_NOT_FOUND
	ErrImageTooBig              HRESULT = C.MS_IMAPI_E_IMAGE_TOO_BIG
	ErrDataStreamInconsistency  HRESULT = C.MS_IMAPI_E_DATA_STREAM_INCONSISTENCY
	ErrDataStreamReadFailure    HRESULT = C.MS_IMAPI_E_DATA_STREAM_READ_FAILURE
	ErrDataStreamCreateFailure  HRESULT = C.MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE
	ErrEmptyDisc                HRESULT = C.MS_IMAPI_E_EMPTY_DISC
	ErrNoSupportedFileSystem    HRESULT = C.MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM
	ErrFileSystemNotFound       HRESULT = C.MS_IMAPI_E_FILE_SYSTEM_NOT_FOUND
	ErrImportSeekFailure        HRESULT = C.MS_IMAPI_E_IMPORT_SEEK_FAILURE
	ErrImportReadFailure        HRESULT = C.MS_IMAPI_E_IMPORT_READ_FAILURE
	ErrImportMediaNotAllowed    HRESULT = C.MS_IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED
	ErrIncompatibleMultisession HRESULT = C.MS_IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE
	ErrNoCompatibleMultisession HRESULT = C.MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE
	ErrMultisessionNotSet       HRESULT = C.MS_IMAPI_E_MULTISESSION_NOT_SET
	ErrPropertyNotAccessible    HRESULT = C.MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE
	ErrBadMultisessionParameter HRESULT = C.MS_IMAPI_E_BAD_MULTISESSION_PARAMETER
	ErrUDFRevisionChange        HRESULT = C.MS_IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED
)

// Failed tells a failure code (negative) from a success one.
func (h HRESULT) Failed() bool { return h < 0 }

// String is the code's Microsoft name ("IMAPI_E_ITEM_NOT_FOUND"), or its
// hexadecimal value for a code the library does not know.
func (h HRESULT) String() string {
	text := h.Describe()
	if name, _, found := strings.Cut(text, ":"); found {
		return name
	}
	return fmt.Sprintf("0x%08X", uint32(h))
}

// Describe is the library's fixed text for the code: its name and
// Microsoft's description.
func (h HRESULT) Describe() string {
	text, code := fill(func(buf *C.char, n C.size_t, needed *C.size_t) C.ms_hresult {
		return C.ms_status_describe(C.ms_hresult(h), buf, n, needed)
	})
	if code < 0 {
		return fmt.Sprintf("0x%08X", uint32(h))
	}
	return text
}

// Error makes a code usable as a sentinel with errors.Is.
func (h HRESULT) Error() string {
	return fmt.Sprintf("%s (0x%08X)", h.String(), uint32(h))
}

// Error is a failed call: its HRESULT, the code's name and the detail the
// library gave for this failure. errors.Is(err, code) matches the code;
// a write that a context stopped also matches the context's error.
type Error struct {
	Code    HRESULT
	Name    string
	Message string
	cause   error
}

func (e *Error) Error() string {
	text := fmt.Sprintf("%s (0x%08X)", e.Name, uint32(e.Code))
	if e.Message != "" {
		text += ": " + e.Message
	}
	if e.cause != nil {
		text += " (" + e.cause.Error() + ")"
	}
	return text
}

// Is matches the HRESULT sentinels and an *Error with the same code.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case HRESULT:
		return e.Code == t
	case *Error:
		return e.Code == t.Code
	}
	return false
}

// Unwrap gives what made the library fail, when Go knows it: the context
// error of a cancelled write, or a caller reader's error.
func (e *Error) Unwrap() error { return e.cause }

// IsCode tells whether err, or an error it wraps, is a failure with code.
func IsCode(err error, code HRESULT) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

func lastMessage() string {
	text, _ := fill(func(buf *C.char, n C.size_t, needed *C.size_t) C.ms_hresult {
		return C.ms_last_error_message(buf, n, needed)
	})
	return text
}

// call runs one C function and turns a failure into an *Error. The thread
// stays locked from the call to the message fetch, because the library
// keeps the message per thread. keep is the Go owner of the handles the
// call uses: held alive until the call returns, so that its finalizer
// cannot release a handle in use.
func call(keep interface{}, f func() C.ms_hresult) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	code := f()
	runtime.KeepAlive(keep)
	return failure(code)
}

// closeHandle releases the handle whose id is at id, once: the owner's
// finalizer goes and the id becomes 0, so a second Close does nothing.
func closeHandle(owner interface{}, id *C.uint64_t, release func(C.uint64_t) C.ms_hresult) error {
	if *id == 0 {
		return nil
	}
	runtime.SetFinalizer(owner, nil)
	held := *id
	*id = 0
	return call(nil, func() C.ms_hresult { return release(held) })
}

// failure is the *Error for a failed code, read on the thread that got it.
func failure(code C.ms_hresult) error {
	if code >= 0 {
		return nil
	}
	return &Error{Code: HRESULT(code), Name: HRESULT(code).String(), Message: lastMessage()}
}

// withCause attaches what Go knows about a failure to it.
func withCause(err error, cause error) error {
	var e *Error
	if cause != nil && errors.As(err, &e) && e.cause == nil {
		e.cause = cause
	}
	return err
}

// readString is a call whose answer is a text the library writes into a
// caller's buffer.
func readString(keep interface{}, f func(buf *C.char, n C.size_t, needed *C.size_t) C.ms_hresult) (string, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	text, code := fill(f)
	runtime.KeepAlive(keep)
	return text, failure(code)
}

// fill runs f with a C buffer, once more with a larger one when the
// library says the text needs more room.
func fill(f func(buf *C.char, n C.size_t, needed *C.size_t) C.ms_hresult) (string, C.ms_hresult) {
	size := C.size_t(256)
	for attempt := 0; ; attempt++ {
		buf := (*C.char)(C.malloc(size))
		var needed C.size_t
		code := f(buf, size, &needed)
		text := ""
		if code >= 0 {
			text = C.GoString(buf)
		}
		C.free(unsafe.Pointer(buf))
		if code != C.MS_E_NOT_SUFFICIENT_BUFFER || attempt > 0 || needed <= size {
			return text, code
		}
		size = needed
	}
}
