package python

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// python returns an interpreter that has cryptography and pytest: the one
// LICMINT_PYTHON names, else Debian's, which .ci/run installs them for.
// Without one the test skips, saying so, as README describes.
func python(t *testing.T) string {
	t.Helper()
	candidates := []string{"/usr/bin/python3", "python3"}
	if p := os.Getenv("LICMINT_PYTHON"); p != "" {
		candidates = []string{p}
	}
	for _, c := range candidates {
		if err := exec.Command(c, "-c", "import cryptography, pytest").Run(); err == nil {
			return c
		}
	}
	t.Skipf("no python3 with cryptography and pytest among %v: the Python runner is skipped (Debian: apt-get install python3-cryptography python3-pytest)", candidates)
	return ""
}

// env runs Python on the source tree, writing no bytecode into it.
func env() []string {
	src, _ := filepath.Abs("src")
	return append(os.Environ(), "PYTHONPATH="+src, "PYTHONDONTWRITEBYTECODE=1")
}

// TestPytest runs the Python verifier's tests: the conformance suite and
// every vector file case for case, the Ed25519 vectors, the state file and
// the seeded mutations.
func TestPytest(t *testing.T) {
	py := python(t)
	cmd := exec.Command(py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
	cmd.Env = env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pytest: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	t.Log(lines[len(lines)-1])
}

// TestMypy type-checks the package and its tests with mypy --strict, when
// mypy is installed (Debian: python3-mypy, which .ci/run installs).
func TestMypy(t *testing.T) {
	py := python(t)
	if exec.Command(py, "-c", "import mypy").Run() != nil {
		t.Skip("no mypy (Debian: apt-get install python3-mypy): the type check is skipped")
	}
	cmd := exec.Command(py, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", filepath.Join(t.TempDir(), "mypy"), "src/licmint", "tests", "example.py")
	cmd.Env = env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mypy --strict: %v\n%s", err, out)
	}
}

// TestReadmeExample checks that README's Python block is example.py and
// runs it on the conformance suite's perpetual code, whose status does not
// depend on the day.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "\n```python\n")
	block, _, _ = strings.Cut(block, "\n```\n")
	example, err := os.ReadFile("example.py")
	if err != nil {
		t.Fatal(err)
	}
	if !ok || block+"\n" != string(example) {
		t.Fatalf("README.md's python block differs from bindings/python/example.py")
	}
	py := python(t)
	var suite struct {
		Keys []struct {
			ID     int    `json:"id"`
			Public string `json:"public_key_hex"`
		} `json:"keys"`
		Cases []struct {
			Name string `json:"name"`
			Runs []struct {
				Steps []struct {
					Code *string `json:"code"`
					Want *struct {
						Status  string `json:"status"`
						Expires string `json:"expires"`
						Edition string `json:"edition"`
					} `json:"want"`
				} `json:"steps"`
			} `json:"runs"`
		} `json:"cases"`
	}
	data, err := os.ReadFile("../../testdata/conformance/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &suite); err != nil {
		t.Fatal(err)
	}
	var pub, code, edition string
	for _, k := range suite.Keys {
		if k.ID == 1 {
			pub = k.Public
		}
	}
	for _, c := range suite.Cases {
		for _, r := range c.Runs {
			for _, s := range r.Steps {
				if code == "" && s.Code != nil && s.Want != nil && s.Want.Expires == "perpetual" && s.Want.Status == "valid" && strings.Contains(*s.Code, "-") {
					code, edition = *s.Code, s.Want.Edition
				}
			}
		}
	}
	if pub == "" || code == "" {
		t.Fatal("the conformance suite has no valid perpetual code signed with key id 1")
	}
	dir := t.TempDir()
	script, _ := filepath.Abs("example.py")
	cmd := exec.Command(py, script, pub, code)
	cmd.Dir = dir
	cmd.Env = env()
	out, err := cmd.CombinedOutput()
	if want := "valid " + edition + ", 0 days left, update on\n"; err != nil || string(out) != want {
		t.Fatalf("example.py: %v: printed %q, want %q", err, out, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "licmint-state.txt")); err != nil {
		t.Errorf("example.py saved no state: %v", err)
	}
}
