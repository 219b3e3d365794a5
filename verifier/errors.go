package verifier

import (
	"errors"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
)

// Outcomes of Verify, matched with errors.Is. The decoding outcomes are the
// formats package's own sentinels, so errors.Is(err, formats.ErrTypo) and
// errors.Is(err, verifier.ErrTypo) agree.
var (
	// ErrMalformed: the input is not an Activation Code (wrong characters,
	// length, or bits no encoder writes). ErrUnknownVersion is reported
	// for a code of a format version this package does not implement.
	ErrMalformed      = formats.ErrMalformed
	ErrUnknownVersion = formats.ErrUnknownVersion
	// ErrTypo: a check symbol mismatch, as after a mistyped character; the
	// *formats.FormatError names the position when it can.
	ErrTypo = formats.ErrTypo
	// ErrUnsigned: the 37-character short form, which carries no signature.
	ErrUnsigned = formats.ErrUnsigned
	// ErrWrongProduct: an authentic-looking code for another product.
	ErrWrongProduct = formats.ErrWrongProduct

	// ErrUnknownKey: the code names a key id the verifier does not trust.
	ErrUnknownKey = errors.New("unknown signing key")
	// ErrBadSignature: the signature does not verify: the code was altered
	// or forged.
	ErrBadSignature = errors.New("bad signature")
	// ErrInstallMismatch: the code is bound to an install, and either no
	// install id was configured or the signature fails with the configured
	// one (bound to another install, or altered).
	ErrInstallMismatch = errors.New("install mismatch")

	// ErrNotRenewal: VerifyRenewal was given an authentic code that cannot
	// replace the installed one: another serial, a lower generation, an
	// expiry no later than the installed code's, or a code revoked or
	// superseded here. The *Error says which.
	ErrNotRenewal = errors.New("not a renewal")
)

// ErrWeakKey is wrapped by New's error for a trusted key of small order,
// under which anyone could forge codes, or one not canonically encoded. No
// key made by licmint keygen is either (formats.CheckPublicKey).
var ErrWeakKey = formats.ErrWeakKey

// Outcomes of LoadRevocationList, matched with errors.Is. The verifier
// keeps its last good list after any of them. All but ErrListReplayed are
// package formats/revocation's sentinels, under names that say what they
// are about here.
var (
	// ErrListReplayed: the list's sequence number is lower than one the
	// verifier has already accepted, in this run or, with WithState, an
	// earlier one: an outdated list, or an attempt to undo a revocation.
	ErrListReplayed = errors.New("revocation list replayed")
	// ErrListMalformed: not a revocation list, truncated, padded, or with
	// entries out of order.
	ErrListMalformed = revocation.ErrMalformed
	// ErrListUnknownKey: signed by a key id the verifier does not trust.
	ErrListUnknownKey = revocation.ErrUnknownKey
	// ErrListBadSignature: the signature does not verify: the list was
	// altered, or signed by an untrusted key under a trusted key's id.
	ErrListBadSignature = revocation.ErrBadSignature
	// ErrListWrongProduct: a list for another product.
	ErrListWrongProduct = revocation.ErrWrongProduct
)

// Error reports a code that decodes but does not verify, or a reset code
// that Reset refuses.
type Error struct {
	// Err is ErrUnknownKey, ErrBadSignature, ErrInstallMismatch or
	// ErrNotRenewal; from Reset, ErrUnknownKey, ErrInstallMismatch,
	// ErrResetUsed, ErrResetNotLocked or ErrResetTooEarly.
	Err error
	// Msg says what is wrong. Hint says what the product's user can do
	// about it, in words a product can show that user; it names no API,
	// flag or file, which are the product's own.
	Msg, Hint string

	reset bool // about a reset code rather than an Activation Code
}

func (e *Error) Error() string {
	if e.reset {
		return "reset code: " + e.Msg
	}
	return "activation code: " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }
