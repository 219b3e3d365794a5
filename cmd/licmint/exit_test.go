package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestExitCodes checks the documented statuses of commands that need no
// files.
func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"rk", "check", "PC-0314-1592-6535-8978"}, exitOK},
		{[]string{"rk", "check", "PC-0314-1592-6535-8979"}, exitInvalid},
		{[]string{"inspect", "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEH"}, exitInvalid},
		{[]string{"frobnicate"}, exitUsage},
		{[]string{"rk", "new", "--bogus"}, exitUsage},
		{[]string{"rk", "new", "--count", "0"}, exitUsage},
		{[]string{"inspect"}, exitUsage},
		{[]string{"demo", "--at", "soon"}, exitUsage},
		{[]string{"demo"}, exitOK},
	} {
		var out, errOut bytes.Buffer
		if got := run(tc.args, strings.NewReader(""), &out, &errOut); got != tc.code {
			t.Errorf("licmint %s: exit %d, want %d\n%s", strings.Join(tc.args, " "), got, tc.code, errOut.String())
		}
		if tc.code != exitOK && !strings.HasPrefix(errOut.String(), "licmint: error: ") {
			t.Errorf("licmint %s: stderr %q does not start with licmint: error:", strings.Join(tc.args, " "), errOut.String())
		}
	}
}

// TestJSONErrors runs a typical failure of every command with --json and
// checks that it exits as without --json and prints exactly one JSON
// object on stdout whose error member has the expected kind, the message
// and hint of the error lines, and a kind of the exit status.
func TestJSONErrors(t *testing.T) {
	dir := jsonErrorsDir(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range jsonErrorCases(p) {
		checkJSONError(t, p, tc)
	}
}

// jsonErrorsDir makes the files that the cases of TestJSONErrors use.
func jsonErrorsDir(t *testing.T) string {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	files := map[string]string{
		"id.txt":       "AGE-SECRET-KEY-12354DZ4MD0FY4MUSMDRVK0Q8KUT0X5QTPDEFSQPUVYERAX46JD0QCLFF5G\n",
		"other.txt":    "AGE-SECRET-KEY-17EZQ8S4SRRKF46W5W6XL5U3TJK85MYHYCP95YLWJM665MZAKDN5SSVVHGG\n",
		"empty.txt":    "\n",
		"test.pub.pem": testPubPEM,
		"regs.csv":     "rk,edition,issued\nPC-0314-1592-6535-8978,premium,2026-11-27\nPC-1271-8281-8284-5903,gold,2026-11-27\n",
		"exists.lmrl":  "",
	}
	for name, data := range files {
		if err := os.WriteFile(p(name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"keygen", "--out", p("keys"), "--recipient", "age1ajtr2v0x8yngdm290unknkdpqy98sq7kxp9gqzc8457t0pacn9jsv2hwsq"}, strings.NewReader(""), &out, &errOut); code != exitOK {
		t.Fatalf("keygen: exit %d: %s", code, errOut.String())
	}
	return dir
}

// jsonErrorCase is a failure of a command: its arguments, exit status and
// kind, and a check of the rest of the object, when the command has a
// record of its failure.
type jsonErrorCase struct {
	args  []string
	code  int
	kind  string
	check func(t *testing.T, obj map[string]any)
}

// jsonErrorCases are a typical failure of every command.
func jsonErrorCases(p func(string) string) []jsonErrorCase {
	key := []string{"--key", p("keys/vendor.key.age"), "--identity", p("id.txt")}
	with := func(args ...string) []string { return append(args, key...) }
	const (
		rk     = "PC-0314-1592-6535-8978"
		code   = "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG-7VK8P-00PX8-MTFHC-W0JH4-JZWYP-WDMTM-0TM7Y-ZNBZP-TPKAB-9FR6R-MTDYW-ZKS44-57JXC-EDY7X-NXZAN-C97KF-CW6NP-YHQQ3-EHJYM-JEP18-M08JX-PNAB"
		forged = "PC-2081-0017D-FZZSS-4MQ4G-VDJ03-X8A53-7VK8P-00PX8-MTFHC-W0JH4-JZWYP-WDMTM-0TM7Y-ZNBZP-TPKAB-9FR6R-MTDYW-ZKS44-57JXC-EDY7X-NXZAN-C97KF-CW6NP-YHQQ3-EHJYM-JEP18-M08FB-J6VQ"
		keyID2 = "PC-20G2-0017D-0PHRX-DT7D5-6RM0M-2TGJT-SYSHT-R3Q6M-GJ4X2-5CW3A-PDB8Q-42002-GSYPV-99BXT-BV7SK-2NRWC-FSND8-Z9E65-KWFVZ-PENZF-VSYZY-T413F-4M2R7-KS44T-KBMSW-9CGTA-618N3-J9QD"
		bound  = "PC-2081-8017D-0PHRS-Q5RZ1-G340E-YC02V-A5TXH-BKE55-MFB0D-0CZFS-SR9DD-6VBPT-GCA6B-K7MQW-ZBYMD-4ZV4N-8YGTZ-RHRGR-K0W8C-77TC5-8WSZZ-MMG7X-E5DT8-AH2E2-NTEGD-TH8BS-M0G91-DK56"
		noneTk = "eyJhbGciOiJub25lIiwia2lkIjoiMSJ9.eyJhdWQiOlsiUEMiXX0."
		secret = "AGE-SECRET-KEY-17EZQ8S4SRRKF46W5W6XL5U3TJK85MYHYCP95YLWJM665MZAKDN5SSVVHGG"
	)
	typo := strings.Replace(code, "PNAB", "PNAC", 1)
	verify := func(args ...string) []string { return append([]string{"verify", "--pub", p("test.pub.pem")}, args...) }

	return []jsonErrorCase{
		// Usage, as cobra refuses it and as commands do.
		{[]string{"frobnicate"}, exitUsage, "usage", nil},
		{[]string{"rk", "frobnicate"}, exitUsage, "usage", nil},
		{[]string{"completion", "frobnicate"}, exitUsage, "usage", nil},
		{[]string{"rk", "new", "--bogus"}, exitUsage, "usage", nil},
		{[]string{"rk", "new", "--count", "0"}, exitUsage, "usage", nil},
		{[]string{"inspect"}, exitUsage, "usage", nil},
		{[]string{"demo", "--at", "soon"}, exitUsage, "usage", nil},
		{[]string{"version", "extra"}, exitUsage, "usage", nil},
		{[]string{"exit-codes", "extra"}, exitUsage, "usage", nil},
		{[]string{"help", "frobnicate"}, exitUsage, "usage", nil},
		{[]string{"pubkey"}, exitUsage, "usage", nil},
		{[]string{"request"}, exitUsage, "usage", nil},
		{[]string{"keygen", "--out", p("k2"), "--recipient", secret}, exitUsage, "usage", nil},
		{[]string{"sign", "--rk", rk}, exitUsage, "usage", nil},
		{verify(), exitUsage, "usage", nil},
		{verify("--at", "tomorrow", code), exitUsage, "usage", nil},

		// Files and keys.
		{[]string{"pubkey", "--key", p("missing.pem")}, exitError, "file", nil},
		{[]string{"pubkey", "--key", p("keys/vendor.key.age")}, exitError, "key", nil},
		{[]string{"keygen", "--out", p("keys"), "--recipient", "age1ajtr2v0x8yngdm290unknkdpqy98sq7kxp9gqzc8457t0pacn9jsv2hwsq"}, exitError, "file", nil},
		{[]string{"keygen", "--out", p("k3"), "--passphrase-file", p("empty.txt")}, exitError, "key", nil},
		{[]string{"sign", "--key", p("missing.key.age"), "--identity", p("id.txt"), "--rk", rk, "--edition", "premium"}, exitError, "file", nil},
		{[]string{"sign", "--key", p("keys/vendor.key.age"), "--identity", p("other.txt"), "--rk", rk, "--edition", "premium"}, exitError, "key", nil},
		{[]string{"sign", "--key", p("keys/vendor.key.age"), "--identity", p("empty.txt"), "--rk", rk, "--edition", "premium"}, exitError, "key", nil},
		{verify("--keyring", p("test.pub.pem"), code), exitUsage, "usage", nil},
		{[]string{"verify", "--pub", p("id.txt"), code}, exitError, "key", nil},
		{with("revoke", "--seq", "1", "--serial", "31415926535897", "--out", p("exists.lmrl")), exitError, "file", nil},
		{with("replace", "--keyring", p("id.txt"), code), exitError, "key", nil},

		// Invalid input.
		{with("sign", "--rk", "PC-0314-1592-6535-8979", "--edition", "premium"), exitInvalid, "typo", nil},
		{with("sign", "--rk", rk, "--edition", "gold"), exitInvalid, "invalid", nil},
		{with("replace", typo), exitInvalid, "typo", nil},
		{with("replace", forged), exitInvalid, "bad_signature", nil},
		{with("replace", keyID2), exitInvalid, "unknown_key", nil},
		{with("renew", "--code", code[:37]), exitInvalid, "unsigned", nil},
		{with("revoke", "--seq", "1", "--serial", "bogus", "--out", p("x.lmrl")), exitInvalid, "invalid", nil},
		{[]string{"request", "--code", typo}, exitInvalid, "typo", nil},
		{[]string{"inspect", "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEH"}, exitInvalid, "typo", func(t *testing.T, obj map[string]any) {
			e := obj["error"].(map[string]any)
			if pos, _ := e["position"].(map[string]any); pos["group"] != 7.0 || pos["char"] != 5.0 {
				t.Errorf("position %v, want group 7 char 5", e["position"])
			}
			if obj["kind"] != "activation code" || obj["error_kind"] != "typo" {
				t.Errorf("not inspect's record: %v", obj)
			}
		}},
		// The records of the keys precede the error object, one a line.
		{[]string{"rk", "check", rk, "PC-03A4-1592-6535-8978"}, exitInvalid, "malformed", nil},
		{verify(typo), exitInvalid, "typo", func(t *testing.T, obj map[string]any) {
			if obj["status"] != "invalid" || obj["error_kind"] != "typo" {
				t.Errorf("not verify's record: %v", obj)
			}
		}},
		{verify("--product", "PD", code), exitInvalid, "wrong_product", nil},
		{verify(forged), exitInvalid, "bad_signature", nil},
		{verify(keyID2), exitInvalid, "unknown_key", nil},
		{verify(bound), exitInvalid, "install_mismatch", nil},
		{verify(noneTk), exitInvalid, "bad_token", nil},
		{verify(code[:37]), exitInvalid, "unsigned", nil},
		{verify("PC-2081-00U7D"), exitInvalid, "malformed", nil},

		// Not in force, and a batch with a bad row.
		{verify("--at", "2028-01-01", code), exitNotInForce, "not_in_force", func(t *testing.T, obj map[string]any) {
			if obj["status"] != "expired" || obj["days_left"] != -35.0 {
				t.Errorf("not verify's record: %v", obj)
			}
		}},
		{with("sign", "--in", p("regs.csv"), "--out", p("codes.csv")), exitPartial, "partial", func(t *testing.T, obj map[string]any) {
			if obj["signed"] != 1.0 || obj["failed"] != 1.0 || obj["out"] != p("codes.csv") {
				t.Errorf("not the batch summary: %v", obj)
			}
		}},
		{with("sign", "--in", p("regs.csv"), "--out", p("codes.csv")), exitError, "file", nil}, // exists now
	}
}

// checkJSONError runs tc without --json and with it, and checks the one
// JSON object it prints against tc and the error lines.
func checkJSONError(t *testing.T, p func(string) string, tc jsonErrorCase) {
	t.Helper()
	name := strings.Join(tc.args, " ")
	var plainOut, plainErr bytes.Buffer
	if got := run(tc.args, strings.NewReader(""), &plainOut, &plainErr); got != tc.code {
		t.Errorf("%s: exit %d, want %d\n%s", name, got, tc.code, plainErr.String())
		return
	}
	if strings.HasPrefix(strings.TrimSpace(plainOut.String()), "{") {
		t.Errorf("%s: JSON on stdout without --json:\n%s", name, plainOut.String())
	}
	if strings.Contains(name, "codes.csv") {
		os.Remove(p("codes.csv")) // the batch runs once more, with --json
		if tc.code == exitError {
			os.WriteFile(p("codes.csv"), nil, 0o644)
		}
	}
	var stdout, stderr bytes.Buffer
	got := run(append(tc.args, "--json"), strings.NewReader(""), &stdout, &stderr)
	if got != tc.code {
		t.Errorf("%s --json: exit %d, want %d\n%s", name, got, tc.code, stderr.String())
		return
	}
	if tc.args[0] == "rk" && tc.args[1] == "check" {
		// JSON Lines, a record per key as it is checked: the error
		// object is the last line.
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		stdout.Reset()
		stdout.WriteString(lines[len(lines)-1])
	}
	dec := json.NewDecoder(&stdout)
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		t.Errorf("%s --json: stdout is not a JSON object: %v\n%s", name, err, stdout.String())
		return
	}
	if dec.More() {
		t.Errorf("%s --json: more than one JSON value on stdout", name)
	}
	e, ok := obj["error"].(map[string]any)
	if !ok {
		t.Errorf("%s --json: no error object in %v", name, obj)
		return
	}
	msg, _ := e["message"].(string)
	hint, hasHint := e["hint"].(string)
	if e["kind"] != tc.kind || msg == "" || !hasHint {
		t.Errorf("%s --json: error %v, want kind %q, a message and a hint", name, e, tc.kind)
	}
	wantErr := "licmint: error: " + msg + "\n"
	if hint != "" {
		wantErr += "licmint: hint: " + hint + "\n"
	}
	if !strings.HasSuffix(stderr.String(), wantErr) {
		t.Errorf("%s --json: stderr %q does not end with the message and hint %q", name, stderr.String(), wantErr)
	}
	if status := kindStatus(tc.kind); status != tc.code {
		t.Errorf("kind %q is documented with status %d, seen with %d", tc.kind, status, tc.code)
	}
	if strings.Contains(stdout.String(), "AGE-SECRET-KEY") {
		t.Errorf("%s --json: a secret key on stdout", name)
	}
	if tc.check != nil {
		tc.check(t, obj)
	}
}

// kindStatus is the exit status errorKindTable documents for kind, or -1.
func kindStatus(kind string) int {
	for _, k := range errorKindTable {
		if k.Kind == kind {
			return k.Status
		}
	}
	return -1
}

// TestJSONRequested checks how --json is read from a command line that
// cobra could not parse.
func TestJSONRequested(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"frobnicate", "--json"}, true},
		{[]string{"--json", "rk", "new", "--bogus"}, true},
		{[]string{"rk", "new", "--bogus", "--json=true"}, true},
		{[]string{"rk", "new", "--json", "--json=false", "--bogus"}, false},
		{[]string{"rk", "new", "--bogus", "--json=maybe"}, false},
		{[]string{"inspect", "--", "--json"}, false},
		{[]string{"rk", "new", "--bogus"}, false},
	} {
		if got := jsonRequested(nil, tc.args); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.args, got, tc.want)
		}
	}
	// Without --json nothing reaches stdout.
	var out, errOut bytes.Buffer
	if code := run([]string{"rk", "new", "--bogus"}, strings.NewReader(""), &out, &errOut); code != exitUsage || out.Len() != 0 {
		t.Errorf("exit %d, stdout %q", code, out.String())
	}
}

// TestEveryCommandHasJSON walks the command tree: a script may give
// --json to any command.
func TestEveryCommandHasJSON(t *testing.T) {
	root := newRootCmd()
	root.InitDefaultHelpCmd()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		if c.Flags().Lookup("json") == nil && c.InheritedFlags().Lookup("json") == nil && c.PersistentFlags().Lookup("json") == nil {
			t.Errorf("%s has no --json", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// TestJSONSuccess checks that the commands given --json in this change
// print JSON when they succeed too.
func TestJSONSuccess(t *testing.T) {
	pub := filepath.Join(t.TempDir(), "test.pub.pem")
	if err := os.WriteFile(pub, []byte(testPubPEM), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--help", "--json"},
		{"help", "sign", "--json"},
		{"sign", "--help", "--json"},
		{"rk", "--help", "--json"},
		{"completion", "zsh", "--json"},
		{"exit-codes", "--json"},
		{"pubkey", "--key", pub, "--format", "jwk", "--json"},
		{"request", "--code", "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG-7VK8P-00PX8-MTFHC-W0JH4-JZWYP-WDMTM-0TM7Y-ZNBZP-TPKAB-9FR6R-MTDYW-ZKS44-57JXC-EDY7X-NXZAN-C97KF-CW6NP-YHQQ3-EHJYM-JEP18-M08JX-PNAB", "--json"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, strings.NewReader(""), &out, &errOut); code != exitOK {
			t.Errorf("%v: exit %d: %s", args, code, errOut.String())
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal(out.Bytes(), &obj); err != nil || len(obj) == 0 {
			t.Errorf("%v: stdout is not a JSON object: %v\n%s", args, err, out.String())
		}
	}
}

// TestGroupJSON checks that a command that only groups others, given
// --json, is a usage error naming its commands rather than its help as
// JSON, and that an unknown command in a group is named.
func TestGroupJSON(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--json"}, "licmint needs a command: completion, demo,"},
		{[]string{"rk", "--json"}, "licmint rk needs a command: check, new"},
		{[]string{"ledger", "--json"}, "licmint ledger needs a command: checkpoint, expiring, export, find,"},
		{[]string{"serve", "token", "--json"}, "licmint serve token needs a command: create, list, revoke"},
		{[]string{"completion", "--json"}, "licmint completion needs a command: bash, fish, powershell, zsh"},
		{[]string{"rk", "nosuch", "--json"}, `unknown command \"nosuch\" for \"licmint rk\"`},
	} {
		var out, errOut bytes.Buffer
		if code := run(tc.args, strings.NewReader(""), &out, &errOut); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", tc.args, code, exitUsage)
		}
		if !strings.Contains(out.String(), `"kind": "usage"`) || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%v: stdout %s, want a usage error with %q", tc.args, out.String(), tc.want)
		}
	}
}
