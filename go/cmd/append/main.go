// Command append writes the next session of a disc: the newest session's
// files plus the given local files and directories, added at the root
// under their own names. Ctrl-C stops the write and keeps the previous
// session.
//
//	append /dev/sr0 notes.txt photos/
//	append -create cd-r disc.img notes.txt     (a new emulated CD-R)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	multisession "github.com/multisession/multisession/go"
)

func main() {
	create := flag.String("create", "", "create DISC as a blank emulated disc of this profile (cd-r, dvd+r, dvd+rw, bd-r, bd-re …)")
	volume := flag.String("volume", "", "volume name of the new session")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: append [-create PROFILE] [-volume NAME] DISC FILE...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() < 2 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *create, *volume, flag.Arg(0), flag.Args()[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "append:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, create, volume, disc string, files []string) error {
	if create != "" {
		profile, err := multisession.ParseProfile(create)
		if err != nil {
			return err
		}
		if err := multisession.CreateEmulatedDisc(disc, profile, 0); err != nil {
			return err
		}
	}
	rec, err := multisession.Open(disc)
	if err != nil {
		return err
	}
	defer rec.Close()
	img, err := multisession.NewImage()
	if err != nil {
		return err
	}
	defer img.Close()
	if _, err := img.PrepareFor(rec); err != nil {
		return err
	}
	if volume != "" {
		if err := img.SetVolumeName(volume); err != nil {
			return err
		}
	}
	for _, local := range files {
		info, err := os.Stat(local)
		if err != nil {
			return err
		}
		if info.IsDir() {
			err = img.AddTree(local, "/", true, true)
		} else {
			err = img.AddFile("/"+filepath.Base(local), local, true)
		}
		if err != nil {
			return fmt.Errorf("adding %s: %w", local, err)
		}
	}
	result, err := img.CreateResult()
	if err != nil {
		return err
	}
	defer result.Close()
	start, err := result.StartBlock()
	if err != nil {
		return err
	}
	blocks, err := result.TotalBlocks()
	if err != nil {
		return err
	}
	options := multisession.DefaultWriteOptions()
	options.DisableConsumerDvdCompatibilityMode = true // keep a DVD+R appendable
	if err := rec.Write(ctx, result, options); err != nil {
		return err
	}
	sessions, err := rec.Sessions()
	if err != nil {
		return err
	}
	fmt.Printf("session %d written at %d: %d blocks\n", len(sessions), start, blocks)
	return nil
}
