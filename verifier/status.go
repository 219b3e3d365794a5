package verifier

import (
	"time"

	"github.com/licmint/licmint/formats"
)

// Status is where a license stands on the verifier's clock. The zero value
// is StatusInvalid, so that a License returned with an error never reads as
// valid.
type Status int

const (
	// StatusInvalid: no license; Verify returned an error.
	StatusInvalid Status = iota
	// StatusValid: in force, with more than the warning days left, or
	// perpetual.
	StatusValid
	// StatusExpiring: in force, expiring within the warning days (default
	// 60, the notice period customers get before maintenance ends).
	StatusExpiring
	// StatusGrace: expired, but within the grace days after expiry
	// (default 30); still in force.
	StatusGrace
	// StatusExpired: past expiry and grace. The product keeps running, but
	// every feature (update and scan in the default catalog) is off.
	StatusExpired
	// StatusNotYetValid: the clock is before the day the code was issued.
	StatusNotYetValid

	// StatusRevoked: the revocation list in force (LoadRevocationList)
	// revokes this serial and generation. Features are off.
	StatusRevoked
	// StatusSuperseded: a higher generation of this serial has been seen
	// (WithState), so this code was replaced, as after a theft. Features
	// are off.
	StatusSuperseded
	// StatusClockRollback: the clock is further behind the latest time
	// seen (WithState) than the rollback tolerance. Features are off; the
	// product decides what to do, such as asking the user to set the clock
	// right. DaysLeft still counts from the clock as it is, and
	// License.LastSeen is the time the clock is behind. If the clock is
	// right, a reset code for that day (Verifier.Reset) clears the lock.
	StatusClockRollback
)

var statusNames = [...]string{
	StatusInvalid:       "invalid",
	StatusValid:         "valid",
	StatusExpiring:      "expiring",
	StatusGrace:         "grace",
	StatusExpired:       "expired",
	StatusNotYetValid:   "not_yet_valid",
	StatusRevoked:       "revoked",
	StatusSuperseded:    "superseded",
	StatusClockRollback: "clock_rollback",
}

// String returns the status name used in JSON output, such as "valid" or
// "not_yet_valid".
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "invalid"
}

// InForce reports whether the license entitles the product to its
// features: valid, expiring or in grace.
func (s Status) InForce() bool {
	return s == StatusValid || s == StatusExpiring || s == StatusGrace
}

const secondsPerDay = 24 * 60 * 60

var epochUnix = formats.Day(0).Time().Unix()

// today returns the UTC day of t counted from the licmint epoch. Unlike
// formats.DayOf it has no range limit, so a clock far outside the format's
// dates still compares correctly.
func today(t time.Time) int64 {
	d := t.Unix() - epochUnix
	if d < 0 {
		return (d - secondsPerDay + 1) / secondsPerDay
	}
	return d / secondsPerDay
}

// status applies the rules of FORMAT.md section 3.1 (in force on the days
// issued <= day < expires, UTC, with no tolerance) and the warning and
// grace windows. daysLeft is expires minus day, negative after expiry, and
// 0 for a perpetual code.
func status(day int64, issued, expires formats.Day, warn, grace int) (s Status, daysLeft int) {
	switch {
	case day < int64(issued):
		s = StatusNotYetValid
	case expires == formats.Perpetual:
		return StatusValid, 0
	default:
		left := int64(expires) - day
		switch {
		case left > int64(warn):
			s = StatusValid
		case left > 0:
			s = StatusExpiring
		case -left < int64(grace):
			s = StatusGrace
		default:
			s = StatusExpired
		}
	}
	if expires == formats.Perpetual {
		return s, 0
	}
	// Clamped so that a wild clock cannot overflow a 32-bit int.
	return s, int(min(max(int64(expires)-day, -1<<30), 1<<30))
}
