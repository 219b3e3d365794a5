//go:build cgo

package c

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const casesFile = "../../testdata/conformance/cases.json"

func run(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return string(out)
}

// firstCase is a valid code and the public key of the suite's key 1.
func firstCase(t *testing.T) (pub, code string) {
	b, err := os.ReadFile(casesFile)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	field := func(name string) string {
		i := strings.Index(s, `"`+name+`": "`) + len(name) + 5
		return s[i : i+strings.IndexByte(s[i:], '"')]
	}
	return field("public_key_hex"), field("code")
}

// TestCRunners installs the library into a temporary prefix, as a product
// would find it, and runs the conformance suite through it from C and from
// Python (ctypes), the argument and thread checks, and the example program
// built through pkg-config (and CMake where it is installed).
func TestCRunners(t *testing.T) {
	builtLibrary(t)
	prefix := t.TempDir()
	out := t.TempDir()
	run(t, exec.Command("make", "-s", "OUT="+out, "PREFIX="+prefix, "install"))
	lib := filepath.Join(prefix, "lib")
	env := append(os.Environ(), "LD_LIBRARY_PATH="+lib, "PKG_CONFIG_PATH="+filepath.Join(lib, "pkgconfig"),
		"LICMINT_LIB="+filepath.Join(lib, "liblicmint.so"))
	pub, code := firstCase(t)
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	pkg := func(args ...string) []string {
		cmd := exec.Command("pkg-config", args...)
		cmd.Env = env
		return strings.Fields(run(t, cmd))
	}
	bin := t.TempDir()
	build := func(name, src string, static bool) string {
		args := []string{"-std=c99", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-Werror", "-pedantic", src, "-o", filepath.Join(bin, name)}
		if static {
			args = append(args, pkg("--cflags", "--libs", "--static", "licmint")...)
			args = append(args[:len(args):len(args)], "-Wl,-Bstatic", "-llicmint", "-Wl,-Bdynamic", "-lsodium", "-lpthread")
		} else {
			args = append(args, pkg("--cflags", "--libs", "licmint")...)
			args = append(args, "-lpthread")
		}
		run(t, exec.Command(cc, args...))
		return filepath.Join(bin, name)
	}
	if _, err := exec.LookPath("pkg-config"); err != nil {
		t.Skip("pkg-config not found")
	}

	cmd := exec.Command(build("conformance", "runner/conformance.c", false), casesFile, t.TempDir())
	cmd.Env = env
	t.Log(strings.TrimSpace(run(t, cmd)))

	cmd = exec.Command(build("safety", "runner/safety.c", false), pub, code)
	cmd.Env = env
	t.Log(strings.TrimSpace(run(t, cmd)))

	// The example reads the system clock: give it the suite's perpetual
	// code, which no date expires.
	perpetual := perpetualCode(t)
	const want = "valid premium, 0 days left, update on\n"
	for _, static := range []bool{false, true} {
		cmd = exec.Command(build("example", "examples/example.c", static), pub, perpetual)
		cmd.Env = env
		if out := run(t, cmd); out != want {
			t.Errorf("example (static %v) printed %q, want %q", static, out, want)
		}
	}

	if _, err := exec.LookPath("cmake"); err == nil {
		src := t.TempDir()
		os.WriteFile(filepath.Join(src, "CMakeLists.txt"), []byte(
			"cmake_minimum_required(VERSION 3.16)\nproject(example C)\nfind_package(licmint 1.1 REQUIRED)\n"+
				"add_executable(example "+mustAbs(t, "examples/example.c")+")\ntarget_link_libraries(example PRIVATE licmint::static)\n"), 0o644)
		build := t.TempDir()
		run(t, exec.Command("cmake", "-S", src, "-B", build, "-DCMAKE_PREFIX_PATH="+prefix))
		run(t, exec.Command("cmake", "--build", build))
		cmd = exec.Command(filepath.Join(build, "example"), pub, perpetual)
		if out := run(t, cmd); out != want {
			t.Errorf("CMake-built example printed %q", out)
		}
	} else {
		t.Log("cmake not found: the CMake package config is not tried")
	}

	if _, err := exec.LookPath("python3"); err != nil {
		t.Log("python3 not found: the Python runner is skipped")
		return
	}
	cmd = exec.Command("python3", "runner/conformance.py", casesFile, t.TempDir())
	cmd.Env = env
	t.Log(strings.TrimSpace(run(t, cmd)))
}

// perpetualCode is the code of the suite's case "perpetual".
func perpetualCode(t *testing.T) string {
	b, err := os.ReadFile(casesFile)
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Cases []struct {
			Name string
			Runs []struct {
				Steps []struct{ Code string }
			}
		}
	}
	if err := json.Unmarshal(b, &suite); err != nil {
		t.Fatal(err)
	}
	for _, c := range suite.Cases {
		if c.Name == "perpetual" && len(c.Runs) > 0 && len(c.Runs[0].Steps) > 0 {
			return c.Runs[0].Steps[0].Code
		}
	}
	t.Fatal(`no case "perpetual" in the suite`)
	return ""
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestReadmeExample checks that README.md's C example is
// examples/example.c, which TestCRunners builds through pkg-config (and
// CMake) and runs.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n### C and C++\n")
	_, block, ok2 := strings.Cut(section, "\n```c\n")
	block, _, ok3 := strings.Cut(block, "\n```\n")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no C example under \"### C and C++\"")
	}
	example, err := os.ReadFile("examples/example.c")
	if err != nil {
		t.Fatal(err)
	}
	if block+"\n" != string(example) {
		t.Errorf("README.md's C example differs from bindings/c/examples/example.c")
	}
}
