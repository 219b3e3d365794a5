// Package js_test runs the JavaScript package's suite (test/suite.mjs) in
// Node and in headless Chromium against Go's answers, measures the
// package's size, and times verify in Node against Go.
package js_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// requireEnv makes a missing Node, npm install or Chromium a failure
// rather than a skip; .ci/run sets it.
const requireEnv = "LICMINT_REQUIRE_JS"

// needNode skips (or, under LICMINT_REQUIRE_JS, fails) without node and
// the package's installed dependencies (npm ci in bindings/js).
func needNode(t testing.TB) {
	t.Helper()
	miss := ""
	if _, err := exec.LookPath("node"); err != nil {
		miss = "node not found: the JavaScript tests need Node.js 20 or later"
	} else if _, err := os.Stat("node_modules/@noble/ed25519/package.json"); err != nil {
		miss = "bindings/js/node_modules is missing: run npm ci in bindings/js"
	}
	if miss == "" {
		return
	}
	if os.Getenv(requireEnv) != "" {
		t.Fatal(miss)
	}
	t.Skip(miss)
}

func run(t testing.TB, cmd *exec.Cmd) string {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return string(out)
}

// TestNode runs test/node.test.mjs: the suite once per Ed25519 check Node
// has, and FileStore's tests; and test/wasm.test.mjs, the WebAssembly
// check against crypto.verify and noble on random and mutated input.
func TestNode(t *testing.T) {
	needNode(t)
	oracle := writeOracle(t, oracleDir(t))
	abs, _ := filepath.Abs(testdata)
	cmd := exec.Command("node", "--test", "--test-reporter=tap", "test/node.test.mjs", "test/wasm.test.mjs")
	cmd.Env = append(os.Environ(), "LICMINT_TESTDATA="+abs, "LICMINT_ORACLE="+oracle)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\n# fail 0") {
		t.Fatalf("node --test: %v\n%s", err, tail(string(out), 30000))
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "# pass") || strings.HasPrefix(l, "# tests") {
			t.Log(l)
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// oracleDir is where the oracle goes: a temporary directory, or
// LICMINT_ORACLE_DIR, to run the JavaScript suite by hand afterwards.
func oracleDir(t testing.TB) string {
	if d := os.Getenv("LICMINT_ORACLE_DIR"); d != "" {
		return d
	}
	return t.TempDir()
}

// TestChromium runs the suite in headless Chromium, on a page that
// imports the package as served, over loopback.
func TestChromium(t *testing.T) {
	needNode(t)
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv(requireEnv) != "" {
			t.Fatal("Chromium is absent: install it (apt-get install chromium)")
		}
		t.Skip("Chromium is absent: install it (apt-get install chromium) to run the browser tests")
	}
	oracle := writeOracle(t, oracleDir(t))
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(".")))
	mux.Handle("/testdata/", http.StripPrefix("/testdata/", http.FileServer(http.Dir(testdata))))
	mux.HandleFunc("/oracle.json", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, oracle) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true)}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	type outcome struct {
		Passed       int      `json:"passed"`
		Failed       []string `json:"failed"`
		Checks       []string `json:"checks"`
		DefaultCheck string   `json:"defaultCheck"`
	}
	if _, err := chromedp.Run(bctx, chromedp.Navigate(srv.URL+"/test/browser.html")); err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	result, err := chromedp.Run(bctx, chromedp.Poll[outcome](`window.licmintResult`, chromedp.WithPollingInterval(200*time.Millisecond)))
	if err != nil {
		t.Fatalf("running the page: %v", err)
	}
	for _, f := range result.Failed {
		t.Error(f)
	}
	if result.Passed < 50 {
		t.Errorf("only %d tests passed", result.Passed)
	}
	if result.DefaultCheck != "webcrypto" {
		t.Errorf("Chromium's default signature check is %q, want webcrypto", result.DefaultCheck)
	}
	t.Logf("Chromium: %d passed, %d failed, signature checks %v", result.Passed, len(result.Failed), result.Checks)
}

// TestReadmeExample runs README.md's JavaScript example in Node, with the
// package installed as a product installs it (node_modules/licmint), and
// checks the shape of its line: the example reads the system clock, on
// which the suite's code is valid until 2027-11-27 and then expired,
// expiring or in grace.
func TestReadmeExample(t *testing.T) {
	needNode(t)
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "```js\n// Verify an Activation Code from JavaScript"
	_, block, ok := strings.Cut(string(readme), start)
	if !ok {
		t.Fatal("README.md has no JavaScript example")
	}
	block, _, _ = strings.Cut(block, "\n```\n")
	dir := t.TempDir()
	abs, _ := filepath.Abs(".")
	if err := os.MkdirAll(filepath.Join(dir, "node_modules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(abs, filepath.Join(dir, "node_modules", "licmint")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "example.mjs"), []byte(start[len("```js\n"):]+block+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var s suiteFile
	readJSON(t, filepath.Join(testdata, "conformance", "cases.json"), &s)
	cmd := exec.Command("node", "example.mjs", s.Keys[0].Public, *s.Cases[0].Runs[0].Steps[0].Code)
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), " standard, ") || !strings.Contains(string(out), " days left, update ") {
		t.Errorf("the example printed %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "licmint-state")); err != nil {
		t.Errorf("the example saved no state: %v", err)
	}
}

// TestEveryVectorFile fails when testdata/vectors holds a file the
// JavaScript suite does not run, so that a new one cannot be missed.
func TestEveryVectorFile(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdata, "vectors", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vector files (%v)", err)
	}
	suite, err := os.ReadFile("test/suite.mjs")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if !strings.Contains(string(suite), "vectors: "+name+".json") {
			t.Errorf("test/suite.mjs runs no test named %q: add one for %s", "vectors: "+name+".json", f)
		}
	}
}
