package js_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeno runs the suite in Deno (test/deno.mjs), with every Ed25519
// check Deno has.
func TestDeno(t *testing.T) {
	needNode(t)
	if _, err := exec.LookPath("deno"); err != nil {
		if os.Getenv(requireEnv) != "" {
			t.Fatal("deno not found: .ci/run installs it from the npm registry")
		}
		t.Skip("deno not found: install Deno 2 to run the Deno tests")
	}
	oracle := writeOracle(t, oracleDir(t))
	abs, _ := filepath.Abs(testdata)
	cmd := exec.Command("deno", "run", "--allow-read", "--allow-env", "test/deno.mjs")
	cmd.Env = append(os.Environ(), "LICMINT_TESTDATA="+abs, "LICMINT_ORACLE="+oracle, "DENO_NO_UPDATE_CHECK=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\n# fail 0") {
		t.Fatalf("deno: %v\n%s", err, tail(string(out), 30000))
	}
	t.Log(strings.TrimSpace(string(out)))
}
