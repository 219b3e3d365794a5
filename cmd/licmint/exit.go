package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
	"github.com/spf13/cobra"
)

// Exit statuses, documented in `licmint exit-codes` and README.md.
const (
	exitOK         = 0 // done; for verify, the license is in force
	exitError      = 1 // could not do the job: files, keys, I/O
	exitUsage      = 2 // bad command line
	exitInvalid    = 3 // a key or code is malformed, mistyped or not authentic
	exitNotInForce = 4 // verify: authentic, but expired, revoked or not yet valid
	exitPartial    = 5 // batch: some rows failed; the others were done
)

// exitStatusTable documents the exit statuses.
var exitStatusTable = []struct {
	Status  int    `json:"status"`
	Meaning string `json:"meaning"`
}{
	{exitOK, "success; for verify, the license is in force (valid, expiring or grace)"},
	{exitError, "the job could not be done: a file, key or passphrase problem (such as a file larger than its limit), the ledger, or I/O"},
	{exitUsage, "usage: unknown command or flag, wrong arguments, --out naming the --in file"},
	{exitInvalid, "invalid input: a key or code that is malformed, mistyped (typo), for another product, unsigned, whose signature does not verify, or longer than its limit; or refused by the ledger"},
	{exitNotInForce, "verify: the code is authentic but not in force (expired, not yet valid, revoked, superseded, clock rolled back)"},
	{exitPartial, "batch signing: some rows failed and are marked in the output; the others were signed"},
}

// exitCodesHelp is the text of `licmint exit-codes`, made from the tables
// so that the text and the --json form say the same.
func exitCodesHelp() string {
	var b strings.Builder
	b.WriteString("licmint exits with one of these statuses:\n\n")
	for _, s := range exitStatusTable {
		writeWrapped(&b, fmt.Sprintf("  %d  ", s.Status), s.Meaning)
	}
	b.WriteString(`
With --json, every command prints one JSON object on standard output when it
fails, and nothing else there; the error and hint lines still go to standard
error, and the exit status is the same:

  {"error": {"kind": "typo", "message": "...", "hint": "...",
             "position": {"group": 7, "char": 5, "line": 1, "column": 37}}}

hint is "" when there is none; position comes with a located key or code.
verify's and inspect's records carry the error member among their fields
(verify's also for status 4); rk check prints JSON Lines, a record per key,
and then the error object on a line of its own; a batch prints
{"error": ..., "out": ..., "signed": ..., "failed": ...}.

The kinds, a closed list, with the status each comes with:

`)
	for _, k := range errorKindTable {
		writeWrapped(&b, fmt.Sprintf("  %-17s %d  ", k.Kind, k.Status), k.Meaning)
	}
	return strings.TrimRight(b.String(), "\n")
}

// writeWrapped writes text after prefix, wrapped at 80 columns with the
// continuation lines indented to the end of prefix.
func writeWrapped(b *strings.Builder, prefix, text string) {
	b.WriteString(prefix)
	col := len(prefix)
	for i, word := range strings.Fields(text) {
		if i > 0 && col+1+len(word) > 80 {
			b.WriteString("\n" + strings.Repeat(" ", len(prefix)))
			col = len(prefix)
		} else if i > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	b.WriteByte('\n')
}

func newExitCodesCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "exit-codes",
		Short: "Exit statuses of licmint commands, and the kinds of error --json reports",
		Long:  exitCodesHelp(),
		Example: `  licmint exit-codes
  licmint exit-codes --json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				return printJSON(cmd.OutOrStdout(), struct {
					ExitCodes  any `json:"exit_codes"`
					ErrorKinds any `json:"error_kinds"`
				}{exitStatusTable, errorKindTable})
			}
			_, err := fmt.Fprintln(cmd.OutOrStdout(), exitCodesHelp())
			return err
		},
	}
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

// cliError carries an exit status, an optional hint for the user and,
// where the error alone does not tell, the kind of failure.
type cliError struct {
	code int
	kind string // "" derives it from err and code: see kindOf
	err  error
	hint string
	// record is the command's --json record of the failure (verify,
	// inspect, rk check, a batch): report fills in its error member and
	// prints it as the one object on stdout.
	record failureRecord
}

// jsonLinesAnnotation marks a command whose --json output is JSON Lines
// (rk check): report prints its error object on one line, the last.
const jsonLinesAnnotation = "licmint-json-lines"

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

func usageError(format string, a ...any) error {
	return &cliError{code: exitUsage, err: fmt.Errorf(format, a...), hint: "see 'licmint help' and the command's --help"}
}

func invalid(err error) error { return &cliError{code: exitInvalid, err: err} }

func withHint(code int, err error, hint string) error {
	return &cliError{code: code, err: err, hint: hint}
}

// keyError is an exit status 1 error of kind key: the signing key, a
// trusted public key or the secret that opens a key cannot be used.
func keyError(err error, hint string) error {
	return &cliError{code: exitError, kind: kindKey, err: err, hint: hint}
}

// failureRecord is a --json record that reports a failure in its error
// member.
type failureRecord interface{ setError(*errorJSON) }

// withRecord attaches rec to err, which --json then prints with the error
// in it instead of a bare error object.
func withRecord(err error, rec failureRecord) error {
	ce, ok := err.(*cliError)
	if !ok {
		ce = &cliError{code: exitError, err: err}
	}
	ce.record = rec
	return ce
}

// errorJSON is the error member of the object a failure prints with
// --json. Message and Hint are the text of the error and hint lines.
type errorJSON struct {
	Kind     string        `json:"kind"`
	Message  string        `json:"message"`
	Hint     string        `json:"hint"`
	Position *positionJSON `json:"position,omitempty"`
}

// describe returns the exit status err calls for and what to say about it.
func describe(err error) (int, errorJSON) {
	code, e := exitError, errorJSON{Message: err.Error()}
	var ce *cliError
	if errors.As(err, &ce) {
		code, e.Hint = ce.code, ce.hint
	} else if isCobraUsage(err) {
		code, e.Hint = exitUsage, "see 'licmint help'"
	}
	if errors.Is(err, signer.ErrSigningKey) {
		// Whatever the command made of it, a key that failed while
		// signing is never the input's fault.
		code, e.Hint = exitError, "nothing was signed and no output written; when the key is reachable again, run the same command: the same registrations give the same codes"
	}
	var fe *formats.FormatError
	if errors.As(err, &fe) && e.Hint == "" {
		e.Hint = fe.Hint
	}
	e.Position = positionOf(err)
	e.Kind = kindOf(err, code)
	return code, e
}

// report prints err as `licmint: error:` and `licmint: hint:` lines on
// stderr and, with --json, as the one JSON object on stdout (on one line
// when jsonLines), and returns the exit status it calls for.
func report(stdout, stderr io.Writer, err error, asJSON, jsonLines bool) int {
	code, e := describe(err)
	printError(stderr, e)
	if asJSON {
		var out any = struct {
			Error *errorJSON `json:"error"`
		}{&e}
		var ce *cliError
		if errors.As(err, &ce) && ce.record != nil {
			ce.record.setError(&e)
			out = ce.record
		}
		// Nothing more to do if stdout is gone.
		if jsonLines {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			enc.Encode(out)
		} else {
			printJSON(stdout, out)
		}
	}
	return code
}

// printError writes the error and hint lines of e.
func printError(w io.Writer, e errorJSON) {
	fmt.Fprintf(w, "licmint: error: %s\n", e.Message)
	if e.Hint != "" {
		fmt.Fprintf(w, "licmint: hint: %s\n", e.Hint)
	}
}

// jsonRequested tells whether the command line asked for --json: the
// parsed flag of cmd when cobra got as far as setting it, or else the raw
// arguments before a bare --, so that a command line cobra refused (an
// unknown flag or command) gets its error as JSON too.
func jsonRequested(cmd *cobra.Command, args []string) bool {
	if cmd != nil {
		if f := cmd.Flags().Lookup("json"); f != nil && f.Changed {
			return f.Value.String() == "true"
		}
	}
	on := false
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--json" {
			on = true
		} else if v, ok := strings.CutPrefix(a, "--json="); ok {
			if b, err := strconv.ParseBool(v); err == nil {
				on = b
			}
		}
	}
	return on
}

// isCobraUsage recognises the errors cobra makes for unknown commands and
// arguments, which it returns as plain strings.
func isCobraUsage(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown command") || strings.HasPrefix(s, "unknown flag") ||
		strings.HasPrefix(s, "unknown shorthand flag") || strings.Contains(s, "arg(s)")
}
