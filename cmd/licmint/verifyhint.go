package main

import (
	"errors"

	"github.com/licmint/licmint/verifier"
)

// verifierHint says what to do about a code or reset code that the verifier
// refused. The verifier's hints are worded for a product's user; where the
// remedy is one of this command's flags, the hint names it.
func verifierHint(installID string, ve *verifier.Error) string {
	if installID == "" && errors.Is(ve.Err, verifier.ErrInstallMismatch) {
		return "it is bound to an install: give --install-id with the install id it was issued for"
	}
	return ve.Hint
}
