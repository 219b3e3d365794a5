package main

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"filippo.io/age"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/formats/renewal"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/signer/batch"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/licjwt"
)

// The kinds of failure, the "kind" of a --json error object: a closed
// list, each kind with the one exit status it comes with. errorKindTable
// documents them for `licmint exit-codes` and README.md.
const (
	kindUsage           = "usage"
	kindFile            = "file"
	kindKey             = "key"
	kindInternal        = "internal"
	kindMalformed       = "malformed"
	kindTypo            = "typo"
	kindUnsigned        = "unsigned"
	kindWrongProduct    = "wrong_product"
	kindUnknownKey      = "unknown_key"
	kindBadSignature    = "bad_signature"
	kindInstallMismatch = "install_mismatch"
	kindBadToken        = "bad_token"
	kindNotRenewal      = "not_renewal"
	kindInvalid         = "invalid"
	kindNotMinted       = "not_minted"
	kindVoid            = "void"
	kindRegistered      = "registered"
	kindSuperseded      = "superseded"
	kindRevoked         = "revoked"
	kindNoLicense       = "no_license"
	kindChain           = "chain"
	kindTampered        = "tampered"
	kindLedger          = "ledger"
	kindResetUsed       = "reset_used"
	kindResetNotLocked  = "reset_not_locked"
	kindResetTooEarly   = "reset_too_early"
	kindNotInForce      = "not_in_force"
	kindPartial         = "partial"
)

// errorKindTable is the documented list of kinds, in the order of their
// exit statuses.
var errorKindTable = []struct {
	Kind    string `json:"kind"`
	Status  int    `json:"status"`
	Meaning string `json:"meaning"`
}{
	{kindFile, exitError, "a file cannot be read, written or used: missing, already there (give --force), unreadable, too large, or not a valid catalog"},
	{kindKey, exitError, "a key or its secret: wrong passphrase or identity, no passphrase to be had, not a key file, keys that clash"},
	{kindLedger, exitError, "the issuance ledger cannot be opened or written: unreachable, read-only, or migrated by a newer licmint"},
	{kindInternal, exitError, "anything else: interrupted, no randomness, a bug"},
	{kindUsage, exitUsage, "unknown command or flag, missing or extra arguments, a bad flag value"},
	{kindMalformed, exitInvalid, "not shaped like a key, code or request"},
	{kindTypo, exitInvalid, "a check digit or check symbols do not match: a mistyped character"},
	{kindUnsigned, exitInvalid, "the short form, where the signed code is needed"},
	{kindWrongProduct, exitInvalid, "a key or code for another product"},
	{kindUnknownKey, exitInvalid, "signed by a key id that is not trusted"},
	{kindBadSignature, exitInvalid, "the signature does not verify: altered or forged"},
	{kindInstallMismatch, exitInvalid, "an install-bound code without its install id, or for another install"},
	{kindBadToken, exitInvalid, "a JWT license token that is not valid"},
	{kindNotRenewal, exitInvalid, "verify --renew-from: the code cannot replace the installed one"},
	{kindInvalid, exitInvalid, "other input refused: an edition or product not in the catalog, a term out of range, a code that cannot be renewed or replaced, a bad revocation entry"},
	{kindNotMinted, exitInvalid, "ledger: the Registration Key was never minted (sign --allow-unminted imports legacy keys)"},
	{kindVoid, exitInvalid, "ledger: the Registration Key was voided"},
	{kindRegistered, exitInvalid, "ledger: the key is already registered on other terms or to another account, or a renewal key was used, or an order was minted on other terms"},
	{kindSuperseded, exitInvalid, "ledger: the code's generation was replaced; renew or replace the current one"},
	{kindRevoked, exitInvalid, "ledger: the license is revoked"},
	{kindNoLicense, exitInvalid, "ledger: no such license, or a key that is not for this use"},
	{kindChain, exitInvalid, "ledger verify: an event was changed, deleted or reordered, or a row no longer matches its events"},
	{kindTampered, exitInvalid, "ledger: the row acted on no longer matches the events that set it; nothing was issued"},
	{kindResetUsed, exitInvalid, "verify --reset-code: the reset code was already used"},
	{kindResetNotLocked, exitInvalid, "verify --reset-code: this install is not locked at the code's day"},
	{kindResetTooEarly, exitInvalid, "verify --reset-code: the clock is before the reset code's issue day"},
	{kindNotInForce, exitNotInForce, "verify: authentic but not in force; the record's status says why"},
	{kindPartial, exitPartial, "batch signing: some rows failed"},
}

// errorKinds name the outcomes of invalid input (exit status 3) that are
// the CLI's own, beyond the verifier's (verifier.ErrorKind) and the
// issuance refusals (refusals). The first match wins.
var errorKinds = []struct {
	err  error
	kind string
}{
	{verifier.ErrNotRenewal, kindNotRenewal},
	{signer.ErrUnknownKey, kindUnknownKey},
	{signer.ErrNotAuthentic, kindBadSignature},
	{signer.ErrInstallIDRequired, kindInstallMismatch},
	{renewal.ErrMalformed, kindMalformed},
	{revocation.ErrMalformed, kindMalformed},
	{batch.ErrBadRow, kindMalformed},
}

// refusals word the refusals of the issuance rules and of the ledger (its
// record, staff users, API tokens): the kind of the --json error object
// and what to do about it. Each exits with status 3. A refusal with no
// hint is not the ledger refusing an operation (ledgerError) but a
// finding, such as ledger verify's.
var refusals = map[issuance.Kind]struct{ kind, hint string }{
	issuance.KindNotMinted:      {kindNotMinted, "only keys minted with 'licmint rk new --ledger' are signed; give --allow-unminted to import a legacy key"},
	issuance.KindVoid:           {kindVoid, "the key was voided; sell the customer a new one"},
	issuance.KindOtherTerms:     {kindRegistered, "sign it on the terms it was sold and registered with, which 'licmint ledger find --rk KEY' shows"},
	issuance.KindOtherOwner:     {kindRegistered, "the key is registered to another account"},
	issuance.KindUsed:           {kindRegistered, "'licmint ledger find --rk KEY' shows what it was used for"},
	issuance.KindOrderTerms:     {kindRegistered, "an order's keys are minted once: give the same terms to get them again, or another --order"},
	issuance.KindSuperseded:     {kindSuperseded, "the code was replaced: use the license's current code ('licmint ledger find --serial S')"},
	issuance.KindRevoked:        {kindRevoked, "the license is revoked; 'licmint ledger find --serial S' shows why"},
	issuance.KindNoLicense:      {kindNoLicense, "the ledger has no such license: codes signed without the ledger are recorded from their batch's output file with 'licmint ledger import'"},
	issuance.KindRenewalKey:     {kindNoLicense, "a renewal key renews an existing license: give it to 'licmint renew --renewal-key'"},
	issuance.KindNotRenewalKey:  {kindNoLicense, "give a key minted with 'licmint rk new --purpose renewal'"},
	issuance.KindLastGeneration: {kindInvalid, "issue the customer a new Registration Key"},
	issuance.KindNotIssued:      {kindInvalid, "'licmint ledger find --serial S' shows the license's generation"},
	issuance.KindChain:          {kindChain, ""},
	issuance.KindTampered:       {kindTampered, "the ledger's row was changed behind its event chain, and the refusal recorded: run 'licmint ledger verify' to find every such row, and restore the ledger from a backup"},
	issuance.KindStaffExists:    {kindInvalid, "an admin removes a staff user in the console (Staff users); a removed user may be added again"},
	issuance.KindNoAPIToken:     {kindInvalid, "'licmint serve token list' shows the tokens and which are revoked"},
}

// errorKind returns the error_kind that --json output reports for err, or
// "" for none: the verifier's kind, except that a token that is not a
// well-formed signed token, or carries a code that does not decode, is
// bad_token (a token whose code decodes keeps the code's verdict, such as
// bad_signature); then the CLI's own outcomes. A revocation list's kinds
// are for the list's record, not an error object: they read as malformed.
func errorKind(err error) string {
	k := verifier.ErrorKind(err)
	if errors.Is(err, licjwt.ErrBadToken) {
		switch k {
		case "", kindTypo, kindUnsigned, kindMalformed:
			return kindBadToken
		}
	}
	if strings.HasPrefix(k, "list_") {
		return kindMalformed
	}
	if k != "" {
		return k
	}
	for _, e := range errorKinds {
		if errors.Is(err, e.err) {
			return e.kind
		}
	}
	return refusals[issuance.KindOf(err)].kind
}

// keyErrors are the outcomes that make a job fail for its key (exit
// status 1, kind key).
var keyErrors = []error{signer.ErrWrongSecret, signer.ErrBadKeyFile, errNoPassphrase, keyring.ErrNoKeyID, signer.ErrSigningKey}

// fileErrors are the outcomes that make a job fail for a file (exit
// status 1, kind file).
var fileErrors = []error{fs.ErrNotExist, fs.ErrExist, fs.ErrPermission}

// kindOf returns the kind of an error that exits with code: the one its
// *cliError names, or else one derived from the outcome it wraps.
func kindOf(err error, code int) string {
	var ce *cliError
	if errors.As(err, &ce) && ce.kind != "" {
		return ce.kind
	}
	switch code {
	case exitUsage:
		return kindUsage
	case exitInvalid:
		if k := errorKind(err); k != "" {
			return k
		}
		return kindInvalid
	case exitNotInForce:
		return kindNotInForce
	case exitPartial:
		return kindPartial
	}
	for _, target := range keyErrors {
		if errors.Is(err, target) {
			return kindKey
		}
	}
	var noMatch *age.NoIdentityMatchError
	if errors.As(err, &noMatch) {
		return kindKey
	}
	for _, target := range fileErrors {
		if errors.Is(err, target) {
			return kindFile
		}
	}
	var pathErr *fs.PathError
	var linkErr *os.LinkError
	if errors.As(err, &pathErr) || errors.As(err, &linkErr) {
		return kindFile
	}
	// A command that chose exit status 1 without naming a kind could not
	// use a file; an error no command anticipated is internal.
	if ce != nil {
		return kindFile
	}
	return kindInternal
}
