package multisession

/*
#include "multisession.h"
*/
import "C"

import "runtime"

// Multisession is one multisession object (IMultisession): what a drive
// says about where the previous session is and where the next one goes,
// read live from the drive. Its Kind says which of the Sequential,
// RandomWrite and PseudoOverwrite views applies; the others fail with
// ErrNoInterface. Close it when done (an image it was given keeps its own
// reference).
type Multisession struct{ h C.ms_multisession }

func newMultisession(h C.ms_multisession) *Multisession {
	m := &Multisession{h: h}
	runtime.SetFinalizer(m, (*Multisession).Close)
	return m
}

// Close releases the object handle; closing it again does nothing.
func (m *Multisession) Close() error {
	return closeHandle(m, &m.h.id, func(id C.uint64_t) C.ms_hresult { return C.ms_multisession_release(C.ms_multisession{id: id}) })
}

// Kind tells which interface the object has.
func (m *Multisession) Kind() (Kind, error) {
	var k C.uint32_t
	err := call(m, func() C.ms_hresult { return C.ms_multisession_kind(m.h, &k) })
	return Kind(k), err
}

// IsSupportedOnCurrentMediaState tells whether this kind of multisession
// can write to the medium in its present state.
func (m *Multisession) IsSupportedOnCurrentMediaState() (bool, error) {
	var v C.bool
	err := call(m, func() C.ms_hresult { return C.ms_is_supported_on_current_media_state(m.h, &v) })
	return bool(v), err
}

// InUse is IMultisession::get_InUse.
func (m *Multisession) InUse() (bool, error) {
	var v C.bool
	err := call(m, func() C.ms_hresult { return C.ms_in_use(m.h, &v) })
	return bool(v), err
}

// SetInUse marks the object as the one an image must use
// (IMultisession::put_InUse).
func (m *Multisession) SetInUse(inUse bool) error {
	return call(m, func() C.ms_hresult { return C.ms_set_in_use(m.h, C.bool(inUse)) })
}

// ImportRecorder opens the drive this object describes. Close it.
func (m *Multisession) ImportRecorder() (*Recorder, error) {
	var h C.ms_recorder
	if err := call(m, func() C.ms_hresult { return C.ms_import_recorder(m.h, &h) }); err != nil {
		return nil, err
	}
	return newRecorder(h), nil
}

// int32Getter is one of the C property getters of a multisession object.
type int32Getter func(C.ms_multisession, *C.int32_t) C.ms_hresult

// readAll reads the properties of one view into dst in order, stopping at
// the first failure.
func (m *Multisession) readAll(getters []int32Getter, dst []*int32) error {
	return call(m, func() C.ms_hresult {
		for i, get := range getters {
			var v C.int32_t
			if hr := get(m.h, &v); hr < 0 {
				return hr
			}
			*dst[i] = int32(v)
		}
		return C.MS_S_OK
	})
}

// SequentialValues are IMultisessionSequential2's properties (CD-R/RW,
// DVD±R, DVD-RW sequential, BD-R). Addresses are −1 where there is none.
type SequentialValues struct {
	IsFirstDataSession                  bool
	StartAddressOfPreviousSession       int32
	LastWrittenAddressOfPreviousSession int32
	NextWritableAddress                 int32
	FreeSectorsOnMedia                  int32
	WriteUnitSize                       int32
}

// Sequential reads the properties of a Sequential object now.
func (m *Multisession) Sequential() (SequentialValues, error) {
	var v SequentialValues
	var first C.bool
	if err := call(m, func() C.ms_hresult { return C.ms_sequential_is_first_data_session(m.h, &first) }); err != nil {
		return SequentialValues{}, err
	}
	v.IsFirstDataSession = bool(first)
	err := m.readAll([]int32Getter{
		func(h C.ms_multisession, p *C.int32_t) C.ms_hresult {
			return C.ms_sequential_start_address_of_previous_session(h, p)
		},
		func(h C.ms_multisession, p *C.int32_t) C.ms_hresult {
			return C.ms_sequential_last_written_address_of_previous_session(h, p)
		},
		func(h C.ms_multisession, p *C.int32_t) C.ms_hresult {
			return C.ms_sequential_next_writable_address(h, p)
		},
		func(h C.ms_multisession, p *C.int32_t) C.ms_hresult {
			return C.ms_sequential_free_sectors_on_media(h, p)
		},
		func(h C.ms_multisession, p *C.int32_t) C.ms_hresult { return C.ms_sequential_write_unit_size(h, p) },
	}, []*int32{&v.StartAddressOfPreviousSession, &v.LastWrittenAddressOfPreviousSession,
		&v.NextWritableAddress, &v.FreeSectorsOnMedia, &v.WriteUnitSize})
	if err != nil {
		return SequentialValues{}, err
	}
	return v, nil
}

// RandomWriteValues are IMultisessionRandomWrite's properties (DVD+RW,
// DVD-RW restricted overwrite, DVD-RAM, BD-RE).
type RandomWriteValues struct {
	WriteUnitSize       int32
	LastWrittenAddress  int32
	TotalSectorsOnMedia int32
}

// RandomWrite reads the properties of a RandomWrite object now.
func (m *Multisession) RandomWrite() (RandomWriteValues, error) {
	var v RandomWriteValues
	err := m.readAll([]int32Getter{
		func(h C.ms_multisession, p *C.int32_t) C.ms_hresult { return C.ms_random_write_write_unit_size(h, p) },
		func(h C.ms_multisession, p *C.int32_t) C.ms_hresult {
			return C.ms_random_write_last_written_address(h, p)
		},
		func(h C.ms_multisession, p *C.int32_t) C.ms_hresult {
			return C.ms_random_write_total_sectors_on_media(h, p)
		},
	}, []*int32{&v.WriteUnitSize, &v.LastWrittenAddress, &v.TotalSectorsOnMedia})
	if err != nil {
		return RandomWriteValues{}, err
	}
	return v, nil
}

// PseudoOverwriteValues are the properties of a BD-R formatted for
// Pseudo-Overwrite.
type PseudoOverwriteValues struct {
	NextWritableAddress int32
	LastRecordedAddress int32
	TotalSectorsOnMedia int32
	WriteUnitSize       int32
}

// PseudoOverwrite reads the properties of a PseudoOverwrite object now.
func (m *Multisession) PseudoOverwrite() (PseudoOverwriteValues, error) {
	var v PseudoOverwriteValues
	err := m.readAll([]int32Getter{
		func(h C.ms_multisession, p *C.int32_t) C.ms_hresult {
			return C.ms_pseudo_overwrite_next_writable_address(h, p)
		},
		func(h C.ms_multisession, p *C.int32_t) C.ms_hresult {
			return C.ms_pseudo_overwrite_last_recorded_address(h, p)
		},
		func(h C.ms_multisession, p *C.int32_t) C.ms_hresult {
			return C.ms_pseudo_overwrite_total_sectors_on_media(h, p)
		},
		func(h C.ms_multisession, p *C.int32_t) C.ms_hresult {
			return C.ms_pseudo_overwrite_write_unit_size(h, p)
		},
	}, []*int32{&v.NextWritableAddress, &v.LastRecordedAddress, &v.TotalSectorsOnMedia, &v.WriteUnitSize})
	if err != nil {
		return PseudoOverwriteValues{}, err
	}
	return v, nil
}
