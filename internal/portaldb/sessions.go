package portaldb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger"
)

// ErrNoSession: no such session, or it has expired.
var ErrNoSession = errors.New("ledger: no such session, or it has expired")

// Session is a logged-in session as stored.
type Session struct {
	Email string
	// Role is a staff user's role; empty for a customer.
	Role string
	// Verified is set once the log-in is complete: a staff session is
	// half way until the TOTP code is entered too; a customer's always is.
	Verified bool
	Expires  time.Time
	// LastUsed and Agent are as Touch last recorded them (a customer's
	// session only): LastUsed is the start until then, Agent empty.
	LastUsed time.Time
	Agent    string
}

// realm is where one audience's sessions are kept, and how they are
// recorded: customers' and staff's are kept apart, so that a customer's
// session can never reach the console.
type realm struct {
	table string
	// twoStep: the table has a verified column, and only verified
	// sessions are events (the log-in), not a password alone.
	twoStep    bool
	start, end string           // event kinds
	event      func(string) any // an event's body for an email
	// lookup reads email, role, verified, expires_at, last used and agent
	// by hash: only of users who may log in.
	lookup string
	// used is the columns of last use and agent, as lookup reads them,
	// for List; touch is whether the table records them.
	used  string
	touch bool
}

var customerRealm = realm{
	table: "sessions", start: eventSessionStarted, end: eventSessionEnded,
	event:  func(email string) any { return accountEvent{Account: email} },
	lookup: `SELECT email, '', 1, expires_at, COALESCE(last_used_at, created_at), agent FROM sessions WHERE hash = $1`,
	used:   `COALESCE(last_used_at, created_at), agent`, touch: true,
}

var staffRealm = realm{
	table: "staff_sessions", twoStep: true, start: eventStaffSessionStart, end: eventStaffSessionEnd,
	event: func(email string) any { return staffEvent{Staff: email} },
	lookup: `SELECT s.email, st.role, s.verified, s.expires_at, s.created_at, '' FROM staff_sessions s JOIN staff st ON st.email = s.email
WHERE s.hash = $1 AND st.disabled_at IS NULL`,
	used: `created_at, ''`,
}

// Sessions are the sessions of one audience: customers or staff.
type Sessions struct {
	db *ledgerdb.DB
	realm
}

// NewCustomerSessions returns the customers' sessions kept in l's database.
func NewCustomerSessions(l *ledger.Ledger) *Sessions { return &Sessions{ledgerdb.Of(l), customerRealm} }

// NewStaffSessions returns the staff's sessions kept in l's database.
func NewStaffSessions(l *ledger.Ledger) *Sessions { return &Sessions{ledgerdb.Of(l), staffRealm} }

// Start records a session, and ends the session replaces (the hash of the
// one the client had, if any), so that an id the client held before
// logging in never becomes a logged-in one. A staff session starts half
// way (after the password) or verified (after the TOTP code too); only a
// verified session is an event, as it is the log-in. A customer's session
// is verified.
func (s *Sessions) Start(ctx context.Context, hash, email string, verified bool, expires time.Time, replaces string) error {
	if !s.twoStep {
		verified = true
	}
	return s.db.Update(ctx, func(t ledgerdb.Tx) error {
		if replaces != "" {
			if err := ledgerdb.Exec(t, `DELETE FROM `+s.table+` WHERE hash = $1`, replaces); err != nil {
				return err
			}
		}
		// Expired sessions go as new ones come, so that the table stays
		// as small as the sessions in use.
		at := ledgerdb.FormatTime(t.At())
		if err := ledgerdb.Exec(t, `DELETE FROM `+s.table+` WHERE expires_at <= $1`, at); err != nil {
			return err
		}
		var err error
		if s.twoStep {
			err = ledgerdb.Exec(t, `INSERT INTO `+s.table+` (hash, email, verified, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
				hash, email, ledgerdb.B2I(verified), at, ledgerdb.FormatTime(expires))
		} else {
			err = ledgerdb.Exec(t, `INSERT INTO `+s.table+` (hash, email, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
				hash, email, at, ledgerdb.FormatTime(expires))
		}
		if err != nil || !verified {
			return err
		}
		return t.Event(s.start, s.event(email))
	})
}

// Get returns the session with the hash, or ErrNoSession when it is
// unknown, expired at now, or its staff user is disabled.
func (s *Sessions) Get(ctx context.Context, hash string, now time.Time) (*Session, error) {
	var out Session
	var verified int
	var expires, used string
	err := s.db.Read.QueryRowContext(ctx, s.lookup, hash).Scan(&out.Email, &out.Role, &verified, &expires, &used, &out.Agent)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	if out.Expires, err = time.Parse(time.RFC3339Nano, expires); err != nil || !now.Before(out.Expires) {
		return nil, ErrNoSession
	}
	out.Verified = verified != 0
	out.LastUsed = parseTime(used)
	return &out, nil
}

// MaxAgent is the longest User-Agent Touch records, in bytes.
const MaxAgent = 200

// Touch records that the session with the hash was used at now, from the
// browser agent (cut to MaxAgent bytes), for its owner's list of
// sessions. It is bookkeeping, not a change: no event. Staff sessions
// record no use.
func (s *Sessions) Touch(ctx context.Context, hash, agent string, now time.Time) error {
	if !s.touch {
		return nil
	}
	agent = strings.ToValidUTF8(agent, "")
	if len(agent) > MaxAgent {
		agent = strings.ToValidUTF8(agent[:MaxAgent], "")
	}
	return s.db.Locked(ctx, func(t *sql.Tx) error {
		_, err := t.ExecContext(ctx, `UPDATE `+s.table+` SET last_used_at = $1, agent = $2 WHERE hash = $3`, ledgerdb.FormatTime(now), agent, hash)
		return err
	})
}

// End removes a session; ending one that does not exist is no error and
// records nothing.
func (s *Sessions) End(ctx context.Context, hash string) error {
	verifiedCol := "1"
	if s.twoStep {
		verifiedCol = "verified"
	}
	return s.db.Update(ctx, func(t ledgerdb.Tx) error {
		var email string
		var verified int
		err := t.SQL().QueryRowContext(ctx, `SELECT email, `+verifiedCol+` FROM `+s.table+` WHERE hash = $1`, hash).Scan(&email, &verified)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := ledgerdb.Exec(t, `DELETE FROM `+s.table+` WHERE hash = $1`, hash); err != nil {
			return err
		}
		if verified == 0 {
			return nil
		}
		return t.Event(s.end, s.event(email))
	})
}
