package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/signer"
	"github.com/spf13/cobra"
)

type signFlags struct {
	key, catalogFile, issuer string
	secret                   secretFlags
	rk, edition              string
	days                     int
	expires, issued          string
	installID                string
	jwt, asJSON              bool
	in, out                  string
	force                    bool
	workers                  int
	ledger                   ledgerFlags
	allowUnminted            bool
}

// signJSON is the --json record of sign: the Registration Key and the code
// signed for it.
type signJSON struct {
	RK string `json:"rk"`
	activationJSON
	JWT string `json:"jwt,omitempty"`
	// Existing: with a ledger, the key was already registered on these
	// terms, and this is the license's current code.
	Existing bool `json:"existing,omitempty"`
}

func newSignCmd() *cobra.Command {
	var f signFlags
	cmd := &cobra.Command{
		Use:   "sign --key FILE (--rk RK --edition NAME | --in FILE --out FILE)",
		Short: "Sign registrations into Activation Codes",
		Long: `Sign a registration, or a batch of them, into Activation Codes (FORMAT.md)
and, with --jwt, JWT license tokens (EdDSA, RFC 8037) of the same license.

One registration: --rk and --edition, and optionally the term (--days N or
--expires YYYY-MM-DD or --expires perpetual; by default a trial key gets the
catalog's trial term and a full key its maintenance term), --issued (default
today, UTC) and --install-id to bind the code to one installation. The same
registration and key always give the same code, so a lost code is
reproduced by signing its registration again.

A batch: --in regs.csv|regs.jsonl --out codes.csv|codes.jsonl. Columns rk,
edition, days or expires, issued, install_id; any other column is carried
through (and put in the token's customer claim). The output adds serial,
expires, activation_code (jwt) and error. A bad row gets its error in its
own row and the others are still signed; the exit status is then 5. A
Registration Key seen twice is an error on the later row. The output is
written to a temporary file and renamed into place when complete; an
existing output is not replaced without --force.

The key file is opened with --identity FILE, or a passphrase from
--passphrase-file, LICMINT_PASSPHRASE or the terminal. A key in a hardware
security module is named by a PKCS#11 URI instead (--key
'pkcs11:token=...;object=...?module-path=...', made with keygen --pkcs11),
with its PIN from LICMINT_PKCS11_PIN, pin-source=file:PATH or the
terminal; every command that signs takes one. Perpetual codes
have no JWT form, as a token always has an expiry. --json prints the
license's record, or for a batch a summary.`,
		Example: `  licmint sign --key keys/vendor.key.age --rk PC-0314-1592-6535-8978 --edition premium
  licmint sign --key keys/vendor.key.age --rk PC-0314-1592-6535-8978 --edition standard \
      --issued 2026-11-27 --days 730 --install-id "$MACHINE_ID" --jwt --json
  licmint sign --key keys/vendor.key.age --identity ~/.age/release.txt --in regs.csv --out codes.csv --jwt`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			batch := f.in != "" || f.out != ""
			if batch {
				for _, flag := range []string{"rk", "edition", "days", "expires", "issued", "install-id"} {
					if cmd.Flags().Changed(flag) {
						return usageError("--%s is for one registration; a batch takes it from the --in file's columns", flag)
					}
				}
				if f.in == "" || f.out == "" {
					return usageError("a batch needs both --in FILE and --out FILE")
				}
				if sameFile(f.in, f.out) {
					return withHint(exitUsage, fmt.Errorf("--out %s is the --in file", f.out),
						"give another --out: the input is read while the output is written, and is kept")
				}
				for _, name := range []string{f.in, f.out} {
					if _, err := batchFormat(name); err != nil {
						return err
					}
				}
			} else {
				if cmd.Flags().Changed("force") || cmd.Flags().Changed("workers") {
					return usageError("--force and --workers are for a batch (--in, --out)")
				}
				if f.rk == "" || f.edition == "" && ledgerDSN(cmd, f.ledger.dsn) == "" {
					return usageError("give --rk RK and --edition NAME, or --in FILE and --out FILE for a batch")
				}
			}
			reg, err := f.registration(cmd)
			if err != nil {
				return err
			}
			l, err := commandLedger(cmd, f.ledger.dsn, ledgerRecord)
			if err != nil {
				return err
			}
			if l != nil {
				defer closeLedger(cmd, l)
			} else if f.allowUnminted {
				return usageError("--allow-unminted is for signing with a ledger: give --ledger DSN")
			}
			s, err := f.signer(cmd)
			if err != nil {
				return err
			}
			if batch {
				return signBatch(cmd, s, l, &f)
			}
			return signOne(cmd, service(s, l), &f, reg)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.key, "key", "", keyFlagUsage)
	f.secret.register(cmd)
	fl.StringVar(&f.catalogFile, "catalog", "", "product catalog JSON `FILE` (default: the built-in catalog, product PC)")
	fl.StringVar(&f.issuer, "issuer", signer.DefaultIssuer, "JWT iss claim: who issued the license")
	fl.StringVar(&f.rk, "rk", "", "Registration Key to sign")
	fl.StringVar(&f.edition, "edition", "", "edition `NAME` from the catalog")
	fl.IntVar(&f.days, "days", 0, "term in days from the issue day (default: the catalog's trial or maintenance term)")
	fl.StringVar(&f.expires, "expires", "", "first day not covered, YYYY-MM-DD, or perpetual")
	fl.StringVar(&f.issued, "issued", "", "issue day, YYYY-MM-DD (default today, UTC)")
	fl.StringVar(&f.installID, "install-id", "", "bind the code to this install id (1-255 bytes)")
	fl.BoolVar(&f.jwt, "jwt", false, "also make the JWT license token")
	jsonFlagVar(cmd, &f.asJSON)
	fl.StringVar(&f.in, "in", "", "batch input `FILE`, .csv or .jsonl")
	fl.StringVar(&f.out, "out", "", "batch output `FILE`, .csv or .jsonl")
	fl.BoolVar(&f.force, "force", false, "replace an existing batch output")
	fl.IntVar(&f.workers, "workers", 0, "batch signing goroutines (default: one per core)")
	f.ledger.registerWriting(cmd)
	fl.BoolVar(&f.allowUnminted, "allow-unminted", false, "with --ledger: sign and record keys the ledger never minted (importing legacy keys)")
	return cmd
}

// registration checks the single-registration flags before the key is
// opened, so that a typo costs no passphrase.
func (f *signFlags) registration(cmd *cobra.Command) (*signer.Registration, error) {
	if f.in != "" {
		return nil, nil
	}
	rk, err := formats.ParseRegistrationKey(f.rk)
	if err != nil {
		return nil, invalid(fmt.Errorf("--rk: %w", err))
	}
	reg := &signer.Registration{RK: rk, Edition: f.edition, InstallID: f.installID}
	if cmd.Flags().Changed("days") {
		if cmd.Flags().Changed("expires") {
			return nil, usageError("give --days or --expires, not both")
		}
		if f.days < 1 || f.days > catalog.MaxTermDays {
			return nil, usageError("--days %d: want 1 to %d", f.days, catalog.MaxTermDays)
		}
		reg.Days = f.days
	}
	switch {
	case strings.EqualFold(f.expires, "perpetual"):
		reg.Expires = formats.Perpetual
	case f.expires != "":
		if reg.Expires, err = formats.ParseDay(f.expires); err != nil {
			return nil, usageError("--expires: %v; or give perpetual", err)
		}
	}
	if reg.Issued, err = dayFlag("issued", f.issued); err != nil {
		return nil, err
	}
	if cmd.Flags().Changed("install-id") && f.installID == "" {
		return nil, usageError("--install-id is empty; leave it out for a code that is not bound to an install")
	}
	return reg, nil
}

// dayFlag reads the day a flag gives, or nil when it gives none: today
// by the signer's clock.
func dayFlag(name, value string) (*formats.Day, error) {
	if value == "" {
		return nil, nil
	}
	d, err := formats.ParseDay(value)
	if err != nil {
		return nil, usageError("--%s: %v", name, err)
	}
	return &d, nil
}

func (f *signFlags) signer(cmd *cobra.Command) (*signer.Signer, error) {
	cat, err := loadCatalog(f.catalogFile)
	if err != nil {
		return nil, err
	}
	key, err := f.secret.loadKey(cmd, f.key)
	if err != nil {
		return nil, err
	}
	return signer.New(key, signer.WithCatalog(cat), signer.WithIssuer(f.issuer), signer.WithNow(now))
}

func signOne(cmd *cobra.Command, svc *issuance.Service, f *signFlags, reg *signer.Registration) error {
	is, err := svc.Register(cmd.Context(), &issuance.Registration{Registration: *reg, Token: f.jwt, AllowUnminted: f.allowUnminted})
	if err != nil {
		return ledgerError(err, registrationError)
	}
	if is.Existing {
		fmt.Fprintf(cmd.ErrOrStderr(), "licmint: %s was already registered on these terms; this is the license's current code\n", reg.RK)
	}
	code, tok := is.Code, is.JWT
	w := cmd.OutOrStdout()
	if !f.asJSON {
		fmt.Fprintln(w, code)
		if tok != "" {
			fmt.Fprintln(w, tok)
		}
		return nil
	}
	return printJSON(w, signJSON{RK: reg.RK.String(), activationJSON: newActivationJSON(&code, svc.Catalog()), JWT: tok, Existing: is.Existing})
}

// registrationError gives a registration the signer refused its exit
// status and a hint.
func registrationError(err error) error {
	var fe *signer.FieldError
	flag := ""
	if errors.As(err, &fe) {
		flag = "--" + strings.ReplaceAll(fe.Field, "_", "-")
		fe.Field = "" // the message names the flag instead
		err = fmt.Errorf("%s: %w", flag, fe)
	}
	hint := ""
	switch {
	case errors.Is(err, catalog.ErrUnknownProduct), errors.Is(err, catalog.ErrUnknownEdition):
		hint = "see the catalog (--catalog FILE, or the built-in one: product PC, editions standard and premium)"
	case errors.Is(err, signer.ErrPerpetualToken):
		hint = "leave out --jwt, or give --days or --expires"
	}
	return withHint(exitInvalid, err, hint)
}
