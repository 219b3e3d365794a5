package conformance_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCasesUpToDate runs gen_cases.go into a temporary file and compares
// it with cases.json, byte for byte, so that the suite is the generator's
// and the generator reproducible. Regenerate with:
// go generate ./bindings/conformance
func TestCasesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	out := filepath.Join(t.TempDir(), "cases.json")
	cmd := exec.Command("go", "run", "gen_cases.go", "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen_cases.go: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(CasesFile)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s differs from what gen_cases.go writes: run go generate ./bindings/conformance (%v)", CasesFile, err)
	}
}
