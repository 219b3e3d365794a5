package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/formats/revocation"
)

// Exit statuses of renew, replace and revoke, which the scripts cannot
// see, and the revocation list read back as a product reads it.
func TestLifecycleExitStatusAndList(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	os.WriteFile(p("id.txt"), []byte("AGE-SECRET-KEY-12354DZ4MD0FY4MUSMDRVK0Q8KUT0X5QTPDEFSQPUVYERAX46JD0QCLFF5G\n"), 0o600)
	os.WriteFile(p("other.txt"), []byte("AGE-SECRET-KEY-17EZQ8S4SRRKF46W5W6XL5U3TJK85MYHYCP95YLWJM665MZAKDN5SSVVHGG\n"), 0o600)
	run1 := func(want int, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(args, strings.NewReader(""), &out, &errOut); code != want {
			t.Fatalf("%v: exit %d, want %d: %s", args, code, want, errOut.String())
		}
		return strings.TrimSpace(out.String())
	}
	run1(exitOK, "keygen", "--out", p("keys"), "--recipient", "age1ajtr2v0x8yngdm290unknkdpqy98sq7kxp9gqzc8457t0pacn9jsv2hwsq")
	key := []string{"--key", p("keys/vendor.key.age"), "--identity", p("id.txt")}
	code := run1(exitOK, append([]string{"sign", "--rk", "PC-0314-1592-6535-8978", "--edition", "premium", "--issued", "2026-11-27"}, key...)...)
	trial := run1(exitOK, append([]string{"sign", "--rk", "PC-1271-8281-8284-5903", "--edition", "premium", "--issued", "2026-11-27"}, key...)...)
	bound := run1(exitOK, append([]string{"sign", "--rk", "PC-0314-1592-6535-8978", "--edition", "premium", "--install-id", "host-7"}, key...)...)

	renewed := run1(exitOK, append([]string{"renew", "--code", code, "--issued", "2027-10-01"}, key...)...)
	c, err := formats.ParseSigned(renewed, formats.MustProduct("PC"))
	if err != nil || c.Expires.String() != "2028-11-26" || c.Generation != 0 {
		t.Fatalf("renewed %v: %+v", err, c.Header)
	}
	run1(exitInvalid, append([]string{"renew", "--code", trial}, key...)...)
	run1(exitInvalid, append([]string{"renew", "--code", code[:formats.ShortLen]}, key...)...)
	run1(exitInvalid, append([]string{"renew", "--code", bound, "--install-id", "host-8"}, key...)...)
	run1(exitUsage, append([]string{"renew", "--code", bound}, key...)...)
	run1(exitUsage, append([]string{"renew", "--code", code, "--days", "0"}, key...)...)
	run1(exitError, "renew", "--key", p("keys/vendor.key.age"), "--identity", p("other.txt"), "--code", code)

	repl := run1(exitOK, append([]string{"replace", code}, key...)...)
	if c, err := formats.ParseSigned(repl, formats.Product{}); err != nil || c.Generation != 1 {
		t.Fatalf("replacement %v: %+v", err, c.Header)
	}
	run1(exitInvalid, append([]string{"replace", "PC-0000"}, key...)...)
	run1(exitUsage, append([]string{"replace", bound}, key...)...)
	run1(exitError, "replace", "--key", p("keys/missing.key.age"), "--identity", p("id.txt"), code)

	out := p("list.lmrl")
	run1(exitOK, append([]string{"revoke", "--seq", "3", "--serial", "31415926535897:1", "--serial", trial, "--out", out}, key...)...)
	run1(exitError, append([]string{"revoke", "--seq", "4", "--serial", "31415926535897:1", "--out", out}, key...)...)
	run1(exitInvalid, append([]string{"revoke", "--seq", "4", "--serial", "31415926535897:0", "--out", p("bad.lmrl")}, key...)...)
	run1(exitUsage, append([]string{"revoke", "--serial", "31415926535897", "--out", p("bad.lmrl")}, key...)...)
	if _, err := os.Stat(p("bad.lmrl")); err == nil {
		t.Fatal("a failed revoke left its output")
	}

	pub, _ := os.ReadFile(p("keys/vendor.pub.pem"))
	ring, err := keyring.Parse(pub)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	l, err := revocation.Parse(data, formats.MustProduct("PC"), ring.VerifyList)
	if err != nil {
		t.Fatal(err)
	}
	if l.Sequence != 3 || l.Len() != 2 || !l.Revoked(31415926535897, 0) || l.Revoked(31415926535897, 1) || !l.Revoked(27182818284590, 9) {
		t.Fatalf("list: sequence %d, %d entries", l.Sequence, l.Len())
	}
}
