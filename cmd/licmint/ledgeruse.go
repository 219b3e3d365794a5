package main

import (
	"errors"
	"fmt"

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

// open opens the ledger, if one was given, for writing. Commands call it
// before they open the key, so that a ledger that cannot take writes fails
// before a passphrase is asked for or anything is signed.
func (f *ledgerFlags) open(cmd *cobra.Command) (*ledger.Ledger, error) {
	dsn := ledgerDSN(f.dsn)
	if dsn == "" {
		return nil, nil
	}
	return openLedger(cmd.Context(), dsn, false)
}

// service pairs the signer with the ledger, which may be nil.
func service(s *signer.Signer, l *ledger.Ledger) *issuance.Service { return issuance.New(s, l) }

// ledgerHints say what to do about each of the ledger's refusals.
var ledgerHints = []struct {
	err  error
	hint string
}{
	{ledger.ErrNotMinted, "only keys minted with 'licmint rk new --ledger' are signed; give --allow-unminted to import a legacy key"},
	{ledger.ErrVoid, "the key was voided; sell the customer a new one"},
	{ledger.ErrOtherTerms, "sign it on the terms it was sold and registered with, which 'licmint ledger find --rk KEY' shows"},
	{ledger.ErrOtherOwner, "the key is registered to another account"},
	{ledger.ErrUsed, "'licmint ledger find --rk KEY' shows what it was used for"},
	{ledger.ErrOrderTerms, "an order's keys are minted once: give the same terms to get them again, or another --order"},
	{ledger.ErrSuperseded, "the code was replaced: use the license's current code ('licmint ledger find --serial S')"},
	{ledger.ErrRevoked, "the license is revoked; 'licmint ledger find --serial S' shows why"},
	{ledger.ErrNoLicense, "the ledger has no such license: codes signed before the ledger was kept are added with 'licmint sign --allow-unminted'"},
	{ledger.ErrRenewalKey, "a renewal key renews an existing license: give it to 'licmint renew --renewal-key'"},
	{ledger.ErrNotRenewal, "give a key minted with 'licmint rk new --purpose renewal'"},
	{ledger.ErrLastGeneration, "issue the customer a new Registration Key"},
}

// ledgerError gives an error from an operation with a ledger its exit
// status: 3 with a hint for the ledger's refusals; the signer's own
// outcomes as signerError words them; and 1, kind ledger, for anything
// else, which is the database failing.
func ledgerError(err error, signerError func(error) error) error {
	for _, h := range ledgerHints {
		if errors.Is(err, h.err) {
			return withHint(exitInvalid, err, h.hint)
		}
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
	if errors.As(err, &fe) || errors.As(err, &ce) || errors.Is(err, issuance.ErrNoLedger) || errorKind(err) != "" {
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
