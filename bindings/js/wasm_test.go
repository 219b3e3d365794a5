package js_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestWasmReproducible rebuilds the WebAssembly module from wasm/ed25519.c
// with wasm/build.sh and requires the bytes committed in ed25519wasm.js:
// what ships is what the source builds to. It needs Debian's clang-14 and
// lld-14, which .ci/run installs.
func TestWasmReproducible(t *testing.T) {
	for _, tool := range []string{"clang-14", "wasm-ld-14"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := tool + " not found: install Debian's clang-14 and lld-14 to rebuild the WebAssembly module"
			if os.Getenv(requireEnv) != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	out := filepath.Join(t.TempDir(), "ed25519wasm.js")
	run(t, exec.Command("sh", "wasm/build.sh", out))
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("ed25519wasm.js")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("ed25519wasm.js is not what wasm/build.sh builds from wasm/ed25519.c (%d bytes built, %d committed): run sh bindings/js/wasm/build.sh and commit the result", len(got), len(want))
	}
}
