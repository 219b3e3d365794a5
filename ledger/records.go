package ledger

import (
	"errors"
	"time"

	"github.com/licmint/licmint/formats"
)

// Outcomes of the ledger's rules, wrapped with details by the errors that
// its methods return.
var (
	ErrNotMinted      = errors.New("ledger: registration key was never minted")
	ErrVoid           = errors.New("ledger: registration key is void")
	ErrOtherTerms     = errors.New("ledger: not the terms the registration key was sold or registered on")
	ErrOtherOwner     = errors.New("ledger: registration key is registered to another account")
	ErrRenewalKey     = errors.New("ledger: registration key is for renewing a license")
	ErrNotRenewal     = errors.New("ledger: registration key is not a renewal key")
	ErrUsed           = errors.New("ledger: registration key has been used")
	ErrNoLicense      = errors.New("ledger: no such license")
	ErrSuperseded     = errors.New("ledger: the code's generation has been superseded")
	ErrRevoked        = errors.New("ledger: the license is revoked")
	ErrOrderTerms     = errors.New("ledger: the order was minted on other terms")
	ErrNotIssued      = errors.New("ledger: that generation has not been issued")
	ErrLastGeneration = errors.New("ledger: the license has reached the last generation")
	// ErrNoAccount: no such account, as the owner of a license to mail.
	ErrNoAccount = errors.New("ledger: no such account")
)

// Purpose says what a Registration Key is sold for.
type Purpose string

const (
	// PurposeLicense keys are registered for a new license.
	PurposeLicense Purpose = "license"
	// PurposeRenewal keys extend an existing license's maintenance.
	PurposeRenewal Purpose = "renewal"
)

// States of a Registration Key.
const (
	StateMinted     = "minted"
	StateRegistered = "registered"
	StateVoid       = "void"
)

// RegistrationKey is a minted key and what it was sold as.
type RegistrationKey struct {
	Key      formats.RegistrationKey
	Edition  string
	Days     int // the term in days; 0 means the catalog's
	Purpose  Purpose
	Order    string
	Customer string
	State    string
	// License is the serial the key registered or renewed, once used.
	License  formats.Serial
	MintedAt time.Time
	MintedBy string
}

// License is the ledger's view of one license: its current generation and
// terms.
type License struct {
	Product    formats.Product
	Serial     formats.Serial
	Generation uint8
	Edition    string
	Trial      bool
	InstallID  string
	KeyID      uint8
	Issued     formats.Day
	Expires    formats.Day
	Owner      string
	Customer   string
	Order      string
	// Revoked is set when generations are revoked: all of them when
	// RevokedBelow is 0, else those below it.
	Revoked      bool
	RevokedBelow uint8
	RevokeReason string
	// NotifiedExpires is the expiry an expiry notice was last sent for.
	NotifiedExpires formats.Day
}

// Code is an issued Activation Code, and its JWT when one was made.
type Code struct {
	Product    formats.Product
	Serial     formats.Serial
	Generation uint8
	Issued     formats.Day
	Expires    formats.Day
	Code       string
	JWT        string
	Event      int64
}

// Issue is what a signing function hands the ledger: the code and,
// optionally, its token.
type Issue struct {
	Code formats.ActivationCode
	JWT  string
	// InstallID is the install id the code was signed for: the code
	// carries only a hash of it.
	InstallID string
}
