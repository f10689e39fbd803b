package multisession

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
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
	options := DefaultWriteOptions()
	options.DisableConsumerDvdCompatibilityMode = true
	options.ProgressIntervalMs = 0
	var events []Progress
	must(t, rec.Write(result, options, func(p Progress) bool {
		events = append(events, p)
		return true
	}))
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

// imageFor puts rec's list on a new image and imports, or, on a blank
// write-once disc (the put fails), takes the recorder's defaults.
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
		if !IsCode(err, EImportSeekFailure) {
			t.Fatalf("put: %v", err)
		}
		must(t, img.ChooseDefaults(rec))
		return img, false
	}
	fs, err := img.Import(DefaultFileSystem)
	if IsCode(err, EEmptyDisc) {
		return img, false
	}
	must(t, err)
	// IMAPI2's order over what the session holds: UDF where the first
	// session got the disc's defaults (write-once media), else Joliet.
	found, err := img.IdentifyFileSystems()
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
	dir := t.TempDir()
	disc := filepath.Join(dir, "cd-r.img")
	must(t, CreateEmulatedDisc(disc, 0x0009, 0))
	rec, err := Open(disc)
	must(t, err)
	defer rec.Close()

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
	for _, d := range []struct {
		name    string
		profile uint16
	}{{"cd-r", 0x0009}, {"dvd+r", 0x001B}, {"bd-r", 0x0041}, {"dvd+rw", 0x001A}, {"bd-re", 0x0043}} {
		t.Run(d.name, func(t *testing.T) {
			dir := t.TempDir()
			disc := filepath.Join(dir, d.name+".img")
			local := filepath.Join(dir, "local.txt")
			must(t, os.WriteFile(local, []byte("from a path\n"), 0o644))
			must(t, CreateEmulatedDisc(disc, d.profile, 0))
			rec, err := Open(disc)
			must(t, err)
			img, _ := imageFor(t, rec)
			must(t, img.SetVolumeName("Go one"))
			must(t, img.Mkdir("/docs", false))
			must(t, img.AddFile("/docs/one.txt", local, false))
			writeSession(t, rec, img)
			must(t, img.Close())
			must(t, rec.Close())

			rec, err = Open(disc)
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
			if err := img.AddFile("/docs/one.txt", local, false); !IsCode(err, EDupName) {
				t.Fatalf("duplicate add: %v", err)
			}
			// The result streams the reader's data where the session puts it.
			result, err := img.CreateResult()
			must(t, err)
			total, err := result.TotalBlocks()
			must(t, err)
			block := make([]byte, 2048*17)
			must(t, result.ReadBlocks(0, block))
			if !bytes.Equal(block[16*2048:16*2048+6], []byte("\x01CD001")) || total < 50 {
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
				if !info.File || info.Size != size || !info.OnMedium {
					t.Fatalf("%s: %+v", path, info)
				}
			}
			if _, err := img.Stat("/missing"); !IsCode(err, EItemNotFound) {
				t.Fatalf("stat of a missing path: %v", err)
			}
		})
	}
}

func TestCancelFromTheCallbackKeepsThePreviousSession(t *testing.T) {
	dir := t.TempDir()
	disc := filepath.Join(dir, "bd-r.img")
	must(t, CreateEmulatedDisc(disc, 0x0041, 0))
	rec, err := Open(disc)
	must(t, err)
	defer rec.Close()
	img, _ := imageFor(t, rec)
	must(t, img.AddReader("/kept.bin", 4000, bytes.NewReader(pattern(4000, 1)), false))
	writeSession(t, rec, img)
	must(t, img.Close())

	img, _ = imageFor(t, rec)
	must(t, img.AddReader("/big.bin", 4<<20, bytes.NewReader(pattern(4<<20, 2)), false))
	result, err := img.CreateResult()
	must(t, err)
	options := DefaultWriteOptions()
	options.ProgressIntervalMs = 0
	err = rec.Write(result, options, func(p Progress) bool {
		return !(p.Action == WritingData && p.SectorsDone > 0)
	})
	if !IsCode(err, ERequestCancelled) {
		t.Fatalf("cancelled write: %v", err)
	}
	must(t, result.Close())
	must(t, img.Close())

	recovered, err := rec.Recover()
	must(t, err)
	if !recovered {
		t.Fatal("the interrupted session needed no recovery")
	}
	img, imported := imageFor(t, rec)
	defer img.Close()
	if !imported {
		t.Fatal("nothing imported after the cancel")
	}
	if _, err := img.Stat("/kept.bin"); err != nil {
		t.Fatal(err)
	}
	if _, err := img.Stat("/big.bin"); !IsCode(err, EItemNotFound) {
		t.Fatalf("the cancelled file is visible: %v", err)
	}
}

func TestErrorsCarryTheHresultNameAndMessage(t *testing.T) {
	img, err := NewImage()
	must(t, err)
	_, err = img.Import(DefaultFileSystem)
	e, ok := err.(*Error)
	if !ok || e.Code != EMultisessionNotSet || e.Name != "IMAPI_E_MULTISESSION_NOT_SET" || e.Message == "" {
		t.Fatalf("%#v", err)
	}
	closed := &Image{h: img.h}
	must(t, img.Close())
	if err := closed.Mkdir("/x", false); !IsCode(err, EHandle) {
		t.Fatalf("released image: %v", err)
	}
}

func TestAnExistingEmulatedDiscIsRefusedUnlessReplaced(t *testing.T) {
	disc := filepath.Join(t.TempDir(), "existing.img")
	must(t, CreateEmulatedDisc(disc, 0x0009, 0))
	sidecar, err := os.ReadFile(disc + ".json")
	must(t, err)
	if err := CreateEmulatedDisc(disc, 0x001B, 0); !IsCode(err, EFileExists) {
		t.Fatalf("second create: %v", err)
	}
	again, err := os.ReadFile(disc + ".json")
	must(t, err)
	if string(again) != string(sidecar) {
		t.Fatal("the refused create changed the sidecar")
	}
	must(t, ReplaceEmulatedDisc(disc, 0x001B, 0))
}
