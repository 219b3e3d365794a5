package main

import (
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"licmint": func() { os.Exit(licmintMain()) }})
}

// TestScripts runs the command-line scenarios in testdata/*.txt.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:  "testdata",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"b64decode": b64decode},
		Setup: func(env *testscript.Env) error {
			// A -race binary sleeps a second at exit by default: every
			// exec in every script would pay it.
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			return nil
		},
	})
}

// b64decode IN OUT writes the bytes of the base64 file IN to OUT, so that
// scripts can carry binary files such as revocation lists.
func b64decode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: b64decode IN OUT")
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(ts.ReadFile(args[0])))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o644))
}
