//go:build !(js && wasm)

package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/verifier"
)

const casesFile = "../../testdata/conformance/cases.json"

// buildDist builds licmint.wasm into a temporary directory with the files
// scripts/build-dist.sh puts beside it.
func buildDist(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not found: the JavaScript runner needs Node.js")
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, "licmint.wasm"), ".")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	run(t, build)
	// The go command's GOROOT, whose wasm_exec.js matches the module it
	// built; the test binary's own may be elsewhere or gone.
	goroot := strings.TrimSpace(run(t, exec.Command("go", "env", "GOROOT")))
	for _, f := range []string{"licmint.mjs", filepath.Join(goroot, "lib", "wasm", "wasm_exec.js")} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func run(t testing.TB, cmd *exec.Cmd) string {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return string(out)
}

// TestNodeRunner runs the conformance suite through the WebAssembly
// module in Node, and the README's JavaScript example.
func TestNodeRunner(t *testing.T) {
	dir := buildDist(t)
	cmd := exec.Command("node", "--test", "conformance.test.mjs")
	cmd.Env = append(os.Environ(), "LICMINT_DIST="+dir, "LICMINT_CASES="+casesFile)
	out := run(t, cmd)
	if !strings.Contains(out, "# fail 0") {
		t.Fatalf("node --test:\n%s", out)
	}

	pub, code := firstCase(t)
	example, err := os.ReadFile("example.mjs")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "example.mjs"), example, 0o644); err != nil {
		t.Fatal(err)
	}
	// The example uses the system clock; the code is valid until 2027-11-27
	// and then expired, expiring or in grace on other days, so only the
	// shape of the line is checked.
	cmd = exec.Command("node", filepath.Join(dir, "example.mjs"), pub, code)
	ex, _ := cmd.CombinedOutput()
	if !strings.Contains(string(ex), " standard, ") || !strings.Contains(string(ex), " days left, update ") {
		t.Errorf("example printed %q", ex)
	}
}

func firstCase(t testing.TB) (pub, code string) {
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

// BenchmarkNodeVsGo times verify in Node through the module against
// Verifier.Verify in Go, in alternation: each iteration runs n verifies
// natively, then n in a Node process (timed inside it, after a warm-up).
// ratio is Node's time over Go's (target ≤ 3); cpu-ratio is the same for
// CPU time, where the platform reports it (on a busy machine the elapsed
// times of the two sides suffer unequally). The sub-benchmarks are
// createVerifier's signatureCheck: native (Node's Ed25519) and go (Go's,
// compiled to WebAssembly, the default).
func BenchmarkNodeVsGo(b *testing.B) {
	dir := buildDist(b)
	pub, code := firstCase(b)
	key, _ := hex.DecodeString(pub)
	now := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	v, err := verifier.New("PC", []verifier.Key{{ID: 1, Public: key}}, verifier.WithNow(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	for _, check := range []string{"native", "go"} {
		b.Run(check, func(b *testing.B) {
			const n = 300
			var goNs, nodeNs, goCPU, nodeCPU float64
			for i := 0; i < b.N; i++ {
				t0, c0 := time.Now(), cpuTime() // elapsed time, not the date
				for range n {
					if _, err := v.Verify(code); err != nil {
						b.Fatal(err)
					}
				}
				goNs += float64(time.Since(t0).Nanoseconds()) / n
				goCPU += float64(cpuTime()-c0) / n
				out := run(b, exec.Command("node", "bench.mjs", dir, pub, code, strconv.Itoa(n), check))
				var ns, cpu float64
				if _, err := fmt.Sscan(out, &ns, &cpu); err != nil {
					b.Fatalf("bench.mjs printed %q", out)
				}
				nodeNs += ns
				nodeCPU += cpu
			}
			b.ReportMetric(goNs/float64(b.N), "go-ns/verify")
			b.ReportMetric(nodeNs/float64(b.N), "node-ns/verify")
			b.ReportMetric(nodeNs/goNs, "ratio")
			if goCPU > 0 {
				b.ReportMetric(goCPU/float64(b.N), "go-cpu-ns/verify")
				b.ReportMetric(nodeCPU/float64(b.N), "node-cpu-ns/verify")
				b.ReportMetric(nodeCPU/goCPU, "cpu-ratio")
			}
		})
	}
}
