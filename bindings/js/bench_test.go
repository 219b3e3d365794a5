package js_test

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/verifier"
)

// MaxGzipSize bounds the package as a product bundles it: the main entry
// with @noble/ed25519, minified by esbuild and gzipped.
const MaxGzipSize = 15000

// bundleSize returns the main entry's size minified and gzipped, with its
// dependency, as esbuild bundles it for a browser.
func bundleSize(t testing.TB, entries ...string) (minified, gzipped int) {
	t.Helper()
	args := append([]string{"--bundle", "--minify", "--format=esm", "--platform=browser", "--log-level=warning"}, entries...)
	min := run(t, exec.Command("node_modules/.bin/esbuild", args...))
	var z bytes.Buffer
	w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	w.Write([]byte(min))
	w.Close()
	return len(min), z.Len()
}

// TestSize holds the main entry to MaxGzipSize and logs every entry's
// size.
func TestSize(t *testing.T) {
	needNode(t)
	if _, err := exec.LookPath("node_modules/.bin/esbuild"); err != nil {
		t.Fatal("esbuild is missing: run npm ci in bindings/js")
	}
	for _, entry := range []string{"licmint.js", "catalog.js", "formats.js", "jwt.js", "keys.js", "wasm.js"} {
		m, z := bundleSize(t, entry)
		t.Logf("%s with its imports: %d B minified, %d B gzipped", entry, m, z)
		if entry == "licmint.js" && z > MaxGzipSize {
			t.Errorf("%s: %d B minified and gzipped, more than %d", entry, z, MaxGzipSize)
		}
	}
}

// BenchmarkNodeVsGo times verify in Node against Verifier.Verify in Go,
// in alternation: each iteration runs n verifies natively, then n in a
// Node process (timed inside it, after a warm-up). ratio is Node's time
// over Go's; cpu-ratio the same for CPU time (on a busy machine the two
// sides' elapsed times suffer unequally). The sub-benchmarks are the
// Ed25519 check: node (crypto.verify, Node's default), webcrypto, noble
// and wasm (licmint/wasm); and crypto.verify, Node's Ed25519 alone on the code's message,
// against Go's whole Verify: the floor of any verify in Node.
func BenchmarkNodeVsGo(b *testing.B) {
	needNode(b)
	var s suiteFile
	readJSON(b, testdata+"/conformance/cases.json", &s)
	code := ""
	for _, c := range s.Cases {
		if c.Name == "valid, standard edition" {
			code = *c.Runs[0].Steps[0].Code
		}
	}
	pub, _ := hex.DecodeString(s.Keys[0].Public)
	now := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	pc, _ := catalog.Default().Product("PC")
	v, err := verifier.New("PC", []verifier.Key{{ID: 1, Public: pub}}, verifier.WithCatalog(pc), verifier.WithNow(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	for _, check := range []string{"node", "crypto.verify", "webcrypto", "noble", "wasm"} {
		b.Run(check, func(b *testing.B) {
			n := 2000
			if check == "noble" {
				n = 50
			}
			var goNs, nodeNs, goCPU, nodeCPU float64
			for i := 0; i < b.N; i++ {
				t0, c0 := time.Now(), cpuTime() // elapsed time, not the date
				for range n {
					if _, err := v.Verify(code); err != nil {
						b.Fatal(err)
					}
				}
				goNs += float64(time.Since(t0).Nanoseconds()) / float64(n)
				goCPU += float64(cpuTime()-c0) / float64(n)
				out := run(b, exec.Command("node", "test/bench.mjs", s.Keys[0].Public, code, strconv.Itoa(n), check))
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
			b.ReportMetric(goCPU/float64(b.N), "go-cpu-ns/verify")
			b.ReportMetric(nodeCPU/float64(b.N), "node-cpu-ns/verify")
			b.ReportMetric(nodeCPU/goCPU, "cpu-ratio")
		})
	}
}
