package main

import (
	"bytes"
	"strings"
	"testing"
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
