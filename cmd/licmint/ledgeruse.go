package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"

	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
	"github.com/spf13/cobra"
)

// ledgerFlags is --ledger on the commands that sign: with a ledger they
// follow its rules and record what they issue; without one they work as
// before.
type ledgerFlags struct{ dsn string }

func (f *ledgerFlags) register(cmd *cobra.Command) { addLedgerFlag(cmd.Flags(), &f.dsn) }

// registerWriting is register for a command that writes to the ledger,
// which checkpoints it too (--audit-key).
func (f *ledgerFlags) registerWriting(cmd *cobra.Command) {
	f.register(cmd)
	addAuditKeyFlag(cmd)
}

// service pairs the signer with the ledger, which may be nil.
func service(s *signer.Signer, l *ledger.Ledger) *issuance.Service { return issuance.New(s, l) }

// ledgerError gives an error from an operation with a ledger its exit
// status: 3 with a hint for the ledger's refusals; the signer's own
// outcomes as signerError words them; and 1, kind ledger, for anything
// else, which is the database failing.
func ledgerError(err error, signerError func(error) error) error {
	if r := refusals[issuance.KindOf(err)]; r.hint != "" {
		return withHint(exitInvalid, err, r.hint)
	}
	if isSignerError(err) {
		return signerError(err)
	}
	return &cliError{code: exitError, kind: kindLedger, err: fmt.Errorf("ledger: %w", err),
		hint: "nothing more was recorded; check that the ledger is reachable and run the command again"}
}

// isSignerError reports the outcomes of the signer and of the input, which
// the command words, as against the database's.
func isSignerError(err error) bool {
	var fe *signer.FieldError
	var ce *cliError
	if errors.As(err, &fe) || errors.As(err, &ce) || issuance.KindOf(err) == issuance.KindNeedsLedger || errorKind(err) != "" {
		return true
	}
	for _, e := range []error{signer.ErrBadRegistration, signer.ErrNotAuthentic, signer.ErrUnknownKey, signer.ErrNotRenewable,
		signer.ErrNotReplaceable, signer.ErrInstallIDRequired, signer.ErrBadEntry} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// mintFlags are what rk new records of keys minted into a ledger.
type mintFlags struct {
	edition, purpose, order, customer string
	days                              int
	catalogFile, out                  string
	force                             bool
}

func (f *mintFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.edition, "edition", "", "with --ledger: the edition `NAME` the keys are sold for")
	fl.IntVar(&f.days, "days", 0, "with --ledger: the term in days (default: the catalog's)")
	fl.StringVar(&f.purpose, "purpose", "license", "with --ledger: license (a new license) or renewal (extends one)")
	fl.StringVar(&f.order, "order", "", "with --ledger: the shop's order `REF`; an order is minted once")
	fl.StringVar(&f.customer, "customer", "", "with --ledger: the shop's customer `REF`")
	fl.StringVar(&f.catalogFile, "catalog", "", "with --ledger: product catalog JSON `FILE` (default: the built-in catalog)")
	fl.StringVarP(&f.out, "out", "o", "", "with --ledger: write the keys as CSV to `FILE`")
	fl.BoolVar(&f.force, "force", false, "replace an existing --out file")
}

// used reports whether any flag that only a ledger takes was given.
func (f *mintFlags) used(cmd *cobra.Command) bool {
	for _, name := range []string{"edition", "days", "purpose", "order", "customer", "catalog", "out", "force"} {
		if cmd.Flags().Changed(name) {
			return true
		}
	}
	return false
}

// mintedJSON is a minted key as rk new --ledger prints it.
type mintedJSON struct {
	RK       string `json:"rk"`
	Product  string `json:"product"`
	Edition  string `json:"edition"`
	Trial    bool   `json:"trial"`
	Days     int    `json:"days,omitempty"`
	Purpose  string `json:"purpose"`
	Order    string `json:"order,omitempty"`
	Customer string `json:"customer,omitempty"`
}

var mintedCSVHeader = []string{"rk", "product", "edition", "trial", "days", "purpose", "order", "customer"}

func mintKeys(cmd *cobra.Command, led *ledgerFlags, f *mintFlags, p formats.Product, trial bool, count int, asJSON bool) error {
	dsn := ledgerDSN(cmd, led.dsn)
	switch {
	case dsn == "":
		return usageError("--edition, --days, --purpose, --order, --customer, --catalog and --out are for keys minted into a ledger: give --ledger DSN")
	case f.edition == "":
		return usageError("--edition NAME is required with --ledger: what the keys are sold for")
	case count > ledger.MaxMint:
		return usageError("--count %d: a ledger mints at most %d keys at a time", count, ledger.MaxMint)
	case f.days < 0 || f.days > catalog.MaxTermDays:
		return usageError("--days %d: want 1 to %d", f.days, catalog.MaxTermDays)
	case f.purpose != string(ledger.PurposeLicense) && f.purpose != string(ledger.PurposeRenewal):
		return usageError("--purpose %q: want license or renewal", f.purpose)
	}
	cat, err := loadCatalog(f.catalogFile)
	if err != nil {
		return err
	}
	l, err := commandLedger(cmd, led.dsn, ledgerWrite)
	if err != nil {
		return err
	}
	defer closeLedger(cmd, l)
	var recs []mintedJSON
	mint := func() error {
		m, err := issuance.Mint(cmd.Context(), l, cat, ledger.MintRequest{Product: p, Edition: f.edition, Trial: trial, Days: f.days,
			Purpose: ledger.Purpose(f.purpose), Count: count, Order: f.order, Customer: f.customer})
		switch {
		case errors.Is(err, catalog.ErrUnknownProduct), errors.Is(err, catalog.ErrUnknownEdition):
			return withHint(exitInvalid, err, "mint keys for what the catalog sells (--catalog FILE, or the built-in one: product PC, editions standard and premium)")
		case err != nil:
			return ledgerError(err, func(err error) error { return usageError("%v", err) })
		}
		if m.Existing {
			fmt.Fprintf(cmd.ErrOrStderr(), "licmint: order %s was minted before: these are its keys; nothing new was minted\n", f.order)
		}
		for _, k := range m.Keys {
			recs = append(recs, mintedJSON{RK: k.String(), Product: k.Product.String(), Edition: f.edition, Trial: k.Trial, Days: f.days,
				Purpose: f.purpose, Order: f.order, Customer: f.customer})
		}
		return nil
	}
	if f.out == "" {
		if err := mint(); err != nil {
			return err
		}
	} else {
		// The output file is created first, so that keys are never minted
		// into the ledger with nowhere to write them.
		if err := writeFileAtomic(f.out, f.force, 0o644, func(w io.Writer) error {
			if err := mint(); err != nil {
				return err
			}
			cw := csv.NewWriter(w)
			cw.Write(mintedCSVHeader)
			for _, r := range recs {
				days := "" // the catalog's term, as a batch reads it
				if r.Days > 0 {
					days = fmt.Sprint(r.Days)
				}
				cw.Write([]string{r.RK, r.Product, r.Edition, fmt.Sprint(r.Trial), days, r.Purpose, r.Order, r.Customer})
			}
			cw.Flush()
			return cw.Error()
		}); err != nil {
			if len(recs) > 0 && f.order != "" {
				return withHint(exitError, err, fmt.Sprintf("the keys are minted for order %s: run the command again to write them", f.order))
			}
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "licmint: minted %d keys into the ledger: %s\n", len(recs), f.out)
	}
	if asJSON {
		return printJSON(cmd.OutOrStdout(), recs)
	}
	if f.out == "" {
		for _, r := range recs {
			fmt.Fprintln(cmd.OutOrStdout(), r.RK)
		}
	}
	return nil
}
