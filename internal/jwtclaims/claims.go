// Package jwtclaims holds the claims of a license token (FORMAT.md section
// 14), shared by the signer, which writes them, and the token verifier
// (verifier/licjwt, which re-exports them), so that a vendor's program
// does not link the verifier to sign tokens.
package jwtclaims

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the claims of a license token (FORMAT.md section 14), in the
// order signers write them. Package signer fills them from the Activation
// Code it signs, and licjwt.Verifier.Verify reads them back; a product
// with another JOSE library can decode a token's payload into them too.
//
// A nil pointer, or an empty Subject, ID or ActivationCode, is a claim the
// token does not have. The verifier requires some claims and compares the
// others only where present.
type Claims struct {
	// Issuer (iss) is the vendor.
	Issuer string `json:"iss,omitempty"`
	// Subject (sub) is the serial, 14 digits.
	Subject string `json:"sub,omitempty"`
	// Audience (aud) is the product code.
	Audience jwt.ClaimStrings `json:"aud,omitempty"`
	// ExpiresAt (exp) is midnight UTC of the code's expiry day, the first
	// day it no longer covers; NotBefore (nbf) and IssuedAt (iat) are
	// midnight UTC of its issue day.
	ExpiresAt *Date `json:"exp,omitempty"`
	NotBefore *Date `json:"nbf,omitempty"`
	IssuedAt  *Date `json:"iat,omitempty"`
	// ID (jti) is the code's short form, unique to it.
	ID            string   `json:"jti,omitempty"`
	Product       *string  `json:"product,omitempty"`
	Edition       *string  `json:"edition,omitempty"`
	EditionNumber *uint8   `json:"edition_number,omitempty"`
	Features      []string `json:"features"`
	Trial         *bool    `json:"trial,omitempty"`
	InstallBound  *bool    `json:"install_bound,omitempty"`
	// InstallIDSHA256 is the hex SHA-256 of the install id of a bound
	// code: the customer's machine id is not put in the token in clear.
	InstallIDSHA256 string `json:"install_id_sha256,omitempty"`
	Generation      *uint8 `json:"generation,omitempty"`
	// Serial is the serial as a string of 14 digits, as signers write it;
	// a token may also give it as a JSON number, read as a json.Number.
	Serial         any               `json:"serial,omitempty"`
	ActivationCode string            `json:"activation_code,omitempty"`
	Customer       map[string]string `json:"customer,omitempty"`
}

// UnmarshalJSON decodes claims with numbers as json.Number, so that a
// serial keeps its digits. Every claim of FORMAT.md section 14's table
// must have its type when present and not null, informative ones
// (features, install_id_sha256, customer) included: one rule that every
// implementation applies before the signature is checked.
func (c *Claims) UnmarshalJSON(b []byte) error {
	type plain Claims // without this method
	*c = Claims{}
	// encoding/json would take a string holding a number, "1827273600",
	// as a json.Number: a time claim is a JSON number.
	var times struct{ Exp, Nbf, Iat json.RawMessage }
	if err := json.Unmarshal(b, &times); err != nil {
		return err
	}
	for name, v := range map[string]json.RawMessage{"exp": times.Exp, "nbf": times.Nbf, "iat": times.Iat} {
		if len(v) > 0 && v[0] != '-' && (v[0] < '0' || v[0] > '9') && string(v) != "null" {
			return fmt.Errorf("claim %s is %.24s, want a number", name, v)
		}
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode((*plain)(c)); err != nil {
		return err
	}
	switch c.Serial.(type) {
	case nil, string, json.Number:
	default:
		return fmt.Errorf("claim serial is %T, want a string or an integer", c.Serial)
	}
	return nil
}

// The methods below make Claims a jwt.Claims, for signing with and parsing
// by github.com/golang-jwt/jwt.

func (c *Claims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt.numeric(), nil }
func (c *Claims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt.numeric(), nil }
func (c *Claims) GetNotBefore() (*jwt.NumericDate, error)      { return c.NotBefore.numeric(), nil }
func (c *Claims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c *Claims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c *Claims) GetAudience() (jwt.ClaimStrings, error)       { return c.Audience, nil }

// Date is a time claim (exp, nbf, iat) and the JSON text it was read from.
// Signers write whole seconds since the Unix epoch; the verifier accepts exactly
// that text, not a fraction, an exponent or a string.
type Date struct {
	jwt.NumericDate
	text string
}

// NewDate returns the claim a signer writes for t: its Unix time in whole
// seconds.
func NewDate(t time.Time) *Date {
	return &Date{NumericDate: *jwt.NewNumericDate(t), text: strconv.FormatInt(t.Unix(), 10)}
}

// MarshalJSON writes the claim as it was read or made.
func (d *Date) MarshalJSON() ([]byte, error) {
	if d.text == "" {
		return d.NumericDate.MarshalJSON()
	}
	return []byte(d.text), nil
}

// UnmarshalJSON reads any number jwt.NumericDate reads, and keeps its text.
func (d *Date) UnmarshalJSON(b []byte) error {
	if err := d.NumericDate.UnmarshalJSON(b); err != nil {
		return err
	}
	d.text = string(b)
	return nil
}

// Is reports whether d was written as t's Unix time in whole seconds, as
// signers write it. jwt.NumericDate alone drops fractions of a second.
func (d *Date) Is(t time.Time) bool { return d != nil && d.text == strconv.FormatInt(t.Unix(), 10) }

func (d *Date) String() string {
	return fmt.Sprintf("%s (%s)", d.text, d.UTC().Format(time.RFC3339Nano))
}

func (d *Date) numeric() *jwt.NumericDate {
	if d == nil {
		return nil
	}
	return &d.NumericDate
}
