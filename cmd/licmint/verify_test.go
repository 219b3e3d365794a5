package main

import (
	"bytes"
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
		token   = "eyJhbGciOiJFZERTQSIsImtpZCI6IjEiLCJ0eXAiOiJKV1QifQ.eyJhY3RpdmF0aW9uX2NvZGUiOiJQQy0yMDgxLTAwMTdELTBQSFNTLTRNUTRHLVZESjBXLURZUUVHLTdWSzhQLTAwUFg4LU1URkhDLVcwSkg0LUpaV1lQLVdETVRNLTBUTTdZLVpOQlpQLVRQS0FCLTlGUjZSLU1URFlXLVpLUzQ0LTU3SlhDLUVEWTdYLU5YWkFOLUM5N0tGLUNXNk5QLVlIUVEzLUVISllNLUpFUDE4LU0wOEpYLVBOQUIiLCJhdWQiOlsiUEMiXSwiY3VzdG9tZXIiOnsibmFtZSI6IkV4YW1wbGUgTHRkIn0sImVkaXRpb24iOiJzdGFuZGFyZCIsImVkaXRpb25fbnVtYmVyIjoxLCJleHAiOjE4MjcyNzM2MDAsImdlbmVyYXRpb24iOjAsImlhdCI6MTc5NTc3MzYwMCwiaW5zdGFsbF9ib3VuZCI6ZmFsc2UsImlzcyI6ImxpY21pbnQiLCJqdGkiOiJ0LTEiLCJuYmYiOjE3OTU3NzM2MDAsInByb2R1Y3QiOiJQQyIsInNlcmlhbCI6IjMxNDE1OTI2NTM1ODk3Iiwic3ViIjoiMzE0MTU5MjY1MzU4OTciLCJ0cmlhbCI6ZmFsc2V9.6NBE8L6NqHyi0QWodVLDSW7R6WipLwwfNCvQrv0K_Ot92w3K-mDZ4nDDS18PuoLUsYGBXprcrQT51WaEcVMkAw"
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
