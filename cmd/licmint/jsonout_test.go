package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// codeFields are the members every --json record that describes an
// Activation Code has, named and formatted the same way.
var codeFields = []string{"product", "edition", "edition_number", "trial", "serial", "generation", "key_id",
	"install_bound", "issued", "expires", "short_form", "activation_code"}

// TestCodeRecordsAgree checks that sign, renew, replace, inspect and verify
// describe a code with the same members and the same formats, and that
// the records of the same code agree.
func TestCodeRecordsAgree(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	os.WriteFile(p("id.txt"), []byte("AGE-SECRET-KEY-12354DZ4MD0FY4MUSMDRVK0Q8KUT0X5QTPDEFSQPUVYERAX46JD0QCLFF5G\n"), 0o600)
	record := func(want int, args ...string) map[string]any {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(append(args, "--json"), strings.NewReader(""), &out, &errOut); code != want {
			t.Fatalf("%v: exit %d, want %d: %s", args, code, want, errOut.String())
		}
		var rec map[string]any
		if err := json.Unmarshal(out.Bytes(), &rec); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out.String())
		}
		return rec
	}
	record(exitOK, "keygen", "--out", p("keys"), "--recipient", "age1ajtr2v0x8yngdm290unknkdpqy98sq7kxp9gqzc8457t0pacn9jsv2hwsq")
	key := []string{"--key", p("keys/vendor.key.age"), "--identity", p("id.txt")}
	signed := record(exitOK, append([]string{"sign", "--rk", "PC-0314-1592-6535-8978", "--edition", "premium",
		"--issued", "2026-11-27", "--install-id", "host-7"}, key...)...)
	code := signed["activation_code"].(string)
	verify := []string{"verify", "--pub", p("keys/vendor.pub.pem"), "--install-id", "host-7"}

	records := map[string]map[string]any{
		"sign":    signed,
		"inspect": record(exitOK, "inspect", code),
		"verify":  record(exitOK, append(verify, "--at", "2027-01-01", code)...),
		// Not in force: report prints the record, with the error in it.
		"verify expired": record(exitNotInForce, append(verify, "--at", "2028-01-01", code)...),
		"renew":          record(exitOK, append([]string{"renew", "--code", code, "--install-id", "host-7", "--issued", "2027-10-01"}, key...)...),
		"replace":        record(exitOK, append([]string{"replace", "--install-id", "host-7", code}, key...)...),
	}
	for cmd, rec := range records {
		for _, f := range codeFields {
			v, ok := rec[f]
			if !ok {
				t.Errorf("%s: no %q member", cmd, f)
				continue
			}
			if reflect.TypeOf(v) != reflect.TypeOf(signed[f]) {
				t.Errorf("%s: %q is %T, sign's is %T", cmd, f, v, signed[f])
			}
			same := cmd != "renew" && cmd != "replace" && (f != "edition" || cmd != "inspect")
			if same && v != signed[f] {
				t.Errorf("%s: %q is %v, sign's is %v", cmd, f, v, signed[f])
			}
		}
	}
	// inspect reads no catalog: the edition is its number, as verify shows
	// an edition its catalog does not list.
	if got := records["inspect"]["edition"]; got != "2" {
		t.Errorf("inspect: edition %v, want \"2\"", got)
	}
	if got := records["renew"]["previous_expires"]; got != signed["expires"] {
		t.Errorf("renew: previous_expires %v, want %v", got, signed["expires"])
	}
	if got := records["replace"]["generation"]; got != 1.0 {
		t.Errorf("replace: generation %v, want 1", got)
	}
	if e, _ := records["verify expired"]["error"].(map[string]any); e["kind"] != "not_in_force" {
		t.Errorf("verify expired: error %v, want kind not_in_force", e)
	}

	// A failure keeps the record's shape, with the error in it.
	last := "B"
	if strings.HasSuffix(code, last) {
		last = "C"
	}
	typo := code[:len(code)-1] + last
	for _, args := range [][]string{{"inspect", typo}, append(verify, typo)} {
		rec := record(exitInvalid, args...)
		if e, _ := rec["error"].(map[string]any); e["kind"] != "typo" {
			t.Errorf("%s: error %v, want kind typo", args[0], rec["error"])
		}
		if pos, _ := rec["position"].(map[string]any); pos["group"] == nil {
			t.Errorf("%s: position %v, want the group of the typo", args[0], rec["position"])
		}
	}
}
