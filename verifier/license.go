package verifier

import (
	"time"

	"github.com/licmint/licmint/formats"
)

// License is a verified Activation Code and where it stands.
type License struct {
	Product formats.Product
	// Edition is the edition's name from the catalog, or its number in
	// decimal when the catalog does not list it.
	Edition       string
	EditionNumber uint8
	Trial         bool
	// Bound is true for an install-bound code, which verified against the
	// configured install id.
	Bound bool
	// Serial is the Registration Key's serial, shown as 14 digits.
	Serial     formats.Serial
	Generation uint8
	// KeyID names the key that signed the code.
	KeyID uint8
	// Issued is the first day the code covers; Expires the first day it no
	// longer does, or formats.Perpetual.
	Issued, Expires formats.Day
	// DaysLeft counts the days from the verifier's today (UTC) to Expires:
	// 1 on the last day in force, 0 or negative after expiry. It is 0 for
	// a perpetual code.
	DaysLeft int
	Status   Status
	// LastSeen is, for StatusClockRollback, the latest time the state has
	// seen, which the clock is behind: the day a reset code must name
	// (Verifier.Reset) if the clock is right now. Zero for other statuses.
	LastSeen time.Time
	// Features says which of the edition's features the license enables.
	Features Features
}

// Perpetual reports whether the license never expires.
func (l *License) Perpetual() bool { return l.Expires == formats.Perpetual }

// MaxFeatures bounds the features of one edition.
const MaxFeatures = 64

// Features reports which of an edition's features a license enables. All
// are on while the license is in force (valid, expiring or grace) and all
// off otherwise. It is a small value that refers to the verifier's copy of
// the catalog, so returning it does not allocate.
type Features struct {
	names []string // the edition's features, shared and never modified
	on    uint64   // bit i: names[i] is on
}

// Enabled reports whether the feature called name is on. A feature the
// edition does not have is off.
func (f Features) Enabled(name string) bool {
	for i, n := range f.names {
		if n == name {
			return f.on>>i&1 == 1
		}
	}
	return false
}

// Names returns the edition's features, on or off, in catalog order.
func (f Features) Names() []string { return append([]string(nil), f.names...) }

// Map returns every feature of the edition and whether it is on.
func (f Features) Map() map[string]bool {
	m := make(map[string]bool, len(f.names))
	for i, n := range f.names {
		m[n] = f.on>>i&1 == 1
	}
	return m
}
