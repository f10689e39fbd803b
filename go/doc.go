// Package multisession is the Go binding of libmultisession: the Windows
// IMAPI2 multisession model for CD, DVD and BD (where the previous session
// starts, where the next may go, import the previous session's files,
// build and write the next session) on real drives and on the library's
// emulated discs (a sparse image file plus a JSON sidecar).
//
// Import it as
//
//	import multisession "github.com/multisession/multisession/go"
//
// It needs the C library: after the repository's scripts/install into a
// prefix, set PKG_CONFIG_PATH=<prefix>/lib/pkgconfig (and, for a prefix
// the dynamic linker does not search, LD_LIBRARY_PATH=<prefix>/lib when
// running). No CGO_* variables are needed: the package asks pkg-config.
//
// # The flow
//
// Open a Recorder (a drive or an emulated disc), make an Image, and let
// Image.PrepareFor import the newest session (or set up a first one); add
// files with AddFile, AddTree or AddReader (any io.Reader); CreateResult
// builds the session and Recorder.Write writes it. The lower-level IMAPI2
// steps are there as well: Recorder.MultisessionInterfaces gives the
// Multisession objects with their Sequential, RandomWrite and
// PseudoOverwrite views, Image.SetInterfaces and Image.Import use them.
//
// # Resources
//
// Recorder, Multisession, Image, Result and File wrap C handles. Close
// them when done; a finalizer releases a forgotten one, but only when the
// garbage collector gets to it. A handle may be used from any goroutine,
// one call at a time per object.
//
// # Errors
//
// A failed call returns an *Error carrying the HRESULT (Microsoft's
// value), its name and the library's message. The codes callers branch on
// are HRESULT constants usable with errors.Is through any wrapping:
//
//	if errors.Is(err, multisession.ErrMediaNotPresent) { … }
//
// IsCode(err, code) says the same. A write cancelled through its context
// also matches the context's error (context.Canceled).
package multisession
