package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/signer"
	"github.com/spf13/cobra"
)

// revokeJSON is the --json record of revoke.
type revokeJSON struct {
	Out      string `json:"out"`
	Product  string `json:"product"`
	Sequence uint64 `json:"sequence"`
	Issued   string `json:"issued"`
	KeyID    int    `json:"key_id"`
	Entries  int    `json:"entries"`
	Bytes    int    `json:"bytes"`
	SHA256   string `json:"sha256"`
}

type revokeFlags struct {
	key           string
	secret        secretFlags
	seq           uint64
	serials       []string
	from, product string
	out, issued   string
	force, asJSON bool
	ledger        ledgerFlags
	reason        string
}

func newRevokeCmd() *cobra.Command {
	var f revokeFlags
	cmd := &cobra.Command{
		Use:   "revoke --key FILE (--seq N | --ledger DSN) (--serial S[:G]... | --from FILE) --out FILE",
		Short: "Sign a revocation list for products to load offline",
		Long: `Sign a revocation list (FORMAT.md section 11): a compact binary file naming
revoked serials, with a sequence number and an issue day, shipped to
products with their updates and checked offline. A product refuses a list
whose sequence is lower than one it has accepted, so give each new list a
higher --seq; a list replaces the previous one, so name every serial that
is still revoked.

Each entry is S or S:G. S is the 14-digit serial (leading zeros included),
with the product before it in --serial if you like (PC-31415926535897, as
ledger find shows it), or a Registration Key or Activation Code, whose
serial is taken. Without G
every generation of the serial is revoked; with G (1-255) the codes of
generations below G are, and G and later stay good: after 'licmint replace',
give the serial and the replacement's generation that it printed. Entries
come from --serial (repeatable) and from --from FILE (- for standard input):
one a line, blank lines and # comments ignored. Any bad entry fails the
whole list, with the line and column of each, as a list must name exactly
what was meant. Keys and codes must be for --product (default PC).

The list is written to a temporary file and renamed to --out when complete,
so a failure leaves nothing behind; an existing --out is replaced only with
--force. A summary is printed on standard error, or with --json a record on
standard output.

With --ledger (or $` + ledgerEnv + `) the ledger keeps the list: the entries given are
recorded as revocations (with --reason), and the list holds every serial
the ledger has revoked for the product ('licmint replace --revoke-old'
records some too), under the next sequence number and today's date, so no
--seq is kept by hand and two hosts never issue the same number. With a
ledger, entries may be left out to reissue the current list.`,
		Example: `  licmint revoke --key keys/vendor.key.age --seq 7 --serial 31415926535897:1 --out revoked.lmrl
  licmint revoke --key keys/vendor.key.age --seq 8 --from revoked.txt --out revoked.lmrl --force --json
  licmint revoke --key keys/vendor.key.age --ledger licenses.db --serial 31415926535897 --reason chargeback --out revoked.lmrl`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(cmd); err != nil {
				return err
			}
			product, err := formats.ParseProduct(f.product)
			if err != nil {
				return usageError("--product: %v", err)
			}
			issued, err := dayFlag("issued", f.issued)
			if err != nil {
				return err
			}
			entries, err := f.entries(cmd, product)
			if err != nil {
				return err
			}
			// Said before the key is opened; writeFileAtomic checks again.
			if !f.force {
				if _, err := os.Lstat(f.out); err == nil {
					return withHint(exitError, fmt.Errorf("%s already exists", f.out), "use --force to overwrite it, or choose another --out")
				} else if !errors.Is(err, fs.ErrNotExist) {
					return err
				}
			}
			l, err := commandLedger(cmd, f.ledger.dsn, ledgerRecord)
			if err != nil {
				return err
			}
			if l != nil {
				defer closeLedger(cmd, l)
			}
			key, err := f.secret.loadKey(cmd, f.key)
			if err != nil {
				return err
			}
			s, err := signer.New(key, signer.WithNow(now))
			if err != nil {
				return err
			}
			_, data, err := service(s, l).RevocationList(cmd.Context(), &issuance.ListRequest{Product: product, Entries: entries, Reason: f.reason, Seq: f.seq, Issued: issued})
			if err != nil {
				return ledgerError(err, func(err error) error { return withHint(exitInvalid, err, "") })
			}
			// Read back as a product will, so that a list that would not load is
			// never shipped.
			ring, err := keyring.New(key.Public())
			if err != nil {
				return err
			}
			list, err := revocation.Parse(data, product, ring.VerifyList)
			if err != nil {
				return fmt.Errorf("the signed list does not read back: %w", err)
			}
			if err := writeFileAtomic(f.out, f.force, 0o644, func(w io.Writer) error {
				_, err := w.Write(data)
				return err
			}); err != nil {
				return err
			}
			return f.print(cmd, data, list)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.key, "key", "", keyFlagUsage)
	f.secret.register(cmd)
	fl.Uint64Var(&f.seq, "seq", 0, "sequence number `N`, higher than the last list's")
	fl.StringArrayVar(&f.serials, "serial", nil, "revoke `S[:G]`: a 14-digit serial, Registration Key or Activation Code, and optionally the first generation left good (repeatable)")
	fl.StringVar(&f.from, "from", "", "read entries from `FILE`, one S[:G] a line (- for standard input)")
	fl.StringVar(&f.product, "product", "PC", "product `CODE` the list is for")
	fl.StringVar(&f.out, "out", "", "write the list to `FILE`")
	fl.StringVar(&f.issued, "issued", "", "issue day, YYYY-MM-DD (default today, UTC)")
	fl.BoolVar(&f.force, "force", false, "replace an existing --out")
	jsonFlagVar(cmd, &f.asJSON)
	f.ledger.registerWriting(cmd)
	fl.StringVar(&f.reason, "reason", "revoked", "with --ledger: why the serials given are revoked, as recorded")
	return cmd
}

// check rules out the flags that do not go together, before anything is
// read.
func (f *revokeFlags) check(cmd *cobra.Command) error {
	withLedger := ledgerDSN(cmd, f.ledger.dsn) != ""
	switch {
	case f.out == "":
		return usageError("--out FILE is required: where to write the list")
	case withLedger && cmd.Flags().Changed("seq"):
		return usageError("--seq: with a ledger, the ledger numbers the lists; leave --seq out")
	case withLedger && cmd.Flags().Changed("issued"):
		return usageError("--issued: with a ledger, a list is issued today; leave --issued out")
	case !withLedger && !cmd.Flags().Changed("seq"):
		return usageError("--seq N is required: higher than the sequence of the last list you shipped (or keep a --ledger, which numbers them)")
	case !withLedger && len(f.serials) == 0 && f.from == "":
		return usageError("give the serials to revoke: --serial S[:G] (repeatable) or --from FILE")
	}
	return nil
}

// print says what was written: a record with --json, else a line on
// standard error.
func (f *revokeFlags) print(cmd *cobra.Command, data []byte, list *revocation.List) error {
	sum := sha256.Sum256(data)
	rec := revokeJSON{
		Out: f.out, Product: list.Product.String(), Sequence: list.Sequence, Issued: list.Issued.String(),
		KeyID: int(list.KeyID), Entries: list.Len(), Bytes: len(data), SHA256: hex.EncodeToString(sum[:]),
	}
	if f.asJSON {
		return printJSON(cmd.OutOrStdout(), rec)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "licmint: wrote %s: revocation list for %s, sequence %d, issued %s, %d serials, key id %d, %d bytes\n",
		rec.Out, rec.Product, rec.Sequence, rec.Issued, rec.Entries, rec.KeyID, rec.Bytes)
	return nil
}

// entries reads --serial and --from, checking every entry before the key
// is opened.
func (f *revokeFlags) entries(cmd *cobra.Command, product formats.Product) ([]revocation.Entry, error) {
	var entries []revocation.Entry
	for _, spec := range f.serials {
		entry, err := productSerialEntry(spec, product)
		if err != nil {
			return nil, withHint(exitInvalid, fmt.Errorf("--serial %q: %w", spec, err), entryHint)
		}
		e, err := signer.ParseRevocationEntry(entry, product)
		if err != nil {
			var fe *signer.FieldError
			if errors.As(err, &fe) {
				fe.Field, fe.Column = "", 0 // the spec is quoted instead
			}
			return nil, withHint(exitInvalid, fmt.Errorf("--serial %q: %w", spec, err), entryHint)
		}
		entries = append(entries, e)
	}
	if f.from == "" {
		return entries, nil
	}
	var in io.Reader = cmd.InOrStdin()
	name := "standard input"
	if f.from != "-" {
		file, err := os.Open(f.from)
		if err != nil {
			return nil, withHint(exitError, fmt.Errorf("--from: %w", err), "")
		}
		defer file.Close()
		in, name = file, f.from
	}
	more, err := signer.ReadRevocationEntries(in, product)
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		// Not an entry refused but the file unread, such as a folder.
		return nil, withHint(exitError, fmt.Errorf("--from: %w", pe), "")
	}
	if err != nil {
		var bad interface{ Unwrap() []error }
		if errors.As(err, &bad) && len(bad.Unwrap()) > 1 {
			var b strings.Builder
			for _, e := range bad.Unwrap() {
				b.WriteString("\n  " + e.Error())
			}
			err = errors.New(name + ": bad entries; nothing was signed:" + b.String())
		} else {
			err = fmt.Errorf("%s: %w", name, err)
		}
		return nil, withHint(exitInvalid, err, entryHint)
	}
	return append(entries, more...), nil
}

// productSerialEntry rewrites an entry naming a serial with its product,
// PC-31415926535897[:G], as ledger find --serial takes it, to the serial
// alone, which a list's entries take, once the product is the list's.
// Keys and codes, which have dashes too, are left to the list's parser.
func productSerialEntry(spec string, product formats.Product) (string, error) {
	head, gen, hasGen := strings.Cut(strings.TrimSpace(spec), ":")
	if !strings.Contains(head, "-") {
		return spec, nil
	}
	p, _, err := parseProductSerial(head)
	if err != nil {
		return spec, nil
	}
	if p != product {
		return "", fmt.Errorf("serial %s is for product %s; the list is for %s (--product)", head, p, product)
	}
	// The digits as given, for the list's parser to want all 14: a serial
	// short of a digit revokes no one's license.
	_, digits, _ := strings.Cut(head, "-")
	if hasGen {
		return digits + ":" + gen, nil
	}
	return digits, nil
}

const entryHint = "an entry is a 14-digit serial, a Registration Key or an Activation Code, optionally followed by :G (1-255) to revoke only generations below G"
