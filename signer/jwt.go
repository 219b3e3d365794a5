package signer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/golang-jwt/jwt/v5"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/verifier/licjwt"
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
	serial := h.Serial.String()
	issued := licjwt.NewDate(h.Issued.Time())
	c := licjwt.Claims{
		Issuer:         s.issuer,
		Subject:        serial,
		Audience:       jwt.ClaimStrings{h.Product.String()},
		ExpiresAt:      licjwt.NewDate(h.Expires.Time()),
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
		Customer:       reg.Customer,
	}
	if c.Features == nil {
		c.Features = []string{}
	}
	if h.Bound {
		sum := sha256.Sum256([]byte(reg.InstallID))
		c.InstallIDSHA256 = hex.EncodeToString(sum[:])
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, &c)
	t.Header["kid"] = strconv.Itoa(int(h.KeyID))
	tok, err := t.SignedString(s.key.Signer())
	if err != nil {
		return code, "", fmt.Errorf("signer: signing the token: %w", err)
	}
	return code, tok, nil
}
