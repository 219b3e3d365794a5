package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestInputLimitExitCodes checks the exit statuses of input that goes past
// its limit, which the scripts in testdata/bounded.txt cannot tell apart.
func TestInputLimitExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pub := write("test.pub.pem", []byte(testPubPEM))
	fakeKey := write("fake.key.age", []byte("age-encryption.org/v1\n"))
	big := write("big.txt", bytes.Repeat([]byte{'x'}, 2<<20))
	regs := write("regs.csv", []byte("rk,edition\n"))
	const code = "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG-7VK8P-00PX8-MTFHC-W0JH4-JZWYP-WDMTM-0TM7Y-ZNBZP-TPKAB-9FR6R-MTDYW-ZKS44-57JXC-EDY7X-NXZAN-C97KF-CW6NP-YHQQ3-EHJYM-JEP18-M08JX-PNAB"
	longLine := "PC-0314-1592-6535-8978\n" + strings.Repeat("x", 2<<20) + "\n"

	tests := []struct {
		name  string
		args  []string
		stdin string
		want  int
	}{
		{"passphrase file too large", []string{"sign", "--key", fakeKey, "--passphrase-file", big, "--rk", "PC-0314-1592-6535-8978", "--edition", "standard"}, "", exitError},
		{"key file too large", []string{"sign", "--key", big, "--rk", "PC-0314-1592-6535-8978", "--edition", "standard"}, "", exitError},
		{"public key as --key", []string{"sign", "--key", pub, "--rk", "PC-0314-1592-6535-8978", "--edition", "standard"}, "", exitError},
		{"keyring too large", []string{"verify", "--keyring", big, code}, "", exitError},
		{"code on stdin too large: inspect", []string{"inspect", "-"}, strings.Repeat("x", 20<<10), exitInvalid},
		{"code on stdin too large: verify", []string{"verify", "--pub", pub, "-"}, strings.Repeat("x", 20<<10), exitInvalid},
		{"rk check: a line too long", []string{"rk", "check", "-"}, longLine, exitInvalid},
		{"--out is --in", []string{"sign", "--key", fakeKey, "--in", regs, "--out", regs}, "", exitUsage},
		{"--out is --in, another spelling", []string{"sign", "--key", fakeKey, "--in", regs, "--out", filepath.Join(dir, ".", "regs.csv")}, "", exitUsage},
		{"--at names no day", []string{"verify", "--pub", pub, "--at", "2026-02-30", code}, "", exitUsage},
	}
	if runtime.GOOS != "windows" {
		tests = append(tests,
			struct {
				name  string
				args  []string
				stdin string
				want  int
			}{"--state /dev/zero", []string{"verify", "--pub", pub, "--at", "2027-01-01", "--state", "/dev/zero", code}, "", exitError},
			struct {
				name  string
				args  []string
				stdin string
				want  int
			}{"--passphrase-file /dev/zero", []string{"sign", "--key", fakeKey, "--passphrase-file", "/dev/zero", "--rk", "PC-0314-1592-6535-8978", "--edition", "standard"}, "", exitError},
		)
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		if got := run(tc.args, strings.NewReader(tc.stdin), &stdout, &stderr); got != tc.want {
			t.Errorf("%s: exit %d, want %d\n%s", tc.name, got, tc.want, stderr.String())
		}
		if !strings.HasPrefix(stderr.String(), "licmint: error: ") {
			t.Errorf("%s: stderr %q does not start with licmint: error:", tc.name, stderr.String())
		}
	}
}

// TestReadAllLimitedStops checks that a read stops one byte past its limit
// on endless input, rather than reading all of it and checking after.
func TestReadAllLimitedStops(t *testing.T) {
	r := &endless{}
	_, err := readAllLimited(r, "standard input", passphraseInput)
	if err == nil || err.Error() != "standard input: more than 4 KiB, the limit for a passphrase file" {
		t.Fatalf("err = %v", err)
	}
	if r.n > passphraseInput.limit+1 {
		t.Errorf("read %d bytes for a limit of %d", r.n, passphraseInput.limit)
	}
}

// endless is an io.Reader of endless zero bytes that counts what it gives.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	clear(p)
	e.n += int64(len(p))
	return len(p), nil
}

// TestRKCheckEndless: rk check on an input with no line end, such as
// /dev/zero, stops with exit 3 instead of reading forever.
func TestRKCheckEndless(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if got := run([]string{"rk", "check", "-"}, zeroReader{}, &stdout, &stderr); got != exitInvalid || !strings.Contains(stderr.String(), "no line end") {
		t.Fatalf("exit %d\n%s", got, stderr.String())
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
