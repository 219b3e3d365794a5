package signer

import (
	"crypto/ed25519"
	"fmt"

	"github.com/licmint/licmint/formats"
)

// Authenticate checks that c is a whole signed code from a key this
// signer trusts, as a portal does before it answers a product that
// presents one: ErrUnknownKey, ErrNotAuthentic, ErrInstallIDRequired for
// a bound code without its install id, or formats.ErrUnsigned for a short
// form, each in a *FieldError.
func (s *Signer) Authenticate(c formats.ActivationCode, installID string) error {
	return s.authenticate(&c, installID)
}

// authenticate checks that c is a signed code from a key this signer
// trusts, so that Renew and Replace never extend or re-issue a forgery:
// the new code carries the signer's own signature, whatever the old one
// was. installID is the install id of a bound code (FORMAT.md 4.2).
func (s *Signer) authenticate(c *formats.ActivationCode, installID string) error {
	if !c.Signed {
		return &FieldError{Field: "code", Err: fmt.Errorf("%w: give the whole signed code; the short form cannot be checked", formats.ErrUnsigned)}
	}
	if err := needInstallID(c, installID); err != nil {
		return err
	}
	pub, ok := s.trustedKey(c.KeyID)
	if !ok {
		return &FieldError{Field: "code", Err: fmt.Errorf("%w: key id %d is neither the signing key's (%d) nor a trusted key; give the public key it was signed with as a trusted key",
			ErrUnknownKey, c.KeyID, s.key.id)}
	}
	var buf [formats.MaxMessageLen]byte
	msg, err := c.AppendMessage(buf[:0], installID)
	if err != nil {
		return &FieldError{Field: "code", Err: err}
	}
	if !ed25519.Verify(pub, msg, c.Signature[:]) {
		why := "the code was altered, or signed by another key under id %d"
		if c.Bound {
			why += ", or the install id is not the one it is bound to"
		}
		return &FieldError{Field: "code", Err: fmt.Errorf("%w: "+why, ErrNotAuthentic, c.KeyID)}
	}
	return nil
}

// needInstallID refuses a bound code without its install id, which both
// checking and signing need.
func needInstallID(c *formats.ActivationCode, installID string) error {
	if !c.Bound {
		return nil
	}
	if installID == "" {
		return &FieldError{Field: "install_id", Err: fmt.Errorf("%w: the code is bound to an install; give the install id it was issued for", ErrInstallIDRequired)}
	}
	if len(installID) > formats.MaxInstallIDLen {
		return badField("install_id", "install id is %d bytes, more than %d", len(installID), formats.MaxInstallIDLen)
	}
	return nil
}

// trustedKey returns the public key under id: the signing key's own, or
// one from WithTrustedKeys.
func (s *Signer) trustedKey(id uint8) (ed25519.PublicKey, bool) {
	if id == s.key.id {
		return s.key.pub, true
	}
	if s.trusted != nil {
		return s.trusted.Lookup(id)
	}
	return nil, false
}
