package issuance

import (
	"errors"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
)

// Kind names a refusal of the issuance rules, of the ledger or of the
// signer, so that each front end (the CLI's exit statuses, the portal's
// HTTP statuses) words and classes it in one place instead of testing
// sentinels one by one. The zero Kind is no refusal: the error, if any, is
// a failure, such as the database being unreachable.
type Kind string

// The kinds of refusal. Each is one sentinel error's, named in its comment.
const (
	KindNone Kind = ""

	// The Registration Key and the license's record.
	KindNotMinted      Kind = "not_minted"      // ledger.ErrNotMinted
	KindVoid           Kind = "void"            // ledger.ErrVoid
	KindOtherTerms     Kind = "other_terms"     // ledger.ErrOtherTerms
	KindOtherOwner     Kind = "other_owner"     // ledger.ErrOtherOwner
	KindRenewalKey     Kind = "renewal_key"     // ledger.ErrRenewalKey
	KindNotRenewalKey  Kind = "not_renewal_key" // ledger.ErrNotRenewal
	KindUsed           Kind = "used"            // ledger.ErrUsed
	KindOrderTerms     Kind = "order_terms"     // ledger.ErrOrderTerms
	KindNoLicense      Kind = "no_license"      // ledger.ErrNoLicense
	KindSuperseded     Kind = "superseded"      // ledger.ErrSuperseded
	KindRevoked        Kind = "revoked"         // ledger.ErrRevoked
	KindNotIssued      Kind = "not_issued"      // ledger.ErrNotIssued
	KindLastGeneration Kind = "last_generation" // ledger.ErrLastGeneration

	// The ledger itself.
	KindNeedsLedger   Kind = "needs_ledger"   // ErrNoLedger
	KindNoLedger      Kind = "no_ledger"      // ledger.ErrNoLedger
	KindSchemaTooNew  Kind = "schema_too_new" // ledger.ErrSchemaTooNew
	KindChain         Kind = "chain"          // ledger.ErrChain
	KindTampered      Kind = "tampered"       // ledger.ErrTampered
	KindAccountExists Kind = "account_exists" // ledger.ErrAccountExists
	KindNoAccount     Kind = "no_account"     // ledger.ErrNoAccount
	KindTokenInvalid  Kind = "token_invalid"  // ledger.ErrTokenInvalid
	KindNoSession     Kind = "no_session"     // ledger.ErrNoSession
	KindNoAPIToken    Kind = "no_api_token"   // ledger.ErrNoAPIToken
	KindStaffExists   Kind = "staff_exists"   // ledger.ErrStaffExists
	KindNoStaff       Kind = "no_staff"       // ledger.ErrNoStaff
	KindTOTPReplayed  Kind = "totp_replayed"  // ledger.ErrTOTPReplayed

	// The signer's refusals, which the Service's operations pass on.
	KindBadRegistration Kind = "bad_registration"     // signer.ErrBadRegistration
	KindUnknownKey      Kind = "unknown_key"          // signer.ErrUnknownKey
	KindNotAuthentic    Kind = "bad_signature"        // signer.ErrNotAuthentic
	KindInstallIDNeeded Kind = "install_id_required"  // signer.ErrInstallIDRequired
	KindNotRenewable    Kind = "not_renewable"        // signer.ErrNotRenewable
	KindNotReplaceable  Kind = "not_replaceable"      // signer.ErrNotReplaceable
	KindBadEntry        Kind = "bad_revocation_entry" // signer.ErrBadEntry
	// KindBadField is any other *signer.FieldError: a field the signer
	// could not use, such as a code that does not decode.
	KindBadField Kind = "bad_field"

	// What the catalog and the formats refuse, which the operations pass on.
	KindUnknownProduct Kind = "unknown_product" // catalog.ErrUnknownProduct
	KindUnknownEdition Kind = "unknown_edition" // catalog.ErrUnknownEdition
	KindUnsigned       Kind = "unsigned"        // formats.ErrUnsigned: a short form where a whole code is needed
)

// kinds is the table KindOf reads. The first match wins, so the ledger's
// outcomes, which the signer's errors may wrap (a batch row's field error
// wraps ledger.ErrNotMinted), come first.
var kinds = []struct {
	err  error
	kind Kind
}{
	{ledger.ErrNotMinted, KindNotMinted},
	{ledger.ErrVoid, KindVoid},
	{ledger.ErrOtherTerms, KindOtherTerms},
	{ledger.ErrOtherOwner, KindOtherOwner},
	{ledger.ErrUsed, KindUsed},
	{ledger.ErrOrderTerms, KindOrderTerms},
	{ledger.ErrSuperseded, KindSuperseded},
	{ledger.ErrRevoked, KindRevoked},
	{ledger.ErrNoLicense, KindNoLicense},
	{ledger.ErrRenewalKey, KindRenewalKey},
	{ledger.ErrNotRenewal, KindNotRenewalKey},
	{ledger.ErrLastGeneration, KindLastGeneration},
	{ledger.ErrNotIssued, KindNotIssued},

	{ErrNoLedger, KindNeedsLedger},
	{ledger.ErrNoLedger, KindNoLedger},
	{ledger.ErrSchemaTooNew, KindSchemaTooNew},
	{ledger.ErrChain, KindChain},
	{ledger.ErrTampered, KindTampered},
	{portaldb.ErrAccountExists, KindAccountExists},
	{ledger.ErrNoAccount, KindNoAccount},
	{portaldb.ErrTokenInvalid, KindTokenInvalid},
	{portaldb.ErrNoSession, KindNoSession},
	{portaldb.ErrNoAPIToken, KindNoAPIToken},
	{portaldb.ErrStaffExists, KindStaffExists},
	{portaldb.ErrNoStaff, KindNoStaff},
	{portaldb.ErrTOTPReplayed, KindTOTPReplayed},

	// The catalog's and the formats' refusals come before the signer's,
	// which wrap them.
	{catalog.ErrUnknownProduct, KindUnknownProduct},
	{catalog.ErrUnknownEdition, KindUnknownEdition},
	{formats.ErrUnsigned, KindUnsigned},

	{signer.ErrUnknownKey, KindUnknownKey},
	{signer.ErrNotAuthentic, KindNotAuthentic},
	{signer.ErrInstallIDRequired, KindInstallIDNeeded},
	{signer.ErrNotRenewable, KindNotRenewable},
	{signer.ErrNotReplaceable, KindNotReplaceable},
	{signer.ErrBadEntry, KindBadEntry},
	{signer.ErrBadRegistration, KindBadRegistration},
}

// KindOf returns the kind of refusal err wraps, or KindNone if it wraps
// none.
func KindOf(err error) Kind {
	if err == nil {
		return KindNone
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.kind
		}
	}
	if errors.As(err, new(*signer.FieldError)) {
		return KindBadField
	}
	return KindNone
}
