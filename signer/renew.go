package signer

import (
	"fmt"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
)

// Renewal says how Renew extends a code.
type Renewal struct {
	// Days extends the old expiry; 0 means the product's maintenance term
	// from the catalog.
	Days int
	// InstallID is the install id of an install-bound code, which checking
	// its signature and signing the renewed code both need. An unbound
	// code ignores it.
	InstallID string
	// Issued is the renewed code's issue day; nil means today by the
	// signer's clock.
	Issued *formats.Day
}

// CheckRenewable reports why Renew would refuse current whatever the key
// and the term: a short form, a trial code or a perpetual one. It needs no
// key, so a tool can say so before asking for a passphrase.
func CheckRenewable(current formats.ActivationCode) error {
	switch {
	case !current.Signed:
		return &FieldError{Field: "code", Err: fmt.Errorf("%w: give the whole signed code; the short form cannot be checked", formats.ErrUnsigned)}
	case current.Trial:
		return &FieldError{Field: "code", Err: fmt.Errorf("%w: a trial code is not renewed; the customer buys a full Registration Key, which is signed as a new license", ErrNotRenewable)}
	case current.Expires == formats.Perpetual:
		return &FieldError{Field: "code", Err: fmt.Errorf("%w: a perpetual code never expires, so there is nothing to extend", ErrNotRenewable)}
	}
	return nil
}

// Renew returns the renewal of current, an Activation Code this signer
// trusts: the same license (product, edition, serial, generation, install
// binding) signed with the signer's key, issued on r.Issued, and expiring
// r.Days after the old expiry. The term counts from the old expiry even if
// it has passed, as maintenance is paid for without gaps; a code that
// lapsed longer ago than the term is refused, with the term it needs.
//
// current must be signed, not a trial or perpetual code, and verify
// against the signing key or a key given with WithTrustedKeys. Errors are
// *FieldError values wrapping formats.ErrUnsigned, ErrInstallIDRequired,
// ErrUnknownKey, ErrNotAuthentic, ErrNotRenewable, ErrBadRegistration or
// catalog.ErrUnknownProduct.
func (s *Signer) Renew(current formats.ActivationCode, r Renewal) (formats.ActivationCode, error) {
	if err := CheckRenewable(current); err != nil {
		return formats.ActivationCode{}, err
	}
	if err := s.authenticate(&current, r.InstallID); err != nil {
		return formats.ActivationCode{}, err
	}
	p, ok := s.products[current.Product]
	if !ok {
		_, err := s.catalog.Product(current.Product.String())
		return formats.ActivationCode{}, &FieldError{Field: "code", Err: err}
	}
	days := r.Days
	if days == 0 {
		days = p.Maintenance()
	}
	if days < 1 || days > catalog.MaxTermDays {
		return formats.ActivationCode{}, &FieldError{Field: "days", Err: fmt.Errorf("%w: term of %d days; want 1 to %d", ErrNotRenewable, days, catalog.MaxTermDays)}
	}
	issued, err := s.day(r.Issued)
	if err != nil {
		return formats.ActivationCode{}, err
	}
	old := current.Expires
	if int(old)+days > int(formats.MaxDay) {
		return formats.ActivationCode{}, &FieldError{Field: "days", Err: fmt.Errorf("%w: expires %s plus %d days is after %s, the last day a code can name", ErrNotRenewable, old, days, formats.MaxDay)}
	}
	expires := old + formats.Day(days)
	if expires <= issued {
		return formats.ActivationCode{}, &FieldError{Field: "days", Err: fmt.Errorf("%w: the code lapsed on %s, and %d days from then end on %s, not after the issue day %s; a term of at least %d days reaches past it",
			ErrNotRenewable, old, days, expires, issued, int(issued-old)+1)}
	}
	h := current.Header
	h.KeyID = s.key.id
	h.Issued = issued
	h.Expires = expires
	return s.signHeader(&h, r.InstallID)
}
