//go:build cgo

package c

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildSkip string
	buildErr  error
)

// library builds the C library with the Makefile, once per process and
// once per source version (the build is cached under the user's cache
// directory, since every fuzz worker is a process of its own), loads it,
// and returns the directory that holds it. It skips the test where no C
// compiler or libsodium exists.
//
// With LICMINT_C_LIBRARY set to a library built elsewhere (licmint.dll, for
// the test binary cross-built for Windows), it loads that one instead and
// returns "": the tests that build programs of their own skip.
func library(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if lib := os.Getenv("LICMINT_C_LIBRARY"); lib != "" {
			buildErr = load(lib)
			return
		}
		if runtime.GOOS == "windows" {
			buildSkip = "set LICMINT_C_LIBRARY to licmint.dll (make windows): the C verifier is not built on Windows"
			return
		}
		cc := os.Getenv("CC")
		if cc == "" {
			cc = "cc"
		}
		if _, err := exec.LookPath(cc); err != nil {
			buildSkip = "no C compiler (" + cc + "): the C verifier is not built"
			return
		}
		if _, err := exec.LookPath("make"); err != nil {
			buildSkip = "no make: the C verifier is not built"
			return
		}
		probe := exec.Command(cc, "-x", "c", "-fsyntax-only", "-")
		probe.Stdin = strings.NewReader("#include <sodium.h>\nint main(void) { return sodium_init(); }\n")
		if out, err := probe.CombinedOutput(); err != nil {
			buildSkip = "libsodium's headers are missing (apt-get install libsodium-dev): " + strings.TrimSpace(string(out))
			return
		}
		h := sha256.New()
		files, _ := filepath.Glob("src/*")
		for _, f := range append(files, "licmint.h", "Makefile", "licmint.pc.in") {
			b, err := os.ReadFile(f)
			if err != nil {
				buildErr = err
				return
			}
			h.Write([]byte(f))
			h.Write(b)
		}
		h.Write([]byte(cc))
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir := filepath.Join(cache, "licmint-c", hex.EncodeToString(h.Sum(nil))[:16])
		if _, err := os.Stat(filepath.Join(dir, "liblicmint.so")); err != nil {
			// Build beside, then rename: concurrent fuzz workers never see
			// half a library.
			if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
				buildErr = err
				return
			}
			tmp, err := os.MkdirTemp(filepath.Dir(dir), "build-")
			if err != nil {
				buildErr = err
				return
			}
			cmd := exec.Command("make", "-s", "OUT="+tmp, "CC="+cc, tmp+"/liblicmint.so", tmp+"/liblicmint.a")
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = &buildError{string(out), err}
				os.RemoveAll(tmp)
				return
			}
			if err := os.Rename(tmp, dir); err != nil {
				os.RemoveAll(tmp) // another process won the race
			}
		}
		buildDir = dir
		buildErr = load(filepath.Join(dir, "liblicmint.so"))
	})
	if buildSkip != "" {
		t.Skip(buildSkip)
	}
	if buildErr != nil {
		t.Fatalf("building the C library: %v", buildErr)
	}
	return buildDir
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// builtLibrary is library's directory, for the tests that build programs
// against liblicmint.a or install it; they skip with a prebuilt library.
func builtLibrary(t *testing.T) string {
	t.Helper()
	dir := library(t)
	if dir == "" {
		t.Skip("LICMINT_C_LIBRARY names a prebuilt library: nothing is built against it")
	}
	return dir
}

// stateDir is a temporary folder for state files. On Windows it is
// emptied name by name: os.RemoveAll, as t.TempDir's cleanup calls it,
// relies on POSIX-semantics deletion, which Wine (where CI runs the
// Windows build) lacks.
func stateDir(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "windows" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("", "licmint-c-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			os.Remove(filepath.Join(dir, e.Name()))
		}
		if err := os.Remove(dir); err != nil {
			t.Errorf("removing %s: %v", dir, err)
		}
	})
	return dir
}
