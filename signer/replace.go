package signer

import (
	"fmt"

	"github.com/licmint/licmint/formats"
)

// CheckReplaceable reports why Replace would refuse current whatever the
// key: a short form, or a code at MaxGeneration. It needs no key.
func CheckReplaceable(current formats.ActivationCode) error {
	switch {
	case !current.Signed:
		return &FieldError{Field: "code", Err: fmt.Errorf("%w: give the whole signed code; the short form cannot be checked", formats.ErrUnsigned)}
	case current.Generation >= formats.MaxGeneration:
		return &FieldError{Field: "code", Err: fmt.Errorf("%w: generation %d is the last a code can have; issue the customer a new Registration Key and revoke this serial", ErrNotReplaceable, current.Generation)}
	}
	return nil
}

// Replace returns the replacement of current, a code this signer trusts
// that was stolen or leaked: the same license, with the same issue and
// expiry days, one generation higher and signed with the signer's key. A
// verifier that has seen the replacement reports current as superseded;
// to revoke current everywhere, add (serial, new generation) to the next
// revocation list. installID is the install id of a bound code; the
// replacement is bound to the same one.
//
// Errors are *FieldError values wrapping formats.ErrUnsigned,
// ErrInstallIDRequired, ErrUnknownKey, ErrNotAuthentic or
// ErrNotReplaceable.
func (s *Signer) Replace(current formats.ActivationCode, installID string) (formats.ActivationCode, error) {
	if err := CheckReplaceable(current); err != nil {
		return formats.ActivationCode{}, err
	}
	if err := s.authenticate(&current, installID); err != nil {
		return formats.ActivationCode{}, err
	}
	h := current.Header
	h.KeyID = s.key.id
	h.Generation++
	return s.signHeader(&h, installID)
}
