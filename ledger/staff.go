package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/licmint/licmint/formats"
)

// The support console's records (schema 5): the vendor's staff users, with
// a role, a password hash and a TOTP secret, and their sessions, kept
// apart from the customers' accounts and sessions so that a customer's
// session can never reach the console.

// Staff roles.
const (
	RoleSupport = "support" // searches licenses and acts on them
	RoleAdmin   = "admin"   // also manages staff users and API tokens
)

// Events of the console.
const (
	EventStaffCreated      = "staff_created"
	EventStaffDisabled     = "staff_disabled"
	EventStaffTOTPEnrolled = "staff_totp_enrolled"
	EventStaffPassword     = "staff_password_changed"
	EventStaffSessionStart = "staff_session_started"
	EventStaffSessionEnd   = "staff_session_ended"
	EventCodeResent        = "code_resent"
	EventResetCodeIssued   = "reset_code_issued"
)

// Outcomes of the console's records.
var (
	ErrStaffExists  = errors.New("ledger: a staff user with this login id exists")
	ErrNoStaff      = errors.New("ledger: no such staff user, or it is disabled")
	ErrTOTPReplayed = errors.New("ledger: this TOTP code's time step was used already")
)

// ValidRole reports whether r is a staff role.
func ValidRole(r string) bool { return r == RoleSupport || r == RoleAdmin }

// Staff is a staff user of the support console.
type Staff struct {
	Email        string
	Role         string
	PasswordHash string
	// TOTPSecret is the base32 secret of the user's authenticator, empty
	// until the first log-in makes one; TOTPConfirmed is set once a code
	// from it was entered, and TOTPLastStep is the newest time step used.
	TOTPSecret    string
	TOTPConfirmed bool
	TOTPLastStep  int64
	Created       time.Time
	CreatedBy     string
	Disabled      time.Time // zero while the user may log in
}

type staffEvent struct {
	Staff string `json:"staff"`
	Role  string `json:"role,omitempty"`
}

// client is whom the transaction acts for: the registration being
// recorded in a group commit, or the context's client.
func (t *tx) client() (Client, bool) {
	if t.by != nil {
		return *t.by, t.by.Actor != ""
	}
	return clientOf(t.ctx)
}

// actor is who the transaction's events are recorded for.
func (t *tx) actor() string {
	if c, ok := t.client(); ok {
		return c.Actor
	}
	return t.l.actor
}

// CreateStaff records a new staff user; a login id in use is
// ErrStaffExists. A removed user's login id is taken again: the user comes
// back with the new role and password, and enrols a new TOTP secret at the
// next log-in, as when a secret leaked.
func (l *Ledger) CreateStaff(ctx context.Context, s Staff) error {
	if !ValidRole(s.Role) {
		return fmt.Errorf("ledger: staff role %q is not support or admin", s.Role)
	}
	return l.update(ctx, func(t *tx) error {
		var disabled sql.NullString
		err := t.sql.QueryRowContext(ctx, `SELECT disabled_at FROM staff WHERE email = $1`, s.Email).Scan(&disabled)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = t.exec(`INSERT INTO staff (email, role, password_hash, totp_secret, totp_confirmed, totp_last_step, created_at, created_by)
VALUES ($1, $2, $3, '', 0, 0, $4, $5)`, s.Email, s.Role, s.PasswordHash, formatTime(t.at), t.actor())
		case err != nil:
		case !disabled.Valid:
			return ErrStaffExists
		default:
			// The last step stays: no code of the old secret's time counts.
			err = t.exec(`UPDATE staff SET role = $2, password_hash = $3, totp_secret = '', totp_confirmed = 0, created_at = $4, created_by = $5,
	disabled_at = NULL WHERE email = $1`, s.Email, s.Role, s.PasswordHash, formatTime(t.at), t.actor())
		}
		if err != nil {
			return err
		}
		_, err = t.event(EventStaffCreated, formats.Product{}, 0, staffEvent{Staff: s.Email, Role: s.Role})
		return err
	})
}

const staffColumns = `email, role, password_hash, totp_secret, totp_confirmed, totp_last_step, created_at, created_by, disabled_at`

func scanStaff(sc interface{ Scan(...any) error }) (*Staff, error) {
	var s Staff
	var confirmed int
	var created string
	var disabled sql.NullString
	if err := sc.Scan(&s.Email, &s.Role, &s.PasswordHash, &s.TOTPSecret, &confirmed, &s.TOTPLastStep, &created, &s.CreatedBy, &disabled); err != nil {
		return nil, err
	}
	s.TOTPConfirmed = confirmed != 0
	s.Created, _ = time.Parse(time.RFC3339Nano, created)
	if disabled.Valid {
		s.Disabled, _ = time.Parse(time.RFC3339Nano, disabled.String)
	}
	return &s, nil
}

// Staff returns the enabled staff user with the login id, or ErrNoStaff.
func (l *Ledger) Staff(ctx context.Context, email string) (*Staff, error) {
	s, err := scanStaff(l.db.QueryRowContext(ctx, `SELECT `+staffColumns+` FROM staff WHERE email = $1 AND disabled_at IS NULL`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoStaff
	}
	return s, err
}

// StaffList returns every staff user, disabled ones too, by login id.
func (l *Ledger) StaffList(ctx context.Context) ([]*Staff, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT `+staffColumns+` FROM staff ORDER BY email`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Staff
	for rows.Next() {
		s, err := scanStaff(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DisableStaff stops a staff user from logging in, and ends their
// sessions; the record stays, as the events name the user.
func (l *Ledger) DisableStaff(ctx context.Context, email string) error {
	return l.update(ctx, func(t *tx) error {
		res, err := t.sql.ExecContext(ctx, `UPDATE staff SET disabled_at = $1 WHERE email = $2 AND disabled_at IS NULL`, formatTime(t.at), email)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNoStaff
		}
		if err := t.exec(`DELETE FROM staff_sessions WHERE email = $1`, email); err != nil {
			return err
		}
		_, err = t.event(EventStaffDisabled, formats.Product{}, 0, staffEvent{Staff: email})
		return err
	})
}

// SetStaffPassword replaces a staff user's password hash, as when the user
// chooses a password of their own in place of the one an admin gave.
func (l *Ledger) SetStaffPassword(ctx context.Context, email, passwordHash string) error {
	return l.update(ctx, func(t *tx) error {
		res, err := t.sql.ExecContext(ctx, `UPDATE staff SET password_hash = $1 WHERE email = $2 AND disabled_at IS NULL`, passwordHash, email)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = ErrNoStaff
			}
			return err
		}
		_, err = t.event(EventStaffPassword, formats.Product{}, 0, staffEvent{Staff: email})
		return err
	})
}

// StaffTOTPSecret returns the user's TOTP secret, setting it to fresh
// first if the user has none yet: two log-ins racing to enrol get the same
// secret. A secret once confirmed is never replaced here.
func (l *Ledger) StaffTOTPSecret(ctx context.Context, email, fresh string) (string, error) {
	var secret string
	err := l.update(ctx, func(t *tx) error {
		if err := t.exec(`UPDATE staff SET totp_secret = $1 WHERE email = $2 AND totp_secret = '' AND disabled_at IS NULL`, fresh, email); err != nil {
			return err
		}
		err := t.sql.QueryRowContext(ctx, `SELECT totp_secret FROM staff WHERE email = $1 AND disabled_at IS NULL`, email).Scan(&secret)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoStaff
		}
		return err
	})
	return secret, err
}

// UseTOTPStep records that a code of time step was accepted for the user,
// and confirms the user's TOTP enrolment if it was pending. A step no
// newer than the last one used is ErrTOTPReplayed, and nothing changes:
// under the write lock, so that a code is taken once however many
// instances see it at the same moment.
func (l *Ledger) UseTOTPStep(ctx context.Context, email string, step int64) error {
	return l.update(ctx, func(t *tx) error {
		var last int64
		var confirmed int
		err := t.sql.QueryRowContext(ctx, `SELECT totp_last_step, totp_confirmed FROM staff WHERE email = $1 AND disabled_at IS NULL`, email).Scan(&last, &confirmed)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoStaff
		}
		if err != nil {
			return err
		}
		if step <= last {
			return ErrTOTPReplayed
		}
		if err := t.exec(`UPDATE staff SET totp_last_step = $1, totp_confirmed = 1 WHERE email = $2`, step, email); err != nil {
			return err
		}
		if confirmed == 0 {
			_, err = t.event(EventStaffTOTPEnrolled, formats.Product{}, 0, staffEvent{Staff: email})
		}
		return err
	})
}

// StaffSession is a staff session as stored, with the user's role.
type StaffSession struct {
	Email    string
	Role     string
	Verified bool // the TOTP code was entered too, not just the password
	Expires  time.Time
}

// StartStaffSession records a staff session, half way (after the password)
// or verified (after the TOTP code too), and ends the session it replaces,
// so that no id the browser held before becomes a logged-in one. Only a
// verified session is an event: it is the log-in.
func (l *Ledger) StartStaffSession(ctx context.Context, hash, email string, verified bool, expires time.Time, replaces string) error {
	return l.update(ctx, func(t *tx) error {
		if replaces != "" {
			if err := t.exec(`DELETE FROM staff_sessions WHERE hash = $1`, replaces); err != nil {
				return err
			}
		}
		if err := t.exec(`DELETE FROM staff_sessions WHERE expires_at <= $1`, formatTime(t.at)); err != nil {
			return err
		}
		if err := t.exec(`INSERT INTO staff_sessions (hash, email, verified, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			hash, email, b2i(verified), formatTime(t.at), formatTime(expires)); err != nil {
			return err
		}
		if !verified {
			return nil
		}
		_, err := t.event(EventStaffSessionStart, formats.Product{}, 0, staffEvent{Staff: email})
		return err
	})
}

// StaffSession returns the session with the hash, or ErrNoSession when it
// is unknown, expired at now, or its user is disabled.
func (l *Ledger) StaffSession(ctx context.Context, hash string, now time.Time) (*StaffSession, error) {
	var s StaffSession
	var verified int
	var expires string
	err := l.db.QueryRowContext(ctx, `SELECT s.email, st.role, s.verified, s.expires_at FROM staff_sessions s JOIN staff st ON st.email = s.email
WHERE s.hash = $1 AND st.disabled_at IS NULL`, hash).Scan(&s.Email, &s.Role, &verified, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	if s.Expires, err = time.Parse(time.RFC3339Nano, expires); err != nil || !now.Before(s.Expires) {
		return nil, ErrNoSession
	}
	s.Verified = verified != 0
	return &s, nil
}

// EndStaffSession removes a staff session; ending one that does not exist
// is no error.
func (l *Ledger) EndStaffSession(ctx context.Context, hash string) error {
	return l.update(ctx, func(t *tx) error {
		var email string
		var verified int
		err := t.sql.QueryRowContext(ctx, `SELECT email, verified FROM staff_sessions WHERE hash = $1`, hash).Scan(&email, &verified)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := t.exec(`DELETE FROM staff_sessions WHERE hash = $1`, hash); err != nil {
			return err
		}
		if verified == 0 {
			return nil
		}
		_, err = t.event(EventStaffSessionEnd, formats.Product{}, 0, staffEvent{Staff: email})
		return err
	})
}

type resendEvent struct {
	Generation uint8  `json:"generation"`
	CodeSHA256 string `json:"code_sha256"`
	To         string `json:"to"`
}

// ResendCode queues mail carrying the license's current code to its owner,
// with an event about the license, in one transaction. A license whose
// current code is revoked is ErrRevoked: that code no longer works.
func (l *Ledger) ResendCode(ctx context.Context, p formats.Product, serial formats.Serial, m Mail) error {
	return l.update(ctx, func(t *tx) error {
		lic, err := getLicense(ctx, t.sql, p, serial)
		if err != nil {
			return err
		}
		if lic.Owner == "" || m.To != lic.Owner {
			return fmt.Errorf("%w: %s serial %s has no owner account to mail", ErrNoAccount, p, serial)
		}
		if lic.RevokesCurrent() {
			return fmt.Errorf("%w: %s serial %s: %s", ErrRevoked, p, serial, lic.RevokeReason)
		}
		cur, err := currentCode(ctx, t.sql, lic)
		if err != nil {
			return err
		}
		if _, err := t.event(EventCodeResent, p, serial, resendEvent{Generation: cur.Generation, CodeSHA256: codeHash(cur.Code), To: m.To}); err != nil {
			return err
		}
		return t.queueMail([]Mail{m})
	})
}

type resetCodeEvent struct {
	InstallID   string `json:"install_id"`
	Remembered  string `json:"remembered"`
	Issued      string `json:"issued"`
	ResetSHA256 string `json:"reset_code_sha256"`
}

// RecordResetCode records that a reset code for an install of the
// license was issued; it names the code by its hash, as codes are.
func (l *Ledger) RecordResetCode(ctx context.Context, p formats.Product, serial formats.Serial, installID string, remembered, issued formats.Day, code string) error {
	return l.update(ctx, func(t *tx) error {
		if _, err := getLicense(ctx, t.sql, p, serial); err != nil {
			return err
		}
		_, err := t.event(EventResetCodeIssued, p, serial, resetCodeEvent{InstallID: installID, Remembered: remembered.String(),
			Issued: issued.String(), ResetSHA256: codeHash(code)})
		return err
	})
}

// Events returns the events about a product's serial, oldest first: those
// of a key never registered, such as its minting and voiding.
func (l *Ledger) Events(ctx context.Context, p formats.Product, serial formats.Serial) ([]*Event, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT seq, at, actor, kind, product, serial, body, prev_hash, hash FROM events WHERE product = $1 AND serial = $2 ORDER BY seq`,
		p.String(), int64(serial))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
