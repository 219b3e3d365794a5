package main

import (
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyExitCodes checks verify's documented exit statuses, which
// testscript scripts cannot tell apart. The key and codes are the TEST ONLY
// vectors of testdata/vectors.
func TestVerifyExitCodes(t *testing.T) {
	pub := filepath.Join(t.TempDir(), "test.pub.pem")
	if err := os.WriteFile(pub, []byte(testPubPEM), 0o644); err != nil {
		t.Fatal(err)
	}
	const (
		code    = "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG-7VK8P-00PX8-MTFHC-W0JH4-JZWYP-WDMTM-0TM7Y-ZNBZP-TPKAB-9FR6R-MTDYW-ZKS44-57JXC-EDY7X-NXZAN-C97KF-CW6NP-YHQQ3-EHJYM-JEP18-M08JX-PNAB"
		forged  = "PC-2081-0017D-FZZSS-4MQ4G-VDJ03-X8A53-7VK8P-00PX8-MTFHC-W0JH4-JZWYP-WDMTM-0TM7Y-ZNBZP-TPKAB-9FR6R-MTDYW-ZKS44-57JXC-EDY7X-NXZAN-C97KF-CW6NP-YHQQ3-EHJYM-JEP18-M08FB-J6VQ"
		keyID2  = "PC-20G2-0017D-0PHRX-DT7D5-6RM0M-2TGJT-SYSHT-R3Q6M-GJ4X2-5CW3A-PDB8Q-42002-GSYPV-99BXT-BV7SK-2NRWC-FSND8-Z9E65-KWFVZ-PENZF-VSYZY-T413F-4M2R7-KS44T-KBMSW-9CGTA-618N3-J9QD"
		token   = "eyJhbGciOiJFZERTQSIsImtpZCI6IjEiLCJ0eXAiOiJKV1QifQ.eyJhY3RpdmF0aW9uX2NvZGUiOiJQQy0yMDgxLTAwMTdELTBQSFNTLTRNUTRHLVZESjBXLURZUUVHLTdWSzhQLTAwUFg4LU1URkhDLVcwSkg0LUpaV1lQLVdETVRNLTBUTTdZLVpOQlpQLVRQS0FCLTlGUjZSLU1URFlXLVpLUzQ0LTU3SlhDLUVEWTdYLU5YWkFOLUM5N0tGLUNXNk5QLVlIUVEzLUVISllNLUpFUDE4LU0wOEpYLVBOQUIiLCJhdWQiOlsiUEMiXSwiY3VzdG9tZXIiOnsibmFtZSI6IkV4YW1wbGUgTHRkIn0sImVkaXRpb24iOiJzdGFuZGFyZCIsImVkaXRpb25fbnVtYmVyIjoxLCJleHAiOjE4MjcyNzM2MDAsImdlbmVyYXRpb24iOjAsImlhdCI6MTc5NTczNzYwMCwiaW5zdGFsbF9ib3VuZCI6ZmFsc2UsImlzcyI6ImxpY21pbnQiLCJqdGkiOiJQQy0yMDgxLTAwMTdELTBQSFNTLTRNUTRHLVZESjBXLURZUUVHIiwibmJmIjoxNzk1NzM3NjAwLCJwcm9kdWN0IjoiUEMiLCJzZXJpYWwiOiIzMTQxNTkyNjUzNTg5NyIsInN1YiI6IjMxNDE1OTI2NTM1ODk3IiwidHJpYWwiOmZhbHNlfQ.11RI4WDc-8Fwpt9YyVE_-RZhfZFHqJEu-8om5-o4f0J5EMoki15--iGj4FuIRjqlPRcQVPoiLEG8FNMmefhKAQ"
		hsToken = "eyJhbGciOiJIUzI1NiIsImtpZCI6IjEiLCJ0eXAiOiJKV1QifQ.eyJhY3RpdmF0aW9uX2NvZGUiOiJQQy0yMDgxLTAwMTdELTBQSFNTLTRNUTRHLVZESjBXLURZUUVHLTdWSzhQLTAwUFg4LU1URkhDLVcwSkg0LUpaV1lQLVdETVRNLTBUTTdZLVpOQlpQLVRQS0FCLTlGUjZSLU1URFlXLVpLUzQ0LTU3SlhDLUVEWTdYLU5YWkFOLUM5N0tGLUNXNk5QLVlIUVEzLUVISllNLUpFUDE4LU0wOEpYLVBOQUIiLCJhdWQiOlsiUEMiXSwiY3VzdG9tZXIiOnsibmFtZSI6IkV4YW1wbGUgTHRkIn0sImVkaXRpb24iOiJzdGFuZGFyZCIsImVkaXRpb25fbnVtYmVyIjoxLCJleHAiOjE4MjcyNzM2MDAsImdlbmVyYXRpb24iOjAsImlhdCI6MTc5NTc3MzYwMCwiaW5zdGFsbF9ib3VuZCI6ZmFsc2UsImlzcyI6ImxpY21pbnQiLCJqdGkiOiJ0LTEiLCJuYmYiOjE3OTU3NzM2MDAsInByb2R1Y3QiOiJQQyIsInNlcmlhbCI6IjMxNDE1OTI2NTM1ODk3Iiwic3ViIjoiMzE0MTU5MjY1MzU4OTciLCJ0cmlhbCI6ZmFsc2V9.RixrbKVTPrhLWEbXXHDvtqDXWCruvMyjZGZQDp_Trak"
	)
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"--at", "2027-01-01", code}, exitOK},
		{[]string{"--at", "2027-10-01", code}, exitOK},         // expiring
		{[]string{"--at", "2027-12-01", code}, exitOK},         // grace
		{[]string{"--at", "2028-01-01", code}, exitNotInForce}, // expired
		{[]string{"--at", "2026-11-26", code}, exitNotInForce}, // not yet valid
		{[]string{"--at", "2028-01-01", "--json", code}, exitNotInForce},
		{[]string{"--at", "2027-01-01", token}, exitOK},
		{[]string{"--at", "2028-01-01", token}, exitNotInForce},
		{[]string{strings.Replace(code, "PNAB", "PNAC", 1)}, exitInvalid}, // typo
		{[]string{"--json", forged}, exitInvalid},
		{[]string{keyID2}, exitInvalid},
		{[]string{hsToken}, exitInvalid},
		{[]string{"--install-id", "", code}, exitUsage},
		{[]string{"--at", "tomorrow", code}, exitUsage},
		{[]string{"--product", "P1", code}, exitUsage},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"verify", "--pub", pub}, tc.args...)
		if got := run(args, strings.NewReader(""), &stdout, &stderr); got != tc.want {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, got, tc.want, stdout.String(), stderr.String())
		}
	}
	var out bytes.Buffer
	if got := run([]string{"verify", code}, strings.NewReader(""), &out, &out); got != exitUsage {
		t.Errorf("no keys: exit %d, want %d", got, exitUsage)
	}
	if got := run([]string{"verify", "--pub", pub + ".missing", code}, strings.NewReader(""), &out, &out); got != exitError {
		t.Errorf("missing key file: exit %d, want %d", got, exitError)
	}
}

const testPubPEM = `key-id: 1
-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAGfE7ZZVTuSRl9d9qVmw9D9wMGB+REmOqpMO2ZF371IA=
-----END PUBLIC KEY-----
`

// TestVerifyLifecycleExitCodes: revoked, superseded and clock_rollback are
// authentic but not in force (4); a refused renewal is invalid (3); a
// refused revocation list leaves the exit status to the code.
func TestVerifyLifecycleExitCodes(t *testing.T) {
	dir := t.TempDir()
	pub := filepath.Join(dir, "test.pub.pem")
	crl := filepath.Join(dir, "crl")
	bad := filepath.Join(dir, "bad.crl")
	st := filepath.Join(dir, "state.txt")
	// Sequence 2, revoking serial 31415926535897 below generation 1 (see
	// testdata/verify_lifecycle.txt).
	list, _ := base64.StdEncoding.DecodeString("TE1STAAAAAFQQwEAAAAAAAAAAAIJ/QAAAAAAAgAAAAAAMDkAABySlyQ22QFNbYMDLEUoZc2kZRad6kxu1PyZu9C2rJU4YRcxiMtaw1E0nW5HYodTC5jG5UY5rNoyu/DxpmvOy+kYA75/jUwO")
	for name, data := range map[string][]byte{pub: []byte(testPubPEM), crl: list, bad: list[:40]} {
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const (
		g0 = "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG-7VK8P-00PX8-MTFHC-W0JH4-JZWYP-WDMTM-0TM7Y-ZNBZP-TPKAB-9FR6R-MTDYW-ZKS44-57JXC-EDY7X-NXZAN-C97KF-CW6NP-YHQQ3-EHJYM-JEP18-M08JX-PNAB"
		g1 = "PC-2081-0117D-0PHSS-4MQ4G-VDJ06-P2RDC-SZN3N-GYNAV-8MG9Q-DJ5AG-ZH105-RY9ZK-TXX84-Z3C4C-459XJ-BSNBX-KSC30-QM2M6-WXDPT-2XFSQ-1451C-NFS9D-XDYTA-KXEMG-7JWM9-MF7Q9-610X8-6CBP"
	)
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"--crl", crl, g0}, exitNotInForce},
		{[]string{"--crl", crl, g1}, exitOK},
		{[]string{"--crl", bad, g0}, exitOK},
		{[]string{"--state", st, g1}, exitOK},
		{[]string{"--state", st, g0}, exitNotInForce},                       // superseded
		{[]string{"--state", st, "--at", "2026-12-01", g1}, exitNotInForce}, // clock_rollback
		{[]string{"--renew-from", g0, g0}, exitInvalid},                     // not a renewal
		{[]string{"--renew-from", g0, "--tolerance", "-1s", g0}, exitUsage},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"verify", "--pub", pub, "--at", "2027-01-01"}, tc.args...)
		if got := run(args, strings.NewReader(""), &stdout, &stderr); got != tc.want {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, got, tc.want, stdout.String(), stderr.String())
		}
	}
}

// readSpy is standard input that records whether it was read.
type readSpy struct{ read bool }

func (r *readSpy) Read([]byte) (int, error) { r.read = true; return 0, io.EOF }

// TestVerifyFlagsBeforeInput checks that verify refuses bad flags before it
// reads standard input or any file: a mistake costs no pasted code.
func TestVerifyFlagsBeforeInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.pub.pem")
	for _, args := range [][]string{
		{"--at", "tomorrow"},
		{"--tolerance", "-1h"},
		{"--install-id", ""},
		{"--product", "P1"},
		{"--reset-code", "PC-0000"},
	} {
		stdin := &readSpy{}
		var out bytes.Buffer
		args := append(append([]string{"verify", "--pub", missing}, args...), "-")
		if got := run(args, stdin, &out, &out); got != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", args, got, exitUsage, out.String())
		}
		if stdin.read {
			t.Errorf("%v: standard input was read before the flags were checked", args)
		}
	}
}
