package multisession

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// deliberatelyUnwrapped are the header's functions the package does not
// call, each with the reason. Everything else in the header must be
// reachable from Go.
var deliberatelyUnwrapped = map[string]string{
	"ms_cancel_is_requested": "a write's context already says whether it was cancelled (ctx.Err())",
}

var (
	cComment  = regexp.MustCompile(`(?s)/\*.*?\*/|//[^\n]*`)
	cFunction = regexp.MustCompile(`\b(ms_[a-z0-9_]+)\s*\(`)
)

// headerFunctions are the functions the installed header declares: the
// header pkg-config points the package's build at.
func headerFunctions(t *testing.T) map[string]bool {
	out, err := exec.Command("pkg-config", "--variable=includedir", "multisession").Output()
	if err != nil {
		t.Fatalf("pkg-config cannot find multisession (set PKG_CONFIG_PATH to an installation's lib/pkgconfig): %v", err)
	}
	text, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "multisession.h"))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, m := range cFunction.FindAllStringSubmatch(cComment.ReplaceAllString(string(text), ""), -1) {
		found[m[1]] = true
	}
	return found
}

// calledFunctions are the ms_ functions the package's Go code and cgo
// preambles call (comments left out).
func calledFunctions(t *testing.T) map[string]bool {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var code []string
		for _, line := range strings.Split(string(text), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "//") {
				code = append(code, line)
			}
		}
		for _, m := range cFunction.FindAllStringSubmatch(strings.Join(code, "\n"), -1) {
			found[m[1]] = true
		}
	}
	return found
}

func TestEveryHeaderFunctionIsReachableFromGo(t *testing.T) {
	header := headerFunctions(t)
	called := calledFunctions(t)
	if len(header) < 100 {
		t.Fatalf("only %d functions found in the header", len(header))
	}
	var missing, stale []string
	for name := range header {
		_, omitted := deliberatelyUnwrapped[name]
		if !called[name] && !omitted {
			missing = append(missing, name)
		}
		if called[name] && omitted {
			stale = append(stale, name+" (called, yet listed as omitted)")
		}
	}
	for name := range deliberatelyUnwrapped {
		if !header[name] {
			stale = append(stale, name+" (omitted, but not in the header)")
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("%d header functions are not called by the Go package; wrap them, or list each in deliberatelyUnwrapped with a reason:\n\t%s",
			len(missing), strings.Join(missing, "\n\t"))
	}
	if len(stale) > 0 {
		t.Errorf("deliberatelyUnwrapped is out of date:\n\t%s", strings.Join(stale, "\n\t"))
	}
}
