package multisession

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// pattern gives n deterministic bytes.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31) + seed ^ byte(i>>11)
	}
	return b
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newDisc creates a blank emulated disc of profile in a temp dir and
// opens it.
func newDisc(t *testing.T, profile Profile) (*Recorder, string) {
	t.Helper()
	disc := filepath.Join(t.TempDir(), "disc.img")
	must(t, CreateEmulatedDisc(disc, profile, 0))
	rec, err := Open(disc)
	must(t, err)
	t.Cleanup(func() { rec.Close() })
	return rec, disc
}

// appendOptions keep DVD+R appendable and report every event.
func appendOptions() WriteOptions {
	o := DefaultWriteOptions()
	o.DisableConsumerDvdCompatibilityMode = true
	o.ProgressIntervalMs = 0
	return o
}

// writeSession builds and writes img on rec, checking the progress events.
func writeSession(t *testing.T, rec *Recorder, img *Image) {
	t.Helper()
	result, err := img.CreateResult()
	must(t, err)
	defer result.Close()
	start, err := result.StartBlock()
	must(t, err)
	want, err := img.SessionStartBlock()
	must(t, err)
	if start != want {
		t.Fatalf("result starts at %d, image says %d", start, want)
	}
	var events []Progress
	options := appendOptions()
	options.Progress = func(p Progress) { events = append(events, p) }
	must(t, rec.Write(context.Background(), result, options))
	if len(events) < 2 || events[len(events)-1].Action != Completed {
		t.Fatalf("progress events %+v", events)
	}
	for i := 1; i < len(events); i++ {
		a, b := events[i-1], events[i]
		if b.Action < a.Action || (b.Action == a.Action && b.SectorsDone < a.SectorsDone) {
			t.Fatalf("progress not monotonic: %+v then %+v", a, b)
		}
	}
}

// addAndWrite writes one session holding files (path → data) on top of
// what the disc has.
func addAndWrite(t *testing.T, rec *Recorder, files map[string][]byte) {
	t.Helper()
	img, err := NewImage()
	must(t, err)
	defer img.Close()
	_, err = img.PrepareFor(rec)
	must(t, err)
	for path, data := range files {
		if dir := filepath.Dir(path); dir != "/" {
			must(t, img.Mkdir(dir, true))
		}
		must(t, img.AddReader(path, uint64(len(data)), bytes.NewReader(data), false))
	}
	writeSession(t, rec, img)
}

// imageFor puts rec's list on a new image and imports, or, on a blank
// write-once disc (the put fails), takes the recorder's defaults: the
// IMAPI2 steps that PrepareFor does in one call.
func imageFor(t *testing.T, rec *Recorder) (*Image, bool) {
	t.Helper()
	img, err := NewImage()
	must(t, err)
	objects, err := rec.MultisessionInterfaces()
	must(t, err)
	defer func() {
		for _, o := range objects {
			must(t, o.Close())
		}
	}()
	if err := img.SetInterfaces(objects); err != nil {
		if !errors.Is(err, ErrImportSeekFailure) {
			t.Fatalf("put: %v", err)
		}
		must(t, img.ChooseDefaults(rec))
		return img, false
	}
	fs, err := img.Import(DefaultFileSystem)
	if errors.Is(err, ErrEmptyDisc) {
		return img, false
	}
	must(t, err)
	// IMAPI2's order over what the session holds: UDF where the first
	// session got the disc's defaults (write-once media), else Joliet.
	found, err := img.IdentifyFileSystems(nil)
	must(t, err)
	want := Joliet
	if found&UDF != 0 {
		want = UDF
	}
	if fs != want {
		t.Fatalf("imported %v from %v, want %v", fs, found, want)
	}
	return img, true
}

func TestMsinfoFlowPrintsTheCdrecordLineOfAnAppendableCdR(t *testing.T) {
	rec, _ := newDisc(t, ProfileCDR)

	// Blank: the Sequential object says -1 and 0; the put refuses it.
	objects, err := rec.MultisessionInterfaces()
	must(t, err)
	if len(objects) != 1 {
		t.Fatalf("%d objects on a CD-R", len(objects))
	}
	if k, _ := objects[0].Kind(); k != Sequential {
		t.Fatalf("kind %v", k)
	}
	v, err := objects[0].Sequential()
	must(t, err)
	if v.StartAddressOfPreviousSession != -1 || v.NextWritableAddress != 0 || !v.IsFirstDataSession {
		t.Fatalf("blank values %+v", v)
	}
	must(t, objects[0].Close())

	img, imported := imageFor(t, rec)
	if imported {
		t.Fatal("imported from a blank disc")
	}
	must(t, img.AddReader("/hello.txt", 6, bytes.NewReader([]byte("hello\n")), false))
	writeSession(t, rec, img)
	must(t, img.Close())

	// Appendable: the msinfo line is "previous start,next writable".
	objects, err = rec.MultisessionInterfaces()
	must(t, err)
	v, err = objects[0].Sequential()
	must(t, err)
	info, err := rec.MediaInfo()
	must(t, err)
	line := fmt.Sprintf("%d,%d", v.StartAddressOfPreviousSession, v.NextWritableAddress)
	if line != fmt.Sprintf("0,%d", info.NextWritableAddress) || v.NextWritableAddress <= 0 {
		t.Fatalf("msinfo %q, media %+v", line, info)
	}
	img, err = NewImage()
	must(t, err)
	defer img.Close()
	must(t, img.SetInterfaces(objects))
	for _, o := range objects {
		must(t, o.Close())
	}
	start, err := img.SessionStartBlock()
	must(t, err)
	if start != v.NextWritableAddress {
		t.Fatalf("SessionStartBlock %d, NWA %d", start, v.NextWritableAddress)
	}
}

func TestAppendKeepsOldFilesAndAddsNewOnes(t *testing.T) {
	for _, profile := range []Profile{ProfileCDR, ProfileDVDPlusR, ProfileBDR, ProfileDVDPlusRW, ProfileBDRE} {
		t.Run(profile.String(), func(t *testing.T) {
			rec, disc := newDisc(t, profile)
			local := filepath.Join(t.TempDir(), "local.txt")
			must(t, os.WriteFile(local, []byte("from a path\n"), 0o644))
			img, _ := imageFor(t, rec)
			must(t, img.SetVolumeName("Go one"))
			must(t, img.Mkdir("/docs", false))
			must(t, img.AddFile("/docs/one.txt", local, false))
			writeSession(t, rec, img)
			must(t, img.Close())
			must(t, rec.Close())

			rec, err := Open(disc)
			must(t, err)
			img, imported := imageFor(t, rec)
			if !imported {
				t.Fatal("nothing imported from session 1")
			}
			name, err := img.ImportedVolumeName()
			must(t, err)
			if name != "Go one" {
				t.Fatalf("imported volume name %q", name)
			}
			data := pattern(100_000, 9)
			must(t, img.AddReader("/docs/two.bin", uint64(len(data)), bytes.NewReader(data), false))
			if err := img.AddFile("/docs/one.txt", local, false); !errors.Is(err, ErrDupName) {
				t.Fatalf("duplicate add: %v", err)
			}
			// The result streams the reader's data where the session puts it.
			result, err := img.CreateResult()
			must(t, err)
			total, err := result.TotalBlocks()
			must(t, err)
			block := make([]byte, BlockSize*17)
			must(t, result.ReadBlocks(0, block))
			if !bytes.Equal(block[16*BlockSize:16*BlockSize+6], []byte("\x01CD001")) || total < 50 {
				t.Fatalf("no primary descriptor at block 16 of %d", total)
			}
			must(t, result.Close())
			must(t, img.Close())

			// The reader was consumed by that read-through: add it again and write.
			img, _ = imageFor(t, rec)
			must(t, img.AddReader("/docs/two.bin", uint64(len(data)), bytes.NewReader(data), false))
			must(t, img.AddFile("/three.txt", local, false))
			writeSession(t, rec, img)
			must(t, img.Close())
			must(t, rec.Close())

			rec, err = Open(disc)
			must(t, err)
			defer rec.Close()
			img, imported = imageFor(t, rec)
			defer img.Close()
			if !imported {
				t.Fatal("nothing imported from session 2")
			}
			for path, size := range map[string]uint64{"/docs/one.txt": 12, "/docs/two.bin": 100_000, "/three.txt": 12} {
				info, err := img.Stat(path)
				must(t, err)
				if info.Kind != ItemFile || info.Size != size || !info.OnMedium {
					t.Fatalf("%s: %+v", path, info)
				}
			}
			if _, err := img.Stat("/missing"); !errors.Is(err, ErrItemNotFound) {
				t.Fatalf("stat of a missing path: %v", err)
			}
		})
	}
}

// cancelAfterFirstBlocks cancels ctx once data is being written, then
// waits a little so that the cancel reaches the library mid-write.
func cancelAfterFirstBlocks(cancel context.CancelFunc) func(Progress) {
	return func(p Progress) {
		if p.Action == WritingData && p.SectorsDone > 0 {
			cancel()
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestCancellingTheContextStopsTheWriteAndKeepsThePreviousSession(t *testing.T) {
	rec, _ := newDisc(t, ProfileBDR)
	addAndWrite(t, rec, map[string][]byte{"/kept.bin": pattern(4000, 1)})

	img, _ := imageFor(t, rec)
	must(t, img.AddReader("/big.bin", 8<<20, bytes.NewReader(pattern(8<<20, 2)), false))
	result, err := img.CreateResult()
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	options := appendOptions()
	options.Progress = cancelAfterFirstBlocks(cancel)
	err = rec.Write(ctx, result, options)
	if !errors.Is(err, ErrRequestCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled write: %v", err)
	}
	must(t, result.Close())
	must(t, img.Close())

	recovered, err := rec.Recover()
	must(t, err)
	if recovered != RecoveryRestored {
		t.Fatalf("recovery after the cancel: %v", recovered)
	}
	img, imported := imageFor(t, rec)
	defer img.Close()
	if !imported {
		t.Fatal("nothing imported after the cancel")
	}
	if _, err := img.Stat("/kept.bin"); err != nil {
		t.Fatal(err)
	}
	if _, err := img.Stat("/big.bin"); !errors.Is(err, ErrItemNotFound) {
		t.Fatalf("the cancelled file is visible: %v", err)
	}
}

func TestAContextCancelledBeforeTheWriteWritesNothing(t *testing.T) {
	rec, _ := newDisc(t, ProfileCDR)
	img, _ := imageFor(t, rec)
	defer img.Close()
	must(t, img.AddReader("/a.txt", 3, strings.NewReader("abc"), false))
	result, err := img.CreateResult()
	must(t, err)
	defer result.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = rec.Write(ctx, result, appendOptions())
	if !IsCode(err, ErrRequestCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("write with a cancelled context: %v", err)
	}
	info, err := rec.MediaInfo()
	must(t, err)
	if info.Sessions != 0 {
		t.Fatalf("%d sessions after a cancelled first write", info.Sessions)
	}
}

func TestErrorsMatchTheirCodeThroughWrapping(t *testing.T) {
	img, err := NewImage()
	must(t, err)
	_, err = img.Import(DefaultFileSystem)
	var e *Error
	if !errors.As(err, &e) || e.Code != ErrMultisessionNotSet || e.Name != "IMAPI_E_MULTISESSION_NOT_SET" || e.Message == "" {
		t.Fatalf("%#v", err)
	}
	wrapped := fmt.Errorf("importing: %w", err)
	if !errors.Is(wrapped, ErrMultisessionNotSet) || !IsCode(wrapped, ErrMultisessionNotSet) {
		t.Fatalf("wrapping lost the code: %v", wrapped)
	}
	if errors.Is(wrapped, ErrEmptyDisc) || IsCode(wrapped, ErrEmptyDisc) {
		t.Fatal("matched another code")
	}
	if !strings.Contains(err.Error(), "IMAPI_E_MULTISESSION_NOT_SET (0xC0AAB15D)") {
		t.Fatalf("message %q", err.Error())
	}
	closed := &Image{h: img.h}
	must(t, img.Close())
	must(t, img.Close()) // closing twice does nothing
	if err := closed.Mkdir("/x", false); !errors.Is(err, ErrHandle) {
		t.Fatalf("released image: %v", err)
	}
}

func TestHresultsNameThemselves(t *testing.T) {
	if s := ErrItemNotFound.String(); s != "IMAPI_E_ITEM_NOT_FOUND" {
		t.Fatalf("String %q", s)
	}
	if d := ErrMediaNotPresent.Describe(); !strings.HasPrefix(d, "E_IMAPI_RECORDER_MEDIA_NO_MEDIA: ") {
		t.Fatalf("Describe %q", d)
	}
	if !ErrHandle.Failed() || HRESULT(0).Failed() {
		t.Fatal("Failed")
	}
}

func TestEnumsPrintTheirNames(t *testing.T) {
	for _, c := range []struct {
		got  fmt.Stringer
		want string
	}{
		{RandomWrite, "RandomWrite"}, {ProfileBDRE, "BD-RE"}, {Profile(0x1234), "profile 0x1234"},
		{Joliet | UDF, "Joliet|UDF"}, {MediaStateAppendable | MediaStateNonEmptySession, "APPENDABLE|NON_EMPTY_SESSION"},
		{WritingData, "WritingData"}, {ItemSymlink, "symlink"}, {RecoveryEmptied, "emptied"},
		{LogDebug, "debug"}, {PhysicalType(18), "IMAPI_MEDIA_TYPE_BDR"}, {WriteProtect(0), "none"},
	} {
		if s := c.got.String(); s != c.want {
			t.Errorf("%#v prints %q, want %q", c.got, s, c.want)
		}
	}
}

func TestAnExistingEmulatedDiscIsRefusedUnlessReplaced(t *testing.T) {
	disc := filepath.Join(t.TempDir(), "existing.img")
	must(t, CreateEmulatedDisc(disc, ProfileCDR, 0))
	sidecar, err := os.ReadFile(disc + ".json")
	must(t, err)
	if err := CreateEmulatedDisc(disc, ProfileDVDPlusR, 0); !errors.Is(err, ErrFileExists) {
		t.Fatalf("second create: %v", err)
	}
	again, err := os.ReadFile(disc + ".json")
	must(t, err)
	if string(again) != string(sidecar) {
		t.Fatal("the refused create changed the sidecar")
	}
	must(t, ReplaceEmulatedDisc(disc, ProfileDVDPlusR, 0))
	rec, err := Open(disc)
	must(t, err)
	defer rec.Close()
	info, err := rec.MediaInfo()
	must(t, err)
	if info.Profile != ProfileDVDPlusR {
		t.Fatalf("replaced disc is %v", info.Profile)
	}
}

func TestRandomWriteViewMatchesTheMediaInfoOfOverwritableMedia(t *testing.T) {
	for _, profile := range []Profile{ProfileDVDPlusRW, ProfileBDRE} {
		t.Run(profile.String(), func(t *testing.T) {
			rec, _ := newDisc(t, profile)
			addAndWrite(t, rec, map[string][]byte{"/a.bin": pattern(70_000, 3)})
			objects, err := rec.MultisessionInterfaces()
			must(t, err)
			defer objects[0].Close()
			if k, _ := objects[0].Kind(); len(objects) != 1 || k != RandomWrite {
				t.Fatalf("%d objects, first %v", len(objects), k)
			}
			v, err := objects[0].RandomWrite()
			must(t, err)
			info, err := rec.MediaInfo()
			must(t, err)
			if v.TotalSectorsOnMedia != info.TotalSectorsOnMedia || v.WriteUnitSize != info.WriteUnitSize ||
				v.LastWrittenAddress != info.LastRecordedAddress || v.LastWrittenAddress < 16 {
				t.Fatalf("view %+v, media %+v", v, info)
			}
			if _, err := objects[0].Sequential(); !errors.Is(err, ErrNoInterface) {
				t.Fatalf("Sequential view of a RandomWrite object: %v", err)
			}
			if _, err := objects[0].PseudoOverwrite(); !errors.Is(err, ErrNoInterface) {
				t.Fatalf("PseudoOverwrite view of a RandomWrite object: %v", err)
			}
		})
	}
}

func TestPseudoOverwriteViewOfAPowFormattedBdR(t *testing.T) {
	disc := filepath.Join(t.TempDir(), "pow.img")
	must(t, CreateEmulatedDisc(disc, ProfileBDR, 0))
	// The sidecar's "format" makes the blank BD-R a POW-formatted one.
	sidecar, err := os.ReadFile(disc + ".json")
	must(t, err)
	pow := strings.Replace(string(sidecar), `"format": "unformatted"`, `"format": "srm_pow"`, 1)
	if pow == string(sidecar) {
		t.Fatalf("no format in the sidecar:\n%s", sidecar)
	}
	must(t, os.WriteFile(disc+".json", []byte(pow), 0o644))
	rec, err := Open(disc)
	must(t, err)
	defer rec.Close()

	info, err := rec.MediaInfo()
	must(t, err)
	if !info.PseudoOverwrite {
		t.Fatalf("not POW: %+v", info)
	}
	objects, err := rec.MultisessionInterfaces()
	must(t, err)
	var kinds []Kind
	for _, o := range objects {
		defer o.Close()
		k, err := o.Kind()
		must(t, err)
		kinds = append(kinds, k)
		if k != PseudoOverwrite {
			continue
		}
		v, err := o.PseudoOverwrite()
		must(t, err)
		if v.NextWritableAddress != info.NextWritableAddress || v.TotalSectorsOnMedia != info.TotalSectorsOnMedia ||
			v.LastRecordedAddress != info.LastRecordedAddress || v.WriteUnitSize != 32 {
			t.Fatalf("view %+v, media %+v", v, info)
		}
		if _, err := o.RandomWrite(); !errors.Is(err, ErrNoInterface) {
			t.Fatalf("RandomWrite view of a PseudoOverwrite object: %v", err)
		}
	}
	if fmt.Sprint(kinds) != "[Sequential PseudoOverwrite]" {
		t.Fatalf("objects of a POW BD-R: %v", kinds)
	}
}

func TestObjectsSayWhetherTheyApplyAndTheImageChoosesTheOneInUse(t *testing.T) {
	rec, disc := newDisc(t, ProfileCDR)
	addAndWrite(t, rec, map[string][]byte{"/a": []byte("a")})
	objects, err := rec.MultisessionInterfaces()
	must(t, err)
	defer objects[0].Close()
	ok, err := objects[0].IsSupportedOnCurrentMediaState()
	must(t, err)
	inUse, err := objects[0].InUse()
	must(t, err)
	if !ok || inUse {
		t.Fatalf("supported %v, in use %v", ok, inUse)
	}
	must(t, objects[0].SetInUse(true))
	img, err := NewImage()
	must(t, err)
	defer img.Close()
	must(t, img.SetInterfaces(objects))
	chosen, err := img.ChosenInterface()
	must(t, err)
	defer chosen.Close()
	if inUse, _ := chosen.InUse(); !inUse {
		t.Fatal("the chosen object is not the one in use")
	}
	held, err := img.Interfaces()
	must(t, err)
	if len(held) != 1 {
		t.Fatalf("image holds %d objects", len(held))
	}
	must(t, held[0].Close())
	drive, err := chosen.ImportRecorder()
	must(t, err)
	defer drive.Close()
	first, err := drive.MediaInfo()
	must(t, err)
	if first.Sessions != 1 {
		t.Fatalf("import recorder of %s sees %+v", disc, first)
	}
	if err := img.SetSessionStartBlock(100); !errors.Is(err, ErrPropertyNotAccessible) {
		t.Fatalf("start block after the put: %v", err)
	}
}

func TestBrowsingReadsImportedFilesAsReadersAndReaderAts(t *testing.T) {
	rec, _ := newDisc(t, ProfileDVDPlusR)
	big := pattern(300_000, 5)
	addAndWrite(t, rec, map[string][]byte{"/dir/big.bin": big, "/dir/small.txt": []byte("small\n")})

	img, err := NewImage()
	must(t, err)
	defer img.Close()
	prep, err := img.PrepareFor(rec)
	must(t, err)
	if !prep.Imported || prep.ImportedSessionStart != 0 || prep.SkippedSessionStart != -1 {
		t.Fatalf("preparation %+v", prep)
	}
	must(t, img.AddReader("/dir/added.txt", 1, strings.NewReader("x"), false))
	entries, err := img.ReadDir("/dir")
	must(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, fmt.Sprintf("%s:%v:%d:%v", e.Name, e.Kind, e.Size, e.OnMedium))
	}
	if strings.Join(names, " ") != "added.txt:file:1:false big.bin:file:300000:true small.txt:file:6:true" {
		t.Fatalf("entries %v", names)
	}
	if entries[1].ModTime.IsZero() || entries[1].Mode == 0 {
		t.Fatalf("imported entry without time or mode: %+v", entries[1])
	}

	f, err := img.Open("/dir/big.bin")
	must(t, err)
	defer f.Close()
	var _ io.ReaderAt = f
	all, err := io.ReadAll(f)
	must(t, err)
	if f.Size() != int64(len(big)) || !bytes.Equal(all, big) {
		t.Fatalf("read %d bytes of %d", len(all), f.Size())
	}
	part := make([]byte, 5000)
	n, err := f.ReadAt(part, 123_456)
	must(t, err)
	if n != len(part) || !bytes.Equal(part, big[123_456:128_456]) {
		t.Fatal("ReadAt gave other bytes")
	}
	tail := make([]byte, 100)
	if n, err := f.ReadAt(tail, int64(len(big))-10); n != 10 || err != io.EOF {
		t.Fatalf("ReadAt over the end: %d, %v", n, err)
	}
	if _, err := img.Open("/dir/added.txt"); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("opening an added file: %v", err)
	}
	if _, err := img.ReadDir("/dir/small.txt"); !errors.Is(err, ErrNotDir) {
		t.Fatalf("listing a file: %v", err)
	}
	must(t, f.Close())
	if _, err := f.Read(part); err == nil {
		t.Fatal("read after close")
	}
}

func TestSessionsListEverySessionAndCloseDiscFinalizes(t *testing.T) {
	rec, _ := newDisc(t, ProfileCDR)
	addAndWrite(t, rec, map[string][]byte{"/one": []byte("1")})
	addAndWrite(t, rec, map[string][]byte{"/two": []byte("2")})
	sessions, err := rec.Sessions()
	must(t, err)
	if len(sessions) != 2 || sessions[0].Number != 1 || sessions[1].Start <= sessions[0].Start ||
		!sessions[1].Complete || sessions[1].FileSystems&ISO9660 == 0 || sessions[1].Created.IsZero() {
		t.Fatalf("sessions %+v", sessions)
	}
	img, err := NewImage()
	must(t, err)
	defer img.Close()
	objects, err := rec.MultisessionInterfaces()
	must(t, err)
	must(t, img.SetInterfaces(objects))
	objects[0].Close()
	start, fs, err := img.NewestSessionWithFileSystem()
	must(t, err)
	if int32(start) != sessions[1].Start || fs != sessions[1].FileSystems {
		t.Fatalf("newest with a file system: %d %v", start, fs)
	}
	_, err = img.ImportSession(uint32(sessions[0].Start), DefaultFileSystem)
	must(t, err)
	if _, err := img.Stat("/two"); !errors.Is(err, ErrItemNotFound) {
		t.Fatalf("the first session holds /two: %v", err)
	}

	must(t, rec.CloseDisc())
	info, err := rec.MediaInfo()
	must(t, err)
	if info.MediaState&MediaStateFinalized == 0 {
		t.Fatalf("closed disc is %v", info.MediaState)
	}
	if err := rec.CloseDisc(); !errors.Is(err, ErrInvalidMediaState) {
		t.Fatalf("closing twice: %v", err)
	}
}

func TestEraseAndFormatFollowWhatEachMediumAllows(t *testing.T) {
	cd, _ := newDisc(t, ProfileCDR)
	if err := cd.Erase(false); !errors.Is(err, ErrEraseMediaNotSupported) {
		t.Fatalf("erasing a CD-R: %v", err)
	}
	bd, _ := newDisc(t, ProfileBDRE)
	must(t, bd.Format())
	addAndWrite(t, bd, map[string][]byte{"/a": []byte("a")})
	if s, err := bd.Sessions(); err != nil || len(s) != 1 {
		t.Fatalf("sessions before the erase: %v %v", s, err)
	}
	must(t, bd.Erase(false))
	s, err := bd.Sessions()
	must(t, err)
	img, err := NewImage()
	must(t, err)
	defer img.Close()
	prep, err := img.PrepareFor(bd)
	must(t, err)
	if len(s) != 0 || prep.Imported {
		t.Fatalf("after the erase: sessions %v, preparation %+v", s, prep)
	}
}

var errStop = errors.New("stop here")

func TestImportProgressCountsTheItemsOfAKnownTreeAndACancelLeavesTheImageUsable(t *testing.T) {
	rec, _ := newDisc(t, ProfileCDR)
	addAndWrite(t, rec, map[string][]byte{
		"/top.txt": []byte("top"), "/a/one": []byte("one"), "/a/b/two": []byte("two"), "/c/three": []byte("three"),
	})
	img, err := NewImage()
	must(t, err)
	defer img.Close()
	var events []ImportProgress
	cancelAt := 3
	must(t, img.SetImportProgress(func(p ImportProgress) error {
		events = append(events, p)
		if len(events) == cancelAt {
			return errStop
		}
		return nil
	}))

	// Cancelled at the third item: nothing of the session is in the image.
	_, err = img.PrepareFor(rec)
	if !errors.Is(err, ErrRequestCancelled) || !errors.Is(err, errStop) || len(events) != 3 {
		t.Fatalf("cancelled import: %v after %d events", err, len(events))
	}
	if _, err := img.Stat("/top.txt"); !errors.Is(err, ErrItemNotFound) {
		t.Fatalf("after the cancel, /top.txt: %v", err)
	}

	// The same image imports again, to the end: every item once, with the
	// totals of the tree (3 directories, 4 files) from the first event on.
	events, cancelAt = nil, 0
	_, err = img.PrepareFor(rec)
	must(t, err)
	var items []string
	for n, p := range events {
		items = append(items, p.CurrentItem)
		if p.TotalDirectoryItems != 3 || p.TotalFileItems != 4 ||
			p.ImportedDirectoryItems+p.ImportedFileItems != int32(n+1) || p.FileSystem == 0 {
			t.Fatalf("event %d: %+v", n, p)
		}
	}
	sort.Strings(items)
	want := []string{"/a", "/a/b", "/a/b/two", "/a/one", "/c", "/c/three", "/top.txt"}
	if strings.Join(items, " ") != strings.Join(want, " ") {
		t.Fatalf("imported items %v", items)
	}
	if last := events[len(events)-1]; last.ImportedDirectoryItems != 3 || last.ImportedFileItems != 4 {
		t.Fatalf("last event %+v", last)
	}

	// The image writes the next session holding both sessions' files.
	must(t, img.AddReader("/next.txt", 4, strings.NewReader("next"), false))
	writeSession(t, rec, img)
	check, err := NewImage()
	must(t, err)
	defer check.Close()
	must(t, check.SetImportProgress(func(ImportProgress) error { return errStop }))
	must(t, check.SetImportProgress(nil))
	_, err = check.PrepareFor(rec)
	must(t, err)
	for _, path := range []string{"/a/b/two", "/next.txt"} {
		if _, err := check.Stat(path); err != nil {
			t.Fatalf("%s after the next session: %v", path, err)
		}
	}
}

func TestBuildProgressIsSeenWhileWritingAndItsErrorCancelsTheWrite(t *testing.T) {
	rec, _ := newDisc(t, ProfileDVDPlusRW)
	addAndWrite(t, rec, map[string][]byte{"/kept.bin": pattern(4000, 1)})
	local := filepath.Join(t.TempDir(), "big.bin")
	must(t, os.WriteFile(local, pattern(7<<19, 3), 0o644)) // 3.5 MiB: 1792 sectors

	img, err := NewImage()
	must(t, err)
	_, err = img.PrepareFor(rec)
	must(t, err)
	must(t, img.AddFile("/big.bin", local, false))
	var copied []int32
	record := func(stopFrom int32) func(BuildProgress) error {
		copied = nil
		return func(p BuildProgress) error {
			if p.CurrentFile != "/big.bin" {
				return nil
			}
			if p.TotalSectors != 1792 {
				t.Errorf("event %+v", p)
			}
			copied = append(copied, p.CopiedSectors)
			if stopFrom > 0 && p.CopiedSectors >= stopFrom {
				return errStop
			}
			return nil
		}
	}

	// Stopped once 2 MiB are copied: the disc still shows the first session.
	must(t, img.SetBuildProgress(record(1024)))
	result, err := img.CreateResult()
	must(t, err)
	err = rec.Write(context.Background(), result, appendOptions())
	if !errors.Is(err, ErrRequestCancelled) || !errors.Is(err, errStop) {
		t.Fatalf("write cancelled by the build callback: %v", err)
	}
	must(t, result.Close())
	if fmt.Sprint(copied) != "[0 512 1024]" {
		t.Fatalf("copied before the cancel %v", copied)
	}
	check, _ := imageFor(t, rec)
	if _, err := check.Stat("/big.bin"); !errors.Is(err, ErrItemNotFound) {
		t.Fatalf("the cancelled file: %v", err)
	}
	must(t, check.Close())

	// A result keeps the callback it was built with after the image is
	// closed; written whole, it reports each MiB and the end.
	must(t, img.SetBuildProgress(record(0)))
	result, err = img.CreateResult()
	must(t, err)
	defer result.Close()
	must(t, img.Close())
	runtime.GC()
	must(t, rec.Write(context.Background(), result, appendOptions()))
	if fmt.Sprint(copied) != "[0 512 1024 1536 1792]" {
		t.Fatalf("copied %v", copied)
	}
	check, _ = imageFor(t, rec)
	defer check.Close()
	for _, path := range []string{"/kept.bin", "/big.bin"} {
		if _, err := check.Stat(path); err != nil {
			t.Fatalf("%s after the write: %v", path, err)
		}
	}
}

// withDriveQuirks reopens the emulated disc with quirks added to its
// sidecar (<image>.json), closing rec first.
func withDriveQuirks(t *testing.T, rec *Recorder, disc string, quirks map[string]interface{}) *Recorder {
	t.Helper()
	must(t, rec.Close())
	text, err := os.ReadFile(disc + ".json")
	must(t, err)
	var sidecar map[string]interface{}
	must(t, json.Unmarshal(text, &sidecar))
	sidecar["quirks"] = quirks
	text, err = json.Marshal(sidecar)
	must(t, err)
	must(t, os.WriteFile(disc+".json", text, 0o644))
	rec, err = Open(disc)
	must(t, err)
	t.Cleanup(func() { rec.Close() })
	return rec
}

// eraseEvents records erase or format events and checks that time only
// grows and the estimate covers it.
func eraseEvents(t *testing.T, events *[]EraseProgress) func(EraseProgress) {
	return func(p EraseProgress) {
		if n := len(*events); n > 0 && p.ElapsedSeconds < (*events)[n-1].ElapsedSeconds {
			t.Errorf("elapsed went back: %+v after %+v", p, (*events)[n-1])
		}
		if p.EstimatedTotalSeconds < p.ElapsedSeconds {
			t.Errorf("estimate below elapsed: %+v", p)
		}
		*events = append(*events, p)
	}
}

func TestEraseWithProgressReportsTheBusyPollsAndAContextCancelsBeforeTheDrive(t *testing.T) {
	rec, disc := newDisc(t, ProfileCDRW)
	addAndWrite(t, rec, map[string][]byte{"/old.txt": []byte("old")})
	// The drive stays busy for three polls after an Immed BLANK.
	rec = withDriveQuirks(t, rec, disc, map[string]interface{}{"immed_busy_polls": 3})

	var events []EraseProgress
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := rec.EraseWithProgress(ctx, false, eraseEvents(t, &events))
	if !errors.Is(err, ErrRequestCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("erase with a cancelled context: %v", err)
	}
	if len(events) != 1 || events[0].ElapsedSeconds != 0 || events[0].EstimatedTotalSeconds <= 0 {
		t.Fatalf("events of the cancelled erase %+v", events)
	}
	if s, err := rec.Sessions(); err != nil || len(s) != 1 {
		t.Fatalf("sessions after the cancelled erase: %v %v", s, err)
	}

	// The start, one event per busy poll, the end with elapsed == estimate.
	events = nil
	must(t, rec.EraseWithProgress(context.Background(), false, eraseEvents(t, &events)))
	last := events[len(events)-1]
	if len(events) != 5 || last.ElapsedSeconds <= 0 || last.ElapsedSeconds != last.EstimatedTotalSeconds {
		t.Fatalf("erase events %+v", events)
	}
	if s, err := rec.Sessions(); err != nil || len(s) != 0 {
		t.Fatalf("sessions after the erase: %v %v", s, err)
	}
	addAndWrite(t, rec, map[string][]byte{"/new.txt": []byte("new")})
}

func TestFormatWithProgressReportsStartAndEndAndAContextCancelsBeforeTheDrive(t *testing.T) {
	rec, _ := newDisc(t, ProfileBDRE)
	var events []EraseProgress
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := rec.FormatWithProgress(ctx, eraseEvents(t, &events))
	if !errors.Is(err, ErrRequestCancelled) || !errors.Is(err, context.Canceled) || len(events) != 1 {
		t.Fatalf("format with a cancelled context: %v after %+v", err, events)
	}

	events = nil
	must(t, rec.FormatWithProgress(context.Background(), eraseEvents(t, &events)))
	last := events[len(events)-1]
	if len(events) < 2 || last.ElapsedSeconds != last.EstimatedTotalSeconds {
		t.Fatalf("format events %+v", events)
	}
	must(t, rec.FormatWithProgress(context.Background(), nil))
	addAndWrite(t, rec, map[string][]byte{"/after.txt": []byte("after")})
}

func TestDriveIdentitySpeedsTrayAndExclusiveAccess(t *testing.T) {
	rec, _ := newDisc(t, ProfileDVDPlusR)
	id, err := rec.Identity()
	must(t, err)
	if id.Vendor != "MSEMU" || id.Product == "" || id.Revision == "" {
		t.Fatalf("identity %+v", id)
	}

	speeds, err := rec.WriteSpeeds()
	must(t, err)
	if len(speeds) < 2 || speeds[0] <= speeds[len(speeds)-1] {
		t.Fatalf("speeds %v", speeds)
	}
	must(t, rec.SetWriteSpeed(speeds[len(speeds)-1]))
	current, err := rec.CurrentWriteSpeed()
	must(t, err)
	if current != speeds[len(speeds)-1] {
		t.Fatalf("current speed %d after asking for %d", current, speeds[len(speeds)-1])
	}

	must(t, rec.PreventRemoval(true))
	if err := rec.Eject(); err == nil {
		t.Fatal("ejected while removal is prevented")
	}
	must(t, rec.PreventRemoval(false))
	must(t, rec.Eject())
	if _, err := rec.MediaInfo(); !errors.Is(err, ErrMediaNotPresent) {
		t.Fatalf("media info with the tray open: %v", err)
	}
	if _, err := rec.WaitForMedium(100 * time.Millisecond); !errors.Is(err, ErrMediaNotPresent) {
		t.Fatalf("waiting with the tray open: %v", err)
	}
	must(t, rec.CloseTray())
	info, err := rec.WaitForMedium(5 * time.Second)
	must(t, err)
	if info.Profile != ProfileDVDPlusR || info.MediaState&MediaStateBlank == 0 {
		t.Fatalf("after closing the tray: %+v", info)
	}

	owner, err := rec.ExclusiveOwner()
	must(t, err)
	if owner != "" {
		t.Fatalf("owner before acquiring: %q", owner)
	}
	if err := rec.AcquireExclusive(""); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("empty client name: %v", err)
	}
	must(t, rec.AcquireExclusive("go-test"))
	owner, err = rec.ExclusiveOwner()
	must(t, err)
	if owner != "go-test" {
		t.Fatalf("owner %q", owner)
	}
	must(t, rec.ReleaseExclusive())
	if owner, _ := rec.ExclusiveOwner(); owner != "" {
		t.Fatalf("owner after release: %q", owner)
	}
}

func TestWriteStreamWritesAReaderAndWriteIsoFileAFile(t *testing.T) {
	// An ISO built by an image for a blank disc, read out of its result.
	img, err := NewImage()
	must(t, err)
	defer img.Close()
	must(t, img.ChooseDefaultsForMediaType(MediaTypeCDR))
	must(t, img.AddReader("/s.txt", 7, strings.NewReader("stream\n"), false))
	result, err := img.CreateResult()
	must(t, err)
	total, err := result.TotalBlocks()
	must(t, err)
	iso := make([]byte, int(total)*BlockSize)
	must(t, result.ReadBlocks(0, iso))
	must(t, result.Close())

	rec, _ := newDisc(t, ProfileCDR)
	must(t, rec.WriteStream(context.Background(), bytes.NewReader(iso), uint64(len(iso)), appendOptions()))
	check := func(rec *Recorder, path string) {
		t.Helper()
		got, err := NewImage()
		must(t, err)
		defer got.Close()
		_, err = got.PrepareFor(rec)
		must(t, err)
		if _, err := got.Stat(path); err != nil {
			t.Fatal(err)
		}
	}
	check(rec, "/s.txt")

	file := filepath.Join(t.TempDir(), "image.iso")
	must(t, os.WriteFile(file, iso, 0o644))
	other, _ := newDisc(t, ProfileBDR)
	must(t, other.WriteISOFile(context.Background(), file, appendOptions()))
	check(other, "/s.txt")

	failing := io.MultiReader(bytes.NewReader(iso[:BlockSize*20]), &failingReader{})
	third, _ := newDisc(t, ProfileCDR)
	err = third.WriteStream(context.Background(), failing, uint64(len(iso)), appendOptions())
	if !errors.Is(err, ErrDataStreamReadFailure) || !errors.Is(err, errBroken) {
		t.Fatalf("a failing reader: %v", err)
	}
}

var errBroken = errors.New("broken reader")

type failingReader struct{}

func (*failingReader) Read([]byte) (int, error) { return 0, errBroken }

func TestCancellingTheContextStopsAStreamWrite(t *testing.T) {
	rec, _ := newDisc(t, ProfileBDR)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	options := appendOptions()
	options.Progress = cancelAfterFirstBlocks(cancel)
	data := pattern(16<<20, 6)
	err := rec.WriteStream(ctx, bytes.NewReader(data), uint64(len(data)), options)
	if !errors.Is(err, context.Canceled) || !(errors.Is(err, ErrRequestCancelled) || errors.Is(err, ErrDataStreamReadFailure)) {
		t.Fatalf("cancelled stream write: %v", err)
	}
}

func TestImagePropertiesRoundTrip(t *testing.T) {
	img, err := NewImage()
	must(t, err)
	defer img.Close()
	must(t, img.SetFileSystemsToCreate(ISO9660|UDF))
	fs, err := img.FileSystemsToCreate()
	must(t, err)
	if fs != ISO9660|UDF {
		t.Fatalf("file systems %v", fs)
	}
	must(t, img.SetFileSystemsToCreate(UDF))
	if fs, err := img.FileSystemsToCreate(); err != nil || fs != UDF {
		t.Fatalf("UDF alone: %v %v", fs, err)
	}
	if err := img.SetFileSystemsToCreate(ISO9660 | UnknownFileSystem); !errors.Is(err, ErrInvalidParam) {
		t.Fatalf("an unknown file system: %v", err)
	}
	revisions, err := img.UDFRevisionsSupported()
	must(t, err)
	if len(revisions) == 0 {
		t.Fatal("no UDF revisions")
	}
	must(t, img.SetUDFRevision(revisions[0]))
	if r, _ := img.UDFRevision(); r != revisions[0] {
		t.Fatalf("UDF revision %#x", r)
	}
	if on, err := img.CreateRedundantUdfMetadataFiles(); err != nil || !on {
		t.Fatalf("redundant UDF metadata by default: %v %v", on, err)
	}
	must(t, img.SetCreateRedundantUdfMetadataFiles(false))
	if on, _ := img.CreateRedundantUdfMetadataFiles(); on {
		t.Fatal("redundant UDF metadata after setting it off")
	}
	must(t, img.SetVolumeName("Name"))
	if n, _ := img.VolumeName(); n != "Name" {
		t.Fatalf("volume name %q", n)
	}
	if _, err := img.ImportedVolumeName(); !errors.Is(err, ErrPropertyNotAccessible) {
		t.Fatalf("imported name before an import: %v", err)
	}
	must(t, img.SetSessionStartBlock(32))
	must(t, img.SetFreeMediaBlocks(1000))
	start, _ := img.SessionStartBlock()
	free, _ := img.FreeMediaBlocks()
	if start != 32 || free != 1000 {
		t.Fatalf("start %d, free %d", start, free)
	}
	if d, err := DefaultFileSystemForImport(ISO9660 | Joliet); err != nil || d != Joliet {
		t.Fatalf("default for import: %v %v", d, err)
	}
	must(t, img.Mkdir("/a/b", true))
	must(t, img.Rename("/a/b", "/a/c"))
	must(t, img.Remove("/a", true))
	if _, err := img.Stat("/a"); !errors.Is(err, ErrItemNotFound) {
		t.Fatalf("removed tree: %v", err)
	}
	tree := t.TempDir()
	must(t, os.WriteFile(filepath.Join(tree, "f.txt"), []byte("f"), 0o644))
	must(t, img.Mkdir("/t", false))
	must(t, img.AddTree(tree, "/t", false, false))
	if info, err := img.Stat("/t/f.txt"); err != nil || info.Size != 1 {
		t.Fatalf("tree file %+v %v", info, err)
	}
	rec, _ := newDisc(t, ProfileCDR)
	if fs, err := img.IdentifyFileSystems(rec); err != nil || fs != 0 {
		t.Fatalf("file systems of a blank disc: %v %v", fs, err)
	}
}

func TestAnOverwritableSessionCarriesItsAnchor(t *testing.T) {
	rec, _ := newDisc(t, ProfileDVDPlusRW)
	addAndWrite(t, rec, map[string][]byte{"/a": []byte("a")})
	img, _ := imageFor(t, rec)
	defer img.Close()
	result, err := img.CreateResult()
	must(t, err)
	defer result.Close()
	lba, blocks, err := result.Anchor()
	must(t, err)
	if lba != 16 || blocks <= 0 {
		t.Fatalf("anchor %d+%d", lba, blocks)
	}
	anchor := make([]byte, int(blocks)*BlockSize)
	must(t, result.ReadAnchor(anchor))
	if !bytes.Equal(anchor[1:6], []byte("CD001")) {
		t.Fatalf("anchor starts %q", anchor[:8])
	}
}

func TestTheLoggerGetsTheDetailOfAFailedCall(t *testing.T) {
	var lines []string
	done := make(chan struct{}, 1)
	must(t, SetLogger(LogWarning, func(level LogLevel, message string) {
		if level == LogWarning && strings.Contains(message, "go-logger-probe") {
			lines = append(lines, message)
			done <- struct{}{}
		}
	}))
	defer SetLogger(LogOff, nil)
	if _, err := Open(filepath.Join(t.TempDir(), "go-logger-probe")); err == nil {
		t.Fatal("opened a missing disc")
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("no warning logged")
	}
	must(t, SetLogger(LogOff, nil))
	if err := SetLogger(LogLevel(9), func(LogLevel, string) {}); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("unknown level: %v", err)
	}
}

func TestVersionAndAbiMatchTheHeader(t *testing.T) {
	if v := Version(); v == "" || strings.Count(v, ".") != 2 {
		t.Fatalf("version %q", v)
	}
	major, minor := ABIVersion()
	hmajor, hminor := HeaderABIVersion()
	if major != hmajor || minor < hminor {
		t.Fatalf("library ABI %d.%d, header %d.%d", major, minor, hmajor, hminor)
	}
}

func TestDrivesListsWithoutError(t *testing.T) {
	drives, err := Drives(200 * time.Millisecond)
	must(t, err)
	for _, d := range drives {
		if d.Path == "" {
			t.Fatalf("a drive without a path: %+v", d)
		}
	}
}

func TestAForgottenImageIsReleasedByItsFinalizer(t *testing.T) {
	img, err := NewImage()
	must(t, err)
	copied := &Image{h: img.h}
	img = nil
	for i := 0; i < 50; i++ {
		runtime.GC()
		if err := copied.Mkdir("/x", false); errors.Is(err, ErrHandle) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the finalizer did not release the image")
}

func TestParseProfileReadsNamesAndNumbers(t *testing.T) {
	for name, want := range map[string]Profile{"cd-r": ProfileCDR, "DVD+RW": ProfileDVDPlusRW, "0x0043": ProfileBDRE} {
		if got, err := ParseProfile(name); err != nil || got != want {
			t.Errorf("%q: %v %v", name, got, err)
		}
	}
	for _, bad := range []string{"", "none", "dvd", "0x1234", "0xZZ"} {
		if _, err := ParseProfile(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
