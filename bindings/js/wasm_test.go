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
	needWasmTools(t)
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

// TestWasmInversion builds the module with its test export and holds the
// variable-time inversion that encodes every result (safegcd) to the
// Fermat one, on edge and 20,000 random field elements.
func TestWasmInversion(t *testing.T) {
	needNode(t)
	needWasmTools(t)
	out := filepath.Join(t.TempDir(), "test.js")
	cmd := exec.Command("sh", "wasm/build.sh", out)
	cmd.Env = append(os.Environ(), "CFLAGS=-DTEST")
	run(t, cmd)
	if got := run(t, exec.Command("node", "test/wasm_inv.mjs", out, "20000")); got != "ok\n" {
		t.Fatalf("test/wasm_inv.mjs: %s", got)
	}
}

// needWasmTools skips (or, under LICMINT_REQUIRE_JS, fails) without the
// tools that build the module.
func needWasmTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"clang-14", "wasm-ld-14"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := tool + " not found: install Debian's clang-14 and lld-14 to build the WebAssembly module"
			if os.Getenv(requireEnv) != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}
