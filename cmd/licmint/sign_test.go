package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Exit statuses and file modes, which the scripts cannot see.
func TestSignExitStatusAndModes(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	os.WriteFile(p("id.txt"), []byte("AGE-SECRET-KEY-12354DZ4MD0FY4MUSMDRVK0Q8KUT0X5QTPDEFSQPUVYERAX46JD0QCLFF5G\n"), 0o600)
	os.WriteFile(p("regs.csv"), []byte("rk,edition\nPC-0314-1592-6535-8978,standard\nPC-0314-1592-6535-8978,gold\n"), 0o644)
	var out, errOut bytes.Buffer
	if code := run([]string{"keygen", "--out", p("keys"), "--recipient", "age1ajtr2v0x8yngdm290unknkdpqy98sq7kxp9gqzc8457t0pacn9jsv2hwsq"}, nil, &out, &errOut); code != exitOK {
		t.Fatalf("keygen: exit %d: %s", code, errOut.String())
	}
	if fi, err := os.Stat(p("keys/vendor.key.age")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("private key file: %v, %v; want mode 0600", fi, err)
	}
	errOut.Reset()
	args := []string{"sign", "--key", p("keys/vendor.key.age"), "--identity", p("id.txt"), "--in", p("regs.csv"), "--out", p("codes.csv")}
	if code := run(args, nil, &out, &errOut); code != exitPartial {
		t.Fatalf("batch with a bad row: exit %d, want %d: %s", code, exitPartial, errOut.String())
	}
	if !strings.Contains(errOut.String(), "signed 1, failed 1") {
		t.Fatalf("summary: %s", errOut.String())
	}
	if code := run(args, nil, &out, &errOut); code != exitError {
		t.Fatalf("existing output: exit %d, want %d", code, exitError)
	}
	if code := run([]string{"sign", "--key", p("keys/vendor.key.age"), "--identity", p("id.txt"), "--rk", "PC-0314-1592-6535-8978", "--edition", "gold"}, nil, &out, &errOut); code != exitInvalid {
		t.Fatalf("unknown edition: exit %d, want %d", code, exitInvalid)
	}
}
