package formats_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestVectorsUpToDate runs the vector generator into a temporary directory
// and compares its output with testdata/vectors: the files are the
// generator's, byte for byte, so that nobody edits them by hand and the
// generator stays reproducible. Regenerate with: go generate ./formats
func TestVectorsUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "./internal/genvectors", "-out", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./internal/genvectors: %v\n%s", err, out)
	}
	committed, err := filepath.Glob(filepath.Join("..", "testdata", "vectors", "*.json"))
	if err != nil || len(committed) == 0 {
		t.Fatalf("no vector files: %v", err)
	}
	generated, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(generated) != len(committed) {
		t.Errorf("the generator writes %d files, testdata/vectors holds %d: run go generate ./formats", len(generated), len(committed))
	}
	for _, f := range committed {
		want, err := os.ReadFile(filepath.Join(dir, filepath.Base(f)))
		if err != nil {
			t.Errorf("%s: the generator does not write it: %v", f, err)
			continue
		}
		got, err := os.ReadFile(f)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the generator writes: run go generate ./formats (%v)", f, err)
		}
	}
}
