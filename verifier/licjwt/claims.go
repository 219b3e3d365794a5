package licjwt

import (
	"time"

	"github.com/licmint/licmint/internal/jwtclaims"
)

// Claims are the claims of a license token (FORMAT.md section 14), in the
// order signers write them; see jwtclaims.Claims for each one. They live
// in an internal package so that package signer writes them without
// linking the verifier.
type Claims = jwtclaims.Claims

// Date is a time claim (exp, nbf, iat) and the JSON text it was read from;
// see jwtclaims.Date.
type Date = jwtclaims.Date

// NewDate returns the claim a signer writes for t: its Unix time in whole
// seconds.
func NewDate(t time.Time) *Date { return jwtclaims.NewDate(t) }
