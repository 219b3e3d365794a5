package main

import (
	"bufio"
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
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.Flags().Bool("json", false, "print the help as JSON")
	cmd.AddCommand(newRKNewCmd(), newRKCheckCmd())
	return cmd
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
}

// rkCheckJSON is the --json object of rk check when a key is invalid.
type rkCheckJSON struct {
	Error *errorJSON `json:"error"`
	Keys  []rkJSON   `json:"keys"`
}

func (r *rkCheckJSON) setError(e *errorJSON) { r.Error = e }

func rkRecord(k formats.RegistrationKey) rkJSON {
	return rkJSON{Valid: true, Key: k.String(), Product: k.Product.String(), Trial: k.Trial, Serial: fmt.Sprintf("%014d", k.Serial)}
}

func newRKNewCmd() *cobra.Command {
	var (
		product string
		trial   bool
		count   int
		start   int64
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Make new Registration Keys",
		Long: `Make Registration Keys for a product, one per line. Serials are drawn at
random from a cryptographic generator so that keys cannot be guessed, and
are never repeated within one run; --start issues a sequential range
instead. Keep a record of what you issue: licmint does not.`,
		Example: `  licmint rk new --product PC
  licmint rk new --product PC --trial --count 100 > trial-keys.txt
  licmint rk new --product PC --count 1000 --start 10000000000000`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := formats.ParseProduct(product)
			if err != nil {
				return usageError("--product: %v", err)
			}
			if count < 1 || count > maxRKCount {
				return usageError("--count %d: want 1 to %d", count, maxRKCount)
			}
			sequential := cmd.Flags().Changed("start")
			if sequential && (start < 0 || uint64(start)+uint64(count)-1 > formats.MaxSerial) {
				return usageError("--start %d with --count %d leaves the serial range 0 to %d", start, count, uint64(formats.MaxSerial))
			}
			w := bufio.NewWriter(cmd.OutOrStdout())
			if asJSON {
				w.WriteString("[\n")
			}
			seen := make(map[uint64]struct{}, count)
			for i := 0; i < count; {
				var k formats.RegistrationKey
				if sequential {
					k, err = formats.NewRegistrationKey(p, trial, uint64(start)+uint64(i))
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
	f.BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func newRKCheckCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check RK... | -",
		Short: "Check Registration Keys for typos",
		Long: `Check each Registration Key: its shape, its characters and its check digit,
which catches every single mistyped digit and every swap of two neighbouring
digits. Give keys as arguments (quote a key typed with spaces) or - to read
one per line from standard input. Exits 0 when all are valid, 3 otherwise.`,
		Example: `  licmint rk check PC-0314-1592-6535-8978
  licmint rk check "pc 0314 1592 6535 8978" PC-1271-8281-8284-5903
  licmint rk check --json - < keys.txt`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			inputs, err := argsOrLines(cmd.InOrStdin(), args)
			if err != nil {
				return err
			}
			var records []rkJSON
			bad := 0
			for _, in := range inputs {
				k, err := formats.ParseRegistrationKey(in)
				if err != nil {
					bad++
					r := rkJSON{Input: in, Error: err.Error(), ErrorKind: errorKind(err)}
					var fe *formats.FormatError
					if errors.As(err, &fe) {
						r.Group, r.Char = fe.Group, fe.Char
					}
					records = append(records, r)
					if !asJSON {
						fmt.Fprintf(cmd.OutOrStdout(), "%-24s invalid\n", in)
						_, e := describe(fmt.Errorf("%q: %w", in, err))
						printError(cmd.ErrOrStderr(), e)
					}
					continue
				}
				r := rkRecord(k)
				r.Input = in
				records = append(records, r)
				if !asJSON {
					kind := "full"
					if k.Trial {
						kind = "trial"
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%-24s valid  %-5s  serial %s\n", k, kind, r.Serial)
				}
			}
			if bad > 0 {
				// The kind is the first invalid key's; each record has its own.
				kind := ""
				for _, r := range records {
					if !r.Valid {
						kind = r.ErrorKind
						break
					}
				}
				return &cliError{code: exitInvalid, kind: kind, err: fmt.Errorf("%d of %d registration keys are invalid", bad, len(inputs)),
					record: &rkCheckJSON{Keys: records}}
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), records)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array, one record per key")
	return cmd
}

// argsOrLines returns the arguments, or the non-blank lines of stdin when
// the only argument is -.
func argsOrLines(stdin io.Reader, args []string) ([]string, error) {
	if len(args) != 1 || args[0] != "-" {
		return args, nil
	}
	var lines []string
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			lines = append(lines, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading standard input: %w", err)
	}
	if len(lines) == 0 {
		return nil, usageError("no input on standard input")
	}
	return lines, nil
}
