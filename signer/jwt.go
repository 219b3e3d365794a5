package signer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/golang-jwt/jwt/v5"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/internal/jwtclaims"
)

// ErrPerpetualToken: a perpetual license has no expiry, and a JWT license
// token always has one (exp), so that no verifier has to allow tokens
// without it.
var ErrPerpetualToken = errors.New("a perpetual license cannot be a JWT license token: a token must have an expiry (exp)")

// SignToken signs reg as Sign does and also returns the same license as a
// JWT license token: EdDSA (RFC 8037) with the key id as kid header, which
// any JOSE library verifies with the public key. Its claims are
// licjwt.Claims, derived from the code. Perpetual registrations
// fail with ErrPerpetualToken.
func (s *Signer) SignToken(reg *Registration) (formats.ActivationCode, string, error) {
	h, ed, err := s.header(reg)
	if err != nil {
		return formats.ActivationCode{}, "", err
	}
	if h.Expires == formats.Perpetual {
		return formats.ActivationCode{}, "", &FieldError{Field: "expires", Err: ErrPerpetualToken}
	}
	code, err := s.signHeader(&h, reg.InstallID)
	if err != nil {
		return code, "", err
	}
	tok, err := s.token(&code, ed, reg.InstallID, reg.Customer)
	return code, tok, err
}

// Token returns the JWT license token of a code signed earlier, as
// SignToken would have made it with the code: for a renewed or replaced
// code, or one first issued without a token. The code must be authentic
// (signed by the signing key or a trusted key, bound to installID if
// bound) and not perpetual. customer gives the token's customer claims.
// Ed25519 is deterministic, so the same code and claims give the same
// token each time.
func (s *Signer) Token(code formats.ActivationCode, installID string, customer map[string]string) (string, error) {
	if err := s.authenticate(&code, installID); err != nil {
		return "", err
	}
	if code.Expires == formats.Perpetual {
		return "", &FieldError{Field: "code", Err: ErrPerpetualToken}
	}
	p, ok := s.products[code.Product]
	if !ok {
		_, err := s.catalog.Product(code.Product.String())
		return "", &FieldError{Field: "code", Err: err}
	}
	ed, ok := p.EditionNumber(code.Edition)
	if !ok {
		return "", &FieldError{Field: "code", Err: fmt.Errorf("%w: edition number %d of %s", catalog.ErrUnknownEdition, code.Edition, code.Product)}
	}
	return s.token(&code, &ed, installID, customer)
}

// token makes code's JWT license token; ed is its edition.
func (s *Signer) token(code *formats.ActivationCode, ed *catalog.Edition, installID string, customer map[string]string) (string, error) {
	h := &code.Header
	serial := h.Serial.String()
	issued := jwtclaims.NewDate(h.Issued.Time())
	c := jwtclaims.Claims{
		Issuer:         s.issuer,
		Subject:        serial,
		Audience:       jwt.ClaimStrings{h.Product.String()},
		ExpiresAt:      jwtclaims.NewDate(h.Expires.Time()),
		NotBefore:      issued,
		IssuedAt:       issued,
		ID:             code.ShortForm(),
		Product:        new(h.Product.String()),
		Edition:        new(ed.Name),
		EditionNumber:  new(ed.Number),
		Features:       ed.Features,
		Trial:          new(h.Trial),
		InstallBound:   new(h.Bound),
		Generation:     new(h.Generation),
		Serial:         serial,
		ActivationCode: code.String(),
		Customer:       customer,
	}
	if c.Features == nil {
		c.Features = []string{}
	}
	if h.Bound {
		sum := sha256.Sum256([]byte(installID))
		c.InstallIDSHA256 = hex.EncodeToString(sum[:])
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, &c)
	t.Header["kid"] = strconv.Itoa(int(h.KeyID))
	tok, err := t.SignedString(s.key.Signer())
	if err != nil {
		return "", fmt.Errorf("signer: signing the token: %w", err)
	}
	return tok, nil
}
