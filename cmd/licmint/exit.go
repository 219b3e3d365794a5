package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/licmint/licmint/formats"
)

// Exit statuses, documented in `licmint help exit-codes` and README.md.
const (
	exitOK         = 0 // done; for verify, the license is in force
	exitError      = 1 // could not do the job: files, keys, I/O
	exitUsage      = 2 // bad command line
	exitInvalid    = 3 // a key or code is malformed, mistyped or not authentic
	exitNotInForce = 4 // verify: authentic, but expired, revoked or not yet valid
	exitPartial    = 5 // batch: some rows failed; the others were done
)

const exitCodesHelp = `licmint exits with one of these statuses:

  0  success; for verify, the license is in force (valid, expiring or grace)
  1  the job could not be done: a file, key or passphrase problem (such as
     a file larger than its limit), or I/O
  2  usage: unknown command or flag, wrong arguments, --out naming the
     --in file
  3  invalid input: a key or code that is malformed, mistyped (typo), for
     another product, unsigned, whose signature does not verify, or
     longer than its limit
  4  verify: the code is authentic but not in force (expired, not yet
     valid, revoked, superseded, clock rolled back)
  5  batch signing: some rows failed and are marked in the output; the
     others were signed`

// cliError carries an exit status and an optional hint for the user.
type cliError struct {
	code int
	err  error
	hint string
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

func usageError(format string, a ...any) error {
	return &cliError{code: exitUsage, err: fmt.Errorf(format, a...), hint: "see 'licmint help' and the command's --help"}
}

func invalid(err error) error { return &cliError{code: exitInvalid, err: err} }

func withHint(code int, err error, hint string) error {
	return &cliError{code: code, err: err, hint: hint}
}

// report prints err as `licmint: error:` and `licmint: hint:` lines and
// returns the exit status it calls for.
func report(w io.Writer, err error) int {
	code, hint := exitError, ""
	var ce *cliError
	if errors.As(err, &ce) {
		code, hint = ce.code, ce.hint
	} else if isCobraUsage(err) {
		code, hint = exitUsage, "see 'licmint help'"
	}
	var fe *formats.FormatError
	if hint == "" && errors.As(err, &fe) {
		hint = fe.Hint
	}
	fmt.Fprintf(w, "licmint: error: %v\n", err)
	if hint != "" {
		fmt.Fprintf(w, "licmint: hint: %s\n", hint)
	}
	return code
}

// isCobraUsage recognises the errors cobra makes for unknown commands and
// arguments, which it returns as plain strings.
func isCobraUsage(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown command") || strings.HasPrefix(s, "unknown flag") ||
		strings.HasPrefix(s, "unknown shorthand flag") || strings.Contains(s, "arg(s)")
}
