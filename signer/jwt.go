package signer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/golang-jwt/jwt/v5"
	"github.com/licmint/licmint/formats"
)

// ErrPerpetualToken: a perpetual license has no expiry, and a JWT license
// token always has one (exp), so that no verifier has to allow tokens
// without it.
var ErrPerpetualToken = errors.New("a perpetual license cannot be a JWT license token: a token must have an expiry (exp)")

// Claims are the claims of a JWT license token: the registered claims and
// the license's fields. A verifier decodes a token into Claims with any
// JOSE library; the Activation Code it carries is the same license.
type Claims struct {
	// Issuer (iss) is the vendor; Audience (aud) the product code; Subject
	// (sub) the 14-digit serial; ID (jti) the code's short form, unique to
	// it; IssuedAt (iat) and NotBefore (nbf) midnight UTC of the issue day;
	// ExpiresAt (exp) midnight UTC of the expiry day.
	jwt.RegisteredClaims
	Product       string   `json:"product"`
	Edition       string   `json:"edition"`
	EditionNumber uint8    `json:"edition_number"`
	Features      []string `json:"features"`
	Trial         bool     `json:"trial"`
	InstallBound  bool     `json:"install_bound"`
	// InstallIDSHA256 is the hex SHA-256 of the install id of a bound
	// code: the customer's machine id is not put in the token in clear.
	InstallIDSHA256 string            `json:"install_id_sha256,omitempty"`
	Generation      uint8             `json:"generation"`
	Serial          string            `json:"serial"`
	ActivationCode  string            `json:"activation_code"`
	Customer        map[string]string `json:"customer,omitempty"`
}

// SignToken signs reg as Sign does and also returns the same license as a
// JWT license token: EdDSA (RFC 8037) with the key id as kid header, which
// any JOSE library verifies with the public key. Perpetual registrations
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
	serial := fmt.Sprintf("%014d", h.Serial)
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Subject:   serial,
			Audience:  jwt.ClaimStrings{h.Product.String()},
			ExpiresAt: jwt.NewNumericDate(h.Expires.Time()),
			NotBefore: jwt.NewNumericDate(h.Issued.Time()),
			IssuedAt:  jwt.NewNumericDate(h.Issued.Time()),
			ID:        code.ShortForm(),
		},
		Product:        h.Product.String(),
		Edition:        ed.Name,
		EditionNumber:  ed.Number,
		Features:       ed.Features,
		Trial:          h.Trial,
		InstallBound:   h.Bound,
		Generation:     h.Generation,
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
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = strconv.Itoa(int(h.KeyID))
	tok, err := t.SignedString(s.key.Signer())
	if err != nil {
		return code, "", fmt.Errorf("signer: signing the token: %w", err)
	}
	return code, tok, nil
}
