package verifier

import (
	"errors"

	"github.com/licmint/licmint/formats"
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
)

// Error reports a code that decodes but does not verify.
type Error struct {
	// Err is ErrUnknownKey, ErrBadSignature or ErrInstallMismatch.
	Err error
	// Msg says what is wrong, Hint what to do.
	Msg, Hint string
}

func (e *Error) Error() string { return "activation code: " + e.Msg }

func (e *Error) Unwrap() error { return e.Err }
