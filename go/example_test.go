package multisession_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	multisession "github.com/multisession/multisession/go"
)

// tempRecorder opens a blank emulated disc in a new temporary
// directory; done closes it and removes the directory.
func tempRecorder(profile multisession.Profile) (rec *multisession.Recorder, done func()) {
	dir, err := os.MkdirTemp("", "multisession-example")
	if err != nil {
		log.Fatal(err)
	}
	disc := filepath.Join(dir, "disc.img")
	if err := multisession.CreateEmulatedDisc(disc, profile, 0); err != nil {
		log.Fatal(err)
	}
	if rec, err = multisession.Open(disc); err != nil {
		log.Fatal(err)
	}
	return rec, func() {
		rec.Close()
		os.RemoveAll(dir)
	}
}

// prepared is a new image holding the newest session of rec's disc.
func prepared(rec *multisession.Recorder) (*multisession.Image, multisession.Preparation) {
	img, err := multisession.NewImage()
	if err != nil {
		log.Fatal(err)
	}
	prep, err := img.PrepareFor(rec)
	if err != nil {
		log.Fatal(err)
	}
	return img, prep
}

// appendSession writes the next session holding one file, keeping every
// file of the previous sessions.
func appendSession(rec *multisession.Recorder, name, content string) error {
	img, err := multisession.NewImage()
	if err != nil {
		return err
	}
	defer img.Close()
	if _, err := img.PrepareFor(rec); err != nil {
		return err
	}
	if err := img.AddReader(name, uint64(len(content)), strings.NewReader(content), false); err != nil {
		return err
	}
	result, err := img.CreateResult()
	if err != nil {
		return err
	}
	defer result.Close()
	return rec.Write(context.Background(), result, multisession.DefaultWriteOptions())
}

// Two sessions on an emulated CD-R: the second imports the first, so the
// disc shows both files.
func Example() {
	rec, done := tempRecorder(multisession.ProfileCDR)
	defer done()

	if err := appendSession(rec, "/first.txt", "one\n"); err != nil {
		log.Fatal(err)
	}
	if err := appendSession(rec, "/second.txt", "two\n"); err != nil {
		log.Fatal(err)
	}

	sessions, err := rec.Sessions()
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range sessions {
		fmt.Printf("session %d at %d: %v\n", s.Number, s.Start, s.FileSystems)
	}
	img, _ := prepared(rec)
	defer img.Close()
	entries, err := img.ReadDir("/")
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range entries {
		fmt.Println(e.Name, e.Size)
	}
	// Output:
	// session 1 at 0: ISO9660|Joliet|UDF
	// session 2 at 11702: ISO9660|Joliet|UDF
	// first.txt 4
	// second.txt 4
}

// The cdrecord -msinfo line: where the newest session starts and where
// the next one goes.
func ExampleMultisession_Sequential() {
	rec, done := tempRecorder(multisession.ProfileCDR)
	defer done()
	if err := appendSession(rec, "/a.txt", "a"); err != nil {
		log.Fatal(err)
	}

	objects, err := rec.MultisessionInterfaces()
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range objects {
		defer o.Close()
		if kind, _ := o.Kind(); kind != multisession.Sequential {
			continue
		}
		v, err := o.Sequential()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d,%d\n", v.StartAddressOfPreviousSession, v.NextWritableAddress)
	}
	// Output: 0,11702
}

// A write stops when its context is cancelled; the disc keeps its
// previous session.
func ExampleRecorder_Write_cancel() {
	rec, done := tempRecorder(multisession.ProfileBDR)
	defer done()

	img, _ := prepared(rec)
	defer img.Close()
	if err := img.AddReader("/zeros", 1<<20, io.LimitReader(zeros{}, 1<<20), false); err != nil {
		log.Fatal(err)
	}
	result, err := img.CreateResult()
	if err != nil {
		log.Fatal(err)
	}
	defer result.Close()

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a user pressed Cancel
	err = rec.Write(ctx, result, multisession.DefaultWriteOptions())
	fmt.Println(errors.Is(err, multisession.ErrRequestCancelled), errors.Is(err, context.Canceled))
	info, _ := rec.MediaInfo()
	fmt.Println("sessions:", info.Sessions)
	// Output:
	// true true
	// sessions: 0
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
	}
	return len(p), nil
}

// Imported files read back from the disc as io.Readers.
func ExampleImage_Open() {
	rec, done := tempRecorder(multisession.ProfileDVDPlusRW)
	defer done()
	if err := appendSession(rec, "/hello.txt", "hello, disc\n"); err != nil {
		log.Fatal(err)
	}

	img, _ := prepared(rec)
	defer img.Close()
	f, err := img.Open("/hello.txt")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(os.Stdout, f); err != nil {
		log.Fatal(err)
	}
	// Output: hello, disc
}

// Errors carry the IMAPI2 HRESULT: branch with errors.Is, read the
// details with errors.As.
func ExampleError() {
	img, err := multisession.NewImage()
	if err != nil {
		log.Fatal(err)
	}
	defer img.Close()
	_, err = img.Stat("/nowhere")
	err = fmt.Errorf("looking for /nowhere: %w", err)

	fmt.Println(errors.Is(err, multisession.ErrItemNotFound))
	var e *multisession.Error
	if errors.As(err, &e) {
		fmt.Printf("%s 0x%08X\n", e.Name, uint32(e.Code))
	}
	// Output:
	// true
	// IMAPI_E_ITEM_NOT_FOUND 0xC0AAB118
}

// A rewritable disc erased: the next session is a first one again.
func ExampleRecorder_Erase() {
	rec, done := tempRecorder(multisession.ProfileBDRE)
	defer done()
	if err := appendSession(rec, "/old.txt", "old"); err != nil {
		log.Fatal(err)
	}
	if err := rec.Erase(false); err != nil {
		log.Fatal(err)
	}
	img, prep := prepared(rec)
	defer img.Close()
	fmt.Println("imported:", prep.Imported)
	// Output: imported: false
}

// Each item an import takes into the image, with the session's totals;
// an error returned here would cancel the import and leave the image as
// it was.
func ExampleImage_SetImportProgress() {
	rec, done := tempRecorder(multisession.ProfileCDR)
	defer done()
	if err := appendSession(rec, "/notes.txt", "notes"); err != nil {
		log.Fatal(err)
	}
	img, err := multisession.NewImage()
	if err != nil {
		log.Fatal(err)
	}
	defer img.Close()
	err = img.SetImportProgress(func(p multisession.ImportProgress) error {
		fmt.Printf("%s: file %d of %d\n", p.CurrentItem, p.ImportedFileItems, p.TotalFileItems)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := img.PrepareFor(rec); err != nil {
		log.Fatal(err)
	}
	// Output: /notes.txt: file 1 of 1
}

// A BD-RE formatted with the drive's events: the last one says the
// whole time has passed.
func ExampleRecorder_FormatWithProgress() {
	rec, done := tempRecorder(multisession.ProfileBDRE)
	defer done()
	var last multisession.EraseProgress
	err := rec.FormatWithProgress(context.Background(), func(p multisession.EraseProgress) { last = p })
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("done:", last.ElapsedSeconds == last.EstimatedTotalSeconds)
	// Output: done: true
}
