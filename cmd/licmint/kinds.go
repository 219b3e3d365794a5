package main

import (
	"errors"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/verifier"
	licjwt "github.com/licmint/licmint/verifier/jwt"
)

// errorKinds name the outcomes that --json output reports as error_kind.
// The first match wins: a token error also wraps ErrBadToken, so the
// specific outcomes come first, and a bad code inside a signed token is
// bad_token rather than the code's own kind.
var errorKinds = []struct {
	err  error
	kind string
}{
	{verifier.ErrResetUsed, "reset_used"},
	{verifier.ErrResetNotLocked, "reset_not_locked"},
	{verifier.ErrResetTooEarly, "reset_too_early"},
	{verifier.ErrUnknownKey, "unknown_key"},
	{verifier.ErrBadSignature, "bad_signature"},
	{verifier.ErrInstallMismatch, "install_mismatch"},
	{formats.ErrWrongProduct, "wrong_product"},
	{licjwt.ErrBadToken, "bad_token"},
	{formats.ErrTypo, "typo"},
	{formats.ErrUnsigned, "unsigned"},
	{formats.ErrUnknownVersion, "malformed"},
	{formats.ErrMalformed, "malformed"},
}

// errorKind returns the name of the outcome err wraps, or "" for none.
func errorKind(err error) string {
	for _, k := range errorKinds {
		if errors.Is(err, k.err) {
			return k.kind
		}
	}
	return ""
}
