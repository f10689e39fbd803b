// Command msinfo prints the cdrecord -msinfo line of a disc: where its
// newest session starts and where the next one goes, the two numbers
// mkisofs -C takes.
//
//	msinfo /dev/sr0
//	msinfo disc.img          (an emulated disc)
package main

import (
	"fmt"
	"os"

	multisession "github.com/multisession/multisession/go"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: msinfo DISC")
		os.Exit(2)
	}
	line, err := msinfo(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "msinfo:", err)
		os.Exit(1)
	}
	fmt.Println(line)
}

func msinfo(disc string) (string, error) {
	rec, err := multisession.Open(disc)
	if err != nil {
		return "", err
	}
	defer rec.Close()
	img, err := multisession.NewImage()
	if err != nil {
		return "", err
	}
	defer img.Close()
	prep, err := img.PrepareFor(rec)
	if err != nil {
		return "", err
	}
	if !prep.Imported {
		return "", fmt.Errorf("%s holds no session yet", disc)
	}
	next, err := img.SessionStartBlock()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d,%d", prep.ImportedSessionStart, next), nil
}
