//go:build cgo

package c

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
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
func library(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
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
