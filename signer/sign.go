package signer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/formats/keyring"
)

// Registration is what a vendor signs: a Registration Key and the license
// terms. The zero values of the optional fields take the catalog's
// defaults, so a Registration with only RK and Edition set is complete.
type Registration struct {
	RK formats.RegistrationKey
	// Edition is an edition name from the product's catalog entry.
	Edition string
	// Issued is the issue day; nil means today by the signer's clock. A
	// pointer, as every Day is a date, the zero one 2020-01-01 included:
	// Issued: new(day) sets it.
	Issued *formats.Day
	// The term: Days or Expires, not both. Days counts from Issued;
	// Expires is the first day the code no longer covers, or
	// formats.Perpetual for a code that never expires, which a trial key
	// cannot have. With neither (zero), a trial key gets the product's
	// trial term and a full key its maintenance term.
	Days    int
	Expires formats.Day
	// InstallID, when not empty, binds the code to one installation: it is
	// signed but not stored in the code (FORMAT.md section 4.2).
	InstallID string
	// Generation counts replacements of a serial's code: 0 for the first.
	Generation uint8
	// Customer fields travel in batch output and JWT tokens, never in the
	// Activation Code.
	Customer map[string]string
}

// Signer signs registrations with one key. It is safe for concurrent use.
type Signer struct {
	key      *Key
	catalog  *catalog.Catalog
	products map[formats.Product]*catalog.Product
	now      func() time.Time
	rand     io.Reader // nonces of reset codes; nil means crypto/rand
	issuer   string
	trusted  *keyring.Keyring // besides key, for Renew and Replace
}

// New returns a Signer that signs with key.
func New(key *Key, opts ...Option) (*Signer, error) {
	if key == nil {
		return nil, errors.New("signer: no key")
	}
	s := &Signer{key: key, now: time.Now, issuer: DefaultIssuer}
	for _, o := range opts {
		o(s)
	}
	if s.catalog == nil {
		s.catalog = catalog.Default()
	}
	if s.trusted != nil {
		// Two keys under one id would make a code's key id ambiguous.
		if pub, ok := s.trusted.Lookup(key.id); ok && !bytes.Equal(pub, key.pub) {
			return nil, fmt.Errorf("signer: the trusted keys have another key under the signing key's id %d", key.id)
		}
	}
	// Products indexed by their code, so that Sign finds one without
	// making a string.
	s.products = make(map[formats.Product]*catalog.Product, len(s.catalog.Products))
	for _, p := range s.catalog.Products {
		s.products[p.Code] = p
	}
	return s, nil
}

// KeyID returns the id of the signing key.
func (s *Signer) KeyID() uint8 { return s.key.id }

// Catalog returns the catalog the signer checks registrations against.
func (s *Signer) Catalog() *catalog.Catalog { return s.catalog }

// Sign signs reg and returns its signed Activation Code. Signing the same
// registration with the same key always gives the same code, so a lost code
// is reproduced by signing its registration again. Sign does not allocate
// when it succeeds; the code's AppendText writes it out.
//
// Errors are *FieldError values naming the field at fault and wrapping
// ErrBadRegistration, catalog.ErrUnknownProduct or catalog.ErrUnknownEdition.
func (s *Signer) Sign(reg *Registration) (formats.ActivationCode, error) {
	h, _, err := s.header(reg)
	if err != nil {
		return formats.ActivationCode{}, err
	}
	return s.signHeader(&h, reg.InstallID)
}

func (s *Signer) signHeader(h *formats.Header, installID string) (formats.ActivationCode, error) {
	var buf [formats.MaxMessageLen]byte
	msg, err := h.AppendMessage(buf[:0], installID)
	if err != nil {
		return formats.ActivationCode{}, &FieldError{Field: "install_id", Err: fmt.Errorf("%w: %v", ErrBadRegistration, err)}
	}
	c := formats.ActivationCode{Header: *h, Signed: true}
	if err := s.key.sign(&c.Signature, msg); err != nil {
		return formats.ActivationCode{}, err
	}
	return c, nil
}

// header resolves reg against the catalog into the header of its code.
func (s *Signer) header(reg *Registration) (formats.Header, *catalog.Edition, error) {
	var h formats.Header
	rk := reg.RK
	// Checked here rather than with formats.NewRegistrationKey, whose
	// error path makes every call allocate.
	if !rk.Product.Valid() || rk.Serial > formats.MaxSerial {
		_, err := formats.NewRegistrationKey(rk.Product, rk.Trial, rk.Serial)
		return h, nil, &FieldError{Field: "rk", Err: fmt.Errorf("%w: %v", ErrBadRegistration, err)}
	}
	p, ok := s.products[rk.Product]
	if !ok {
		_, err := s.catalog.Product(rk.Product.String())
		return h, nil, &FieldError{Field: "rk", Err: err}
	}
	ed, err := s.edition(p, reg.Edition)
	if err != nil {
		return h, nil, &FieldError{Field: "edition", Err: err}
	}
	issued, err := s.day(reg.Issued)
	if err != nil {
		return h, nil, err
	}
	expires, err := s.expiry(p, reg, issued)
	if err != nil {
		return h, nil, err
	}
	if len(reg.InstallID) > formats.MaxInstallIDLen {
		return h, nil, badField("install_id", "install id is %d bytes, more than %d", len(reg.InstallID), formats.MaxInstallIDLen)
	}
	h = formats.Header{
		Product:    rk.Product,
		Version:    formats.FormatVersion,
		KeyID:      s.key.id,
		Edition:    ed.Number,
		Trial:      rk.Trial,
		Bound:      reg.InstallID != "",
		Generation: reg.Generation,
		Issued:     issued,
		Expires:    expires,
		Serial:     rk.Serial,
	}
	return h, ed, nil
}

// edition finds an edition by name without allocating.
func (s *Signer) edition(p *catalog.Product, name string) (*catalog.Edition, error) {
	for i := range p.Editions {
		if p.Editions[i].Name == name {
			return &p.Editions[i], nil
		}
	}
	if name == "" {
		return nil, fmt.Errorf("%w: no edition given", catalog.ErrUnknownEdition)
	}
	_, err := p.Edition(name)
	return nil, err
}

// expiry works out the code's expiry day from the registration's term.
func (s *Signer) expiry(p *catalog.Product, reg *Registration, issued formats.Day) (formats.Day, error) {
	switch e := reg.Expires; {
	case reg.Days != 0 && e != 0:
		return 0, badField("expires", "give days or expires, not both")
	case e == formats.Perpetual:
		if reg.RK.Trial {
			return 0, badField("expires", "a trial key cannot have a perpetual license")
		}
		return formats.Perpetual, nil
	case e != 0 && e <= issued:
		return 0, badField("expires", "expires %s is not after issued %s", e, issued)
	case e != 0:
		return e, nil
	}
	days := reg.Days
	if days == 0 {
		days = p.Maintenance()
		if reg.RK.Trial {
			days = p.Trial()
		}
	}
	if days < 1 || days > catalog.MaxTermDays {
		return 0, badField("days", "term of %d days; want 1 to %d", days, catalog.MaxTermDays)
	}
	if int(issued)+days > int(formats.MaxDay) {
		return 0, badField("days", "issued %s plus %d days is after %s, the last day a code can name", issued, days, formats.MaxDay)
	}
	return issued + formats.Day(days), nil
}

// day returns *d, or today by the signer's clock when d is nil; errors
// name the field issued.
func (s *Signer) day(d *formats.Day) (formats.Day, error) {
	if d == nil {
		today, err := formats.DayOf(s.now())
		if err != nil {
			return 0, badField("issued", "today by the signer's clock: %v", err)
		}
		return today, nil
	}
	if *d > formats.MaxDay {
		return 0, badField("issued", "day %d is not a date", *d)
	}
	return *d, nil
}
