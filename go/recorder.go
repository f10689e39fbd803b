package multisession

/*
#include <stdlib.h>
#include "multisession.h"
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// Recorder is a drive, real or emulated (IDiscRecorder2, with the media
// properties and writing of IDiscFormat2Data and IDiscFormat2Erase).
// Close it when done; a finalizer closes a forgotten one.
type Recorder struct{ h C.ms_recorder }

// Open opens a device (/dev/sr0) or an emulated disc image.
func Open(path string) (*Recorder, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var h C.ms_recorder
	if err := call(nil, func() C.ms_hresult { return C.ms_recorder_open(cpath, &h) }); err != nil {
		return nil, err
	}
	return newRecorder(h), nil
}

func newRecorder(h C.ms_recorder) *Recorder {
	r := &Recorder{h: h}
	runtime.SetFinalizer(r, (*Recorder).Close)
	return r
}

// Close releases the recorder; closing it again does nothing.
func (r *Recorder) Close() error {
	return closeHandle(r, &r.h.id, func(id C.uint64_t) C.ms_hresult { return C.ms_recorder_release(C.ms_recorder{id: id}) })
}

// Identity is the drive's INQUIRY identity.
type Identity struct{ Vendor, Product, Revision string }

// Identity reads the drive's vendor, product and revision.
func (r *Recorder) Identity() (Identity, error) {
	var fields [3]string
	for i, field := range []C.uint32_t{C.MS_IDENTITY_VENDOR, C.MS_IDENTITY_PRODUCT, C.MS_IDENTITY_REVISION} {
		field := field
		text, err := readString(r, func(buf *C.char, n C.size_t, needed *C.size_t) C.ms_hresult {
			return C.ms_recorder_identity(r.h, field, buf, n, needed)
		})
		if err != nil {
			return Identity{}, err
		}
		fields[i] = text
	}
	return Identity{fields[0], fields[1], fields[2]}, nil
}

// MediaInfo is what the drive reports about the loaded medium; addresses
// and counts are −1 where there is none.
type MediaInfo struct {
	Profile                             Profile
	PhysicalType                        PhysicalType
	MediaState                          MediaState
	WriteProtect                        WriteProtect
	Sessions                            uint32
	StartAddressOfPreviousSession       int32
	LastWrittenAddressOfPreviousSession int32
	NextWritableAddress                 int32
	FreeSectorsOnMedia                  int32
	TotalSectorsOnMedia                 int32
	LastRecordedAddress                 int32
	WriteUnitSize                       int32
	// PseudoOverwrite: a BD-R formatted for Pseudo-Overwrite.
	PseudoOverwrite bool
}

func mediaInfo(m *C.ms_media_info) MediaInfo {
	return MediaInfo{
		Profile:                             Profile(m.profile),
		PhysicalType:                        PhysicalType(m.physical_type),
		MediaState:                          MediaState(m.media_state),
		WriteProtect:                        WriteProtect(m.write_protect),
		Sessions:                            uint32(m.sessions),
		StartAddressOfPreviousSession:       int32(m.start_address_of_previous_session),
		LastWrittenAddressOfPreviousSession: int32(m.last_written_address_of_previous_session),
		NextWritableAddress:                 int32(m.next_writable_address),
		FreeSectorsOnMedia:                  int32(m.free_sectors_on_media),
		TotalSectorsOnMedia:                 int32(m.total_sectors_on_media),
		LastRecordedAddress:                 int32(m.last_recorded_address),
		WriteUnitSize:                       int32(m.write_unit_size),
		PseudoOverwrite:                     bool(m.pseudo_overwrite),
	}
}

// MediaInfo reads the medium's properties now.
func (r *Recorder) MediaInfo() (MediaInfo, error) {
	var m C.ms_media_info
	if err := call(r, func() C.ms_hresult { return C.ms_recorder_media_info(r.h, &m) }); err != nil {
		return MediaInfo{}, err
	}
	return mediaInfo(&m), nil
}

// WaitForMedium waits up to timeout for a medium to be loaded and ready
// (ErrMediaNotPresent when none is by then), then reads its properties.
func (r *Recorder) WaitForMedium(timeout time.Duration) (MediaInfo, error) {
	var m C.ms_media_info
	ms := C.uint32_t(clampMillis(timeout))
	if err := call(r, func() C.ms_hresult { return C.ms_recorder_wait_for_medium(r.h, ms, &m) }); err != nil {
		return MediaInfo{}, err
	}
	return mediaInfo(&m), nil
}

func clampMillis(d time.Duration) uint32 {
	ms := d.Milliseconds()
	switch {
	case ms < 0:
		return 0
	case ms > int64(^uint32(0)):
		return ^uint32(0)
	}
	return uint32(ms)
}

// MultisessionInterfaces lists the multisession objects the drive offers
// for the loaded medium (IDiscFormat2Data::get_MultisessionInterfaces).
// Close each.
func (r *Recorder) MultisessionInterfaces() ([]*Multisession, error) {
	var list C.ms_list
	if err := call(r, func() C.ms_hresult { return C.ms_recorder_multisession_interfaces(r.h, &list) }); err != nil {
		return nil, err
	}
	return takeList(list)
}

// takeList turns a C list into Multisession values and releases the list.
func takeList(list C.ms_list) ([]*Multisession, error) {
	defer C.ms_list_release(list)
	var count C.size_t
	if err := call(nil, func() C.ms_hresult { return C.ms_list_count(list, &count) }); err != nil {
		return nil, err
	}
	out := make([]*Multisession, 0, int(count))
	for i := C.size_t(0); i < count; i++ {
		var h C.ms_multisession
		if err := call(nil, func() C.ms_hresult { return C.ms_list_get(list, i, &h) }); err != nil {
			for _, o := range out {
				o.Close()
			}
			return nil, err
		}
		out = append(out, newMultisession(h))
	}
	return out, nil
}

// Session is one recorded session of a medium.
type Session struct {
	Number uint32
	Start  int32
	Blocks int32
	// Complete is false for an open session an interrupted write left
	// (see Recover).
	Complete    bool
	FileSystems FileSystems
	// Created is the volume's creation date; zero when unknown.
	Created    time.Time
	VolumeName string
}

// Sessions lists the medium's sessions, oldest first; none on a blank
// medium, one growing volume at 0 on overwritable media.
func (r *Recorder) Sessions() ([]Session, error) {
	var count C.size_t
	err := call(r, func() C.ms_hresult { return C.ms_recorder_sessions(r.h, nil, 0, &count) })
	for IsCode(err, HRESULT(C.MS_E_NOT_SUFFICIENT_BUFFER)) || (err == nil && count > 0) {
		capacity := count
		buf := make([]C.ms_session_info, capacity)
		err = call(r, func() C.ms_hresult { return C.ms_recorder_sessions(r.h, &buf[0], capacity, &count) })
		if err == nil {
			out := make([]Session, int(count))
			for i := range out {
				s := &buf[i]
				out[i] = Session{
					Number:      uint32(s.number),
					Start:       int32(s.start),
					Blocks:      int32(s.blocks),
					Complete:    bool(s.complete),
					FileSystems: FileSystems(s.file_systems),
					VolumeName:  C.GoString(&s.volume_name[0]),
				}
				if s.has_created {
					out[i].Created = time.Unix(int64(s.created), 0).UTC()
				}
			}
			return out, nil
		}
	}
	return nil, err
}

// WriteSpeeds lists the write speeds in kB/s the drive offers for the
// loaded medium, fastest first (1x: 176 on CD, 1,385 on DVD, 4,495 on BD).
func (r *Recorder) WriteSpeeds() ([]uint32, error) {
	var speeds [64]C.uint32_t
	var count C.size_t
	if err := call(r, func() C.ms_hresult {
		return C.ms_recorder_write_speeds(r.h, &speeds[0], C.size_t(len(speeds)), &count)
	}); err != nil {
		return nil, err
	}
	out := make([]uint32, int(count))
	for i := range out {
		out[i] = uint32(speeds[i])
	}
	return out, nil
}

// CurrentWriteSpeed is the write speed in kB/s the drive uses now.
func (r *Recorder) CurrentWriteSpeed() (uint32, error) {
	var kbps C.uint32_t
	err := call(r, func() C.ms_hresult { return C.ms_recorder_current_write_speed(r.h, &kbps) })
	return uint32(kbps), err
}

// SetWriteSpeed asks for writing at kbps kB/s (0: as fast as the medium
// allows); the drive settles on its nearest speed at or below it.
func (r *Recorder) SetWriteSpeed(kbps uint32) error {
	return call(r, func() C.ms_hresult { return C.ms_recorder_set_write_speed(r.h, C.uint32_t(kbps)) })
}

// Eject ejects the medium (IDiscRecorder2::EjectMedia).
func (r *Recorder) Eject() error {
	return call(r, func() C.ms_hresult { return C.ms_recorder_eject(r.h) })
}

// CloseTray closes the tray (IDiscRecorder2::CloseTray); a medium in it
// then shows as newly inserted.
func (r *Recorder) CloseTray() error {
	return call(r, func() C.ms_hresult { return C.ms_recorder_load(r.h) })
}

// PreventRemoval locks (true) or unlocks the tray: while locked, Eject and
// the drive's button are refused.
func (r *Recorder) PreventRemoval(prevent bool) error {
	return call(r, func() C.ms_hresult { return C.ms_recorder_prevent_removal(r.h, C.bool(prevent)) })
}

// AcquireExclusive holds the drive under the name client until
// ReleaseExclusive or the process ends; other processes' writes then fail
// with ErrRecorderLocked.
func (r *Recorder) AcquireExclusive(client string) error {
	cclient := C.CString(client)
	defer C.free(unsafe.Pointer(cclient))
	return call(r, func() C.ms_hresult { return C.ms_recorder_acquire_exclusive(r.h, cclient) })
}

// ReleaseExclusive gives the drive up; nothing when not held.
func (r *Recorder) ReleaseExclusive() error {
	return call(r, func() C.ms_hresult { return C.ms_recorder_release_exclusive(r.h) })
}

// ExclusiveOwner names whoever holds the drive ("name" for this recorder,
// "name (process N)" for another process); empty when nobody does.
func (r *Recorder) ExclusiveOwner() (string, error) {
	return readString(r, func(buf *C.char, n C.size_t, needed *C.size_t) C.ms_hresult {
		return C.ms_recorder_exclusive_owner(r.h, buf, n, needed)
	})
}

// Erase blanks a CD-RW or DVD-RW (full: the whole disc, else the minimal
// blank) and makes a DVD+RW, DVD-RAM or BD-RE look blank
// (IDiscFormat2Erase).
func (r *Recorder) Erase(full bool) error {
	return call(r, func() C.ms_hresult { return C.ms_erase(r.h, C.bool(full)) })
}

// Format formats a DVD+RW or BD-RE (full format).
func (r *Recorder) Format() error {
	return call(r, func() C.ms_hresult { return C.ms_format(r.h) })
}

// Recover makes a sequential disc that an interrupted write left with an
// open session appendable again. Call it before the next import after a
// cancelled or failed write.
func (r *Recorder) Recover() (Recovery, error) {
	var outcome C.uint32_t
	err := call(r, func() C.ms_hresult { return C.ms_recover(r.h, &outcome) })
	return Recovery(outcome), err
}

// CloseDisc finalizes an appendable sequential disc: no session can be
// added after it.
func (r *Recorder) CloseDisc() error {
	return call(r, func() C.ms_hresult { return C.ms_close_disc(r.h) })
}

// Drive is one optical drive the machine has.
type Drive struct {
	// Path is what Open takes.
	Path string
	// Backing is the emulated disc behind a virtual device; empty for a
	// real drive.
	Backing                   string
	Vendor, Product, Revision string
	CurrentProfile            Profile
	Profiles                  []Profile
	Features                  []uint16
}

// Drives lists the machine's optical drives: the virtual devices
// MULTISESSION_VDEV maps, then every /dev/sr* and /dev/sg* that answers
// as an MMC drive within timeout.
func Drives(timeout time.Duration) ([]Drive, error) {
	ms := C.uint32_t(clampMillis(timeout))
	var count C.size_t
	var out []Drive
	err := call(nil, func() C.ms_hresult { return C.ms_enumerate_drives(ms, nil, 0, &count) })
	for IsCode(err, HRESULT(C.MS_E_NOT_SUFFICIENT_BUFFER)) {
		// C memory: a drive entry is large, and the list is scanned again.
		capacity := count
		buf := (*C.ms_drive_info)(C.calloc(capacity, C.size_t(unsafe.Sizeof(C.ms_drive_info{}))))
		err = call(nil, func() C.ms_hresult { return C.ms_enumerate_drives(ms, buf, capacity, &count) })
		if err == nil {
			out = make([]Drive, int(count))
			for i, d := range unsafe.Slice(buf, int(count)) {
				out[i] = Drive{
					Path:           C.GoString(&d.path[0]),
					Backing:        C.GoString(&d.backing[0]),
					Vendor:         C.GoString(&d.vendor[0]),
					Product:        C.GoString(&d.product[0]),
					Revision:       C.GoString(&d.revision[0]),
					CurrentProfile: Profile(d.current_profile),
				}
				for _, p := range d.profiles[:d.profile_count] {
					out[i].Profiles = append(out[i].Profiles, Profile(p))
				}
				for _, f := range d.features[:d.feature_count] {
					out[i].Features = append(out[i].Features, uint16(f))
				}
			}
		}
		C.free(unsafe.Pointer(buf))
	}
	return out, err
}
