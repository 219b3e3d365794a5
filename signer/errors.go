package signer

import (
	"errors"
	"fmt"
	"strings"
)

// Outcomes, matched with errors.Is.
var (
	// ErrWrongSecret: the passphrase or age identity does not open the key
	// file.
	ErrWrongSecret = errors.New("wrong passphrase or identity")
	// ErrBadKeyFile: the input is not a licmint private key file, or it is
	// damaged or truncated.
	ErrBadKeyFile = errors.New("not a valid private key file")
	// ErrSigningKey: a signing key held elsewhere, such as in a hardware
	// security module, failed to sign: the token was removed, the session
	// closed, the login expired. A batch stops at it, with nothing written.
	ErrSigningKey = errors.New("the signing key failed")
	// ErrKeyMismatch: a signing key whose private half does not match the
	// public key given for it.
	ErrKeyMismatch = errors.New("the private key does not match the public key")
	// ErrNotExportable: a key held elsewhere has no private key to write to
	// a key file.
	ErrNotExportable = errors.New("signer: the key is held by its signer and cannot be written to a file")
	// ErrBadRegistration: a registration that cannot be signed as given: a
	// bad date, term, install id or combination of fields.
	ErrBadRegistration = errors.New("invalid registration")

	// ErrUnknownKey: a code to renew or replace names a key id that is
	// neither the signing key's nor one given with WithTrustedKeys.
	ErrUnknownKey = errors.New("signed by an unknown key")
	// ErrNotAuthentic: a code to renew or replace does not verify: it was
	// altered, signed by another key under the same id, or, for an
	// install-bound code, given with another install id.
	ErrNotAuthentic = errors.New("signature does not verify")
	// ErrInstallIDRequired: an install-bound code cannot be checked or
	// signed again without the install id it is bound to.
	ErrInstallIDRequired = errors.New("install id required")
	// ErrNotRenewable: a code that Renew will not extend as asked: a trial
	// or perpetual code, a term out of range, or an expiry out of reach.
	ErrNotRenewable = errors.New("cannot renew")
	// ErrNotReplaceable: a code at MaxGeneration has no next generation.
	ErrNotReplaceable = errors.New("cannot replace")
	// ErrBadEntry: a revocation entry spec that cannot be read (see
	// ParseRevocationEntry).
	ErrBadEntry = errors.New("invalid revocation entry")
)

// FieldError reports a registration field, or a batch row, that could not
// be signed. It wraps the outcome: ErrBadRegistration,
// catalog.ErrUnknownProduct or ErrUnknownEdition, a formats error for a
// bad Registration Key, or for a batch row batch.ErrBadRow or a
// repeated key. Renew, Replace and the revocation
// entry parsers report through it too, with the fields code, install_id,
// days, issued, serial and generation.
type FieldError struct {
	// Line is the input line of a batch row, from 1; 0 outside a batch.
	Line int
	// Column is the 1-based CSV column, 0 when not known or for JSON Lines.
	Column int
	// Field names the column or JSON key: rk, edition, days, expires,
	// issued or install_id; empty for a whole row. Renew and Replace name
	// code as well, and revocation entries serial or generation.
	Field string
	Err   error
}

func (e *FieldError) Error() string {
	var b strings.Builder
	sep := ""
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d", e.Line)
		sep = ", "
	}
	if e.Column > 0 {
		fmt.Fprintf(&b, "%scolumn %d", sep, e.Column)
		sep = " "
	}
	if e.Field != "" {
		if sep == ", " {
			sep = " "
		}
		if e.Column > 0 || e.Line > 0 {
			fmt.Fprintf(&b, "%s(%s)", sep, e.Field)
		} else {
			b.WriteString(e.Field)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *FieldError) Unwrap() error { return e.Err }

// badField returns a FieldError wrapping ErrBadRegistration.
func badField(field, format string, a ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrBadRegistration}, a...)...)}
}
