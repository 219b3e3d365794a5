//go:build cgo

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const casesFile = "../../testdata/conformance/cases.json"

// buildLibrary builds liblicmint.so into a temporary directory, as
// scripts/build-dist.sh does, and compiles the C programs against it.
func buildLibrary(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not found: the C runners need a C compiler")
	}
	dir := t.TempDir()
	run(t, exec.Command("go", "build", "-buildmode=c-shared", "-o", filepath.Join(dir, "liblicmint.so"), "."))
	for _, prog := range []string{"runner/conformance", "runner/safety", "examples/example"} {
		run(t, exec.Command("gcc", "-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-Werror", "-I.",
			prog+".c", "-L"+dir, "-llicmint", "-lpthread", "-o", filepath.Join(dir, filepath.Base(prog))))
	}
	return dir
}

func run(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return string(out)
}

func libEnv(dir string) []string {
	// cgocheck=1 checks every call for Go pointers handed to C.
	return append(os.Environ(), "LD_LIBRARY_PATH="+dir, "LICMINT_LIB="+filepath.Join(dir, "liblicmint.so"), "GODEBUG=cgocheck=1")
}

// TestCRunners runs the conformance suite through the C library from C and
// from Python (ctypes), the argument and thread checks, and the README's C
// example.
func TestCRunners(t *testing.T) {
	dir := buildLibrary(t)
	suite, err := loadSuite()
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(filepath.Join(dir, "conformance"), casesFile, t.TempDir())
	cmd.Env = libEnv(dir)
	t.Log(strings.TrimSpace(run(t, cmd)))

	cmd = exec.Command(filepath.Join(dir, "safety"), suite.pub, suite.code)
	cmd.Env = libEnv(dir)
	t.Log(strings.TrimSpace(run(t, cmd)))

	cmd = exec.Command(filepath.Join(dir, "example"), suite.pub, suite.code)
	cmd.Env = libEnv(dir)
	if out := run(t, cmd); !strings.HasPrefix(out, "valid standard, ") || !strings.HasSuffix(out, "update on\n") {
		t.Errorf("example printed %q", out)
	}

	if _, err := exec.LookPath("python3"); err != nil {
		t.Log("python3 not found: the Python runner is skipped")
		return
	}
	cmd = exec.Command("python3", "runner/conformance.py", casesFile, t.TempDir())
	cmd.Env = libEnv(dir)
	t.Log(strings.TrimSpace(run(t, cmd)))
}

// A valid code and the public key of the suite's key 1, for the example,
// the safety checks and the benchmark.
type firstCase struct{ pub, code string }

func loadSuite() (firstCase, error) {
	b, err := os.ReadFile(casesFile)
	if err != nil {
		return firstCase{}, err
	}
	s := string(b)
	field := func(name string) string {
		i := strings.Index(s, `"`+name+`": "`) + len(name) + 5
		return s[i : i+strings.IndexByte(s[i:], '"')]
	}
	return firstCase{pub: field("public_key_hex"), code: field("code")}, nil
}
