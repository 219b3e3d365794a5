package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/spf13/cobra"
)

// maxRKCount bounds one rk new run: the serials of a run are kept in memory
// to rule out duplicates.
const maxRKCount = 1_000_000

func newRKCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rk",
		Short: "Make and check Registration Keys",
		Long: `Registration Keys (PC-TSSS-SSSS-SSSS-SSSK) are what customers buy and exchange
for an Activation Code. See FORMAT.md section 2.`,
		Example: `  licmint rk new --product PC --count 3
  licmint rk check PC-0314-1592-6535-8978`,
	}
	return group(cmd, newRKNewCmd(), newRKCheckCmd())
}

type rkJSON struct {
	Input     string `json:"input,omitempty"`
	Valid     bool   `json:"valid"`
	Key       string `json:"key,omitempty"`
	Product   string `json:"product,omitempty"`
	Trial     bool   `json:"trial"`
	Serial    string `json:"serial,omitempty"`
	Error     string `json:"error,omitempty"`
	ErrorKind string `json:"error_kind,omitempty"`
	Group     int    `json:"group,omitempty"`
	Char      int    `json:"char,omitempty"`
	Line      int    `json:"line,omitempty"` // of standard input
}

func rkRecord(k formats.RegistrationKey) rkJSON {
	return rkJSON{Valid: true, Key: k.String(), Product: k.Product.String(), Trial: k.Trial, Serial: k.Serial.String()}
}

func newRKNewCmd() *cobra.Command {
	var (
		product string
		trial   bool
		count   int
		start   int64
		asJSON  bool
		led     ledgerFlags
		mint    mintFlags
	)
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Make new Registration Keys",
		Long: `Make Registration Keys for a product, one per line. Serials are drawn at
random from a cryptographic generator so that keys cannot be guessed, and
are never repeated within one run; --start issues a sequential range
instead.

With --ledger (or $` + ledgerEnv + `) the keys are minted into the issuance
ledger with what they are sold as: --edition, --days (the term; default the
catalog's), --purpose license or renewal, and the shop's --order and
--customer references. They are then unique across every key the ledger has
ever minted, on every host, and 'licmint sign --ledger' signs only them. An
--order is minted once: asking again for the same order prints the same
keys. --out FILE writes them as CSV for the shop (rk, product, edition,
trial, days, purpose, order, customer), appearing only when complete.`,
		Example: `  licmint rk new --product PC
  licmint rk new --product PC --trial --count 100 > trial-keys.txt
  licmint rk new --product PC --count 1000 --start 10000000000000
  licmint rk new --ledger licenses.db --edition premium --count 2 --order A-1001 --customer acme --out rks.csv
  licmint rk new --ledger licenses.db --edition standard --purpose renewal --order A-1002`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := formats.ParseProduct(product)
			if err != nil {
				return usageError("--product: %v", err)
			}
			if count < 1 || count > maxRKCount {
				return usageError("--count %d: want 1 to %d", count, maxRKCount)
			}
			if dsn := ledgerDSN(cmd, led.dsn); dsn != "" || mint.used(cmd) {
				if cmd.Flags().Changed("start") {
					return usageError("--start makes sequential keys, which a ledger does not mint: leave it out")
				}
				return mintKeys(cmd, &led, &mint, p, trial, count, asJSON)
			}
			sequential := cmd.Flags().Changed("start")
			if sequential && (start < 0 || uint64(start)+uint64(count)-1 > formats.MaxSerial) {
				return usageError("--start %d with --count %d leaves the serial range 0 to %d", start, count, uint64(formats.MaxSerial))
			}
			w := bufio.NewWriter(cmd.OutOrStdout())
			if asJSON {
				w.WriteString("[\n")
			}
			seen := make(map[formats.Serial]struct{}, count)
			for i := 0; i < count; {
				var k formats.RegistrationKey
				if sequential {
					k, err = formats.NewRegistrationKey(p, trial, formats.Serial(start)+formats.Serial(i))
				} else {
					k, err = formats.RandomRegistrationKey(nil, p, trial)
				}
				if err != nil {
					return err
				}
				if _, dup := seen[k.Serial]; dup {
					continue
				}
				seen[k.Serial] = struct{}{}
				if asJSON {
					b, _ := jsonMarshal(rkRecord(k))
					if i > 0 {
						w.WriteString(",\n")
					}
					w.Write(b)
				} else {
					fmt.Fprintln(w, k)
				}
				i++
			}
			if asJSON {
				w.WriteString("\n]\n")
			}
			return w.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&product, "product", "PC", "two-letter product code")
	f.BoolVar(&trial, "trial", false, "make trial keys")
	f.IntVar(&count, "count", 1, fmt.Sprintf("how many keys, at most %d", maxRKCount))
	f.Int64Var(&start, "start", 0, "issue sequential serials from this one instead of random ones")
	jsonFlagVar(cmd, &asJSON)
	led.registerWriting(cmd)
	mint.register(cmd)
	return cmd
}

func newRKCheckCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check RK... | -",
		Short: "Check Registration Keys for typos",
		Long: fmt.Sprintf(`Check each Registration Key: its shape, its characters and its check digit,
which catches every single mistyped digit and every swap of two neighbouring
digits. Give keys as arguments (quote a key typed with spaces) or - to read
one per line from standard input; each key is checked and printed as it is
read, so any number of keys may be piped through. A line longer than %d
bytes is an invalid key. Exits 0 when all are valid, 3 otherwise. --json
prints JSON Lines, a record per key, and then any error object on a line of
its own.`, formats.MaxInputLen),
		Example: `  licmint rk check PC-0314-1592-6535-8978
  licmint rk check "pc 0314 1592 6535 8978" PC-1271-8281-8284-5903
  licmint rk check --json - < keys.txt`,
		Args:        minArgs(1),
		Annotations: map[string]string{jsonLinesAnnotation: "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			w := bufio.NewWriter(cmd.OutOrStdout())
			c := rkChecker{w: w, stderr: cmd.ErrOrStderr()}
			if asJSON {
				c.enc = json.NewEncoder(w)
				c.enc.SetEscapeHTML(false)
			}
			var err error
			if len(args) == 1 && args[0] == "-" {
				err = c.lines(cmd.InOrStdin())
			} else {
				for _, a := range args {
					if err = c.check(a, 0, nil); err != nil {
						break
					}
				}
			}
			if ferr := w.Flush(); err == nil {
				err = ferr
			}
			if err != nil {
				return err
			}
			if c.total == 0 {
				return usageError("no input on standard input")
			}
			if c.bad > 0 {
				// The kind is the first invalid key's; each line has its own.
				return &cliError{code: exitInvalid, kind: c.firstKind,
					err: fmt.Errorf("%d of %d registration keys are invalid", c.bad, c.total)}
			}
			return nil
		},
	}
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

// maxKeysSkip bounds how far rk check looks for the end of a line too long
// to be a key.
const maxKeysSkip = 16 << 20

// rkChecker checks keys one at a time and prints each result at once, so
// that its memory does not grow with the input.
type rkChecker struct {
	w          *bufio.Writer
	stderr     io.Writer
	enc        *json.Encoder // JSON Lines, or nil for text
	total, bad int
	firstKind  string // the kind of the first invalid key
}

// lines checks the keys of r, one a line; blank lines are skipped. Lines
// are read through a fixed buffer: a line longer than formats.MaxInputLen
// is an invalid key and is skipped to its end, never held whole.
func (c *rkChecker) lines(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		var tooLong error
		if err == bufio.ErrBufferFull || len(line) > formats.MaxInputLen+2 { // room for CR LF
			// Skipped to its end, but not forever: a line with no end in
			// maxKeysSkip bytes (/dev/zero, a binary file) stops the check.
			for skipped := len(line); err == bufio.ErrBufferFull; skipped += len(line) {
				if skipped > maxKeysSkip {
					return withHint(exitInvalid, fmt.Errorf("standard input line %d: no line end in %d MiB: not a list of keys", n, maxKeysSkip>>20),
						"give one key a line, such as PC-0123-4567-8901-2345")
				}
				line, err = br.ReadSlice('\n')
			}
			tooLong = &formats.FormatError{Kind: "registration key", Err: formats.ErrMalformed,
				Msg:  fmt.Sprintf("the line is longer than %d bytes", formats.MaxInputLen),
				Hint: "give one key a line, such as PC-0123-4567-8901-2345"}
		}
		if err != nil && err != io.EOF {
			return withHint(exitError, fmt.Errorf("reading standard input: %w", err), "")
		}
		if tooLong != nil {
			if cerr := c.check("", n, tooLong); cerr != nil {
				return cerr
			}
		} else if s := strings.TrimSpace(string(line)); s != "" {
			if cerr := c.check(s, n, nil); cerr != nil {
				return cerr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// check checks and prints one key, from line n of standard input when n >
// 0; readErr is what made its line unreadable.
func (c *rkChecker) check(in string, n int, readErr error) error {
	c.total++
	k, err := formats.RegistrationKey{}, readErr
	if err == nil {
		k, err = formats.ParseRegistrationKey(in)
	}
	var r rkJSON
	if err != nil {
		c.bad++
		r = rkJSON{Input: in, Error: err.Error(), ErrorKind: errorKind(err)}
		if c.firstKind == "" {
			c.firstKind = r.ErrorKind
		}
		var fe *formats.FormatError
		if errors.As(err, &fe) {
			r.Group, r.Char = fe.Group, fe.Char
		}
	} else {
		r = rkRecord(k)
		r.Input = in
	}
	r.Line = n
	if c.enc != nil {
		return c.enc.Encode(r)
	}
	if err == nil {
		kind := "full"
		if k.Trial {
			kind = "trial"
		}
		_, werr := fmt.Fprintf(c.w, "%-24s valid  %-5s  serial %s\n", k, kind, r.Serial)
		return werr
	}
	shown := fmt.Sprintf("%q", in)
	if readErr != nil {
		in, shown = fmt.Sprintf("(line %d)", n), fmt.Sprintf("standard input line %d", n)
	} else if n > 0 {
		shown = fmt.Sprintf("line %d: %q", n, in)
	}
	fmt.Fprintf(c.w, "%-24s invalid\n", in)
	// Flushed first so that on a terminal each error follows its key.
	if werr := c.w.Flush(); werr != nil {
		return werr
	}
	_, e := describe(fmt.Errorf("%s: %w", shown, err))
	printError(c.stderr, e)
	return nil
}
