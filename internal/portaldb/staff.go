package portaldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger"
)

// Staff roles.
const (
	RoleSupport = "support" // searches licenses and acts on them
	RoleAdmin   = "admin"   // also manages staff users and API tokens
)

// Events of the console's users.
const (
	eventStaffCreated      = "staff_created"
	eventStaffDisabled     = "staff_disabled"
	eventStaffTOTPEnrolled = "staff_totp_enrolled"
	eventStaffPassword     = "staff_password_changed"
	eventStaffSessionStart = "staff_session_started"
	eventStaffSessionEnd   = "staff_session_ended"
)

// Outcomes of the console's records.
var (
	ErrStaffExists  = errors.New("ledger: a staff user with this login id exists")
	ErrNoStaff      = errors.New("ledger: no such staff user, or it is disabled")
	ErrTOTPReplayed = errors.New("ledger: this TOTP code's time step was used already")
)

// ValidRole reports whether r is a staff role.
func ValidRole(r string) bool { return r == RoleSupport || r == RoleAdmin }

// StaffUser is a user of the support console.
type StaffUser struct {
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

// Staff are the vendor's staff users of the support console, with a role,
// a password hash and a TOTP secret each.
type Staff struct{ db *ledgerdb.DB }

// NewStaff returns the staff users kept in l's database.
func NewStaff(l *ledger.Ledger) *Staff { return &Staff{ledgerdb.Of(l)} }

// Create records a new staff user; a login id in use is ErrStaffExists. A
// removed user's login id is taken again: the user comes back with the
// new role and password, and enrols a new TOTP secret at the next log-in,
// as when a secret leaked.
func (st *Staff) Create(ctx context.Context, s StaffUser) error {
	if !ValidRole(s.Role) {
		return fmt.Errorf("ledger: staff role %q is not support or admin", s.Role)
	}
	return st.db.Update(ctx, func(t ledgerdb.Tx) error {
		var disabled sql.NullString
		at := ledgerdb.FormatTime(t.At())
		err := t.SQL().QueryRowContext(ctx, `SELECT disabled_at FROM staff WHERE email = $1`, s.Email).Scan(&disabled)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = ledgerdb.Exec(t, `INSERT INTO staff (email, role, password_hash, totp_secret, totp_confirmed, totp_last_step, created_at, created_by)
VALUES ($1, $2, $3, '', 0, 0, $4, $5)`, s.Email, s.Role, s.PasswordHash, at, t.Actor())
		case err != nil:
		case !disabled.Valid:
			return ErrStaffExists
		default:
			// The last step stays: no code of the old secret's time counts.
			err = ledgerdb.Exec(t, `UPDATE staff SET role = $2, password_hash = $3, totp_secret = '', totp_confirmed = 0, created_at = $4, created_by = $5,
	disabled_at = NULL WHERE email = $1`, s.Email, s.Role, s.PasswordHash, at, t.Actor())
		}
		if err != nil {
			return err
		}
		return t.BoundEvent(eventStaffCreated, staffEvent{Staff: s.Email, Role: s.Role}, "staff", s.Email)
	})
}

const staffColumns = `email, role, password_hash, totp_secret, totp_confirmed, totp_last_step, created_at, created_by, disabled_at`

func scanStaff(sc ledgerdb.Scanner) (*StaffUser, error) {
	var s StaffUser
	var confirmed int
	var created string
	var disabled sql.NullString
	if err := sc.Scan(&s.Email, &s.Role, &s.PasswordHash, &s.TOTPSecret, &confirmed, &s.TOTPLastStep, &created, &s.CreatedBy, &disabled); err != nil {
		return nil, err
	}
	s.TOTPConfirmed = confirmed != 0
	s.Created = parseTime(created)
	if disabled.Valid {
		s.Disabled = parseTime(disabled.String)
	}
	return &s, nil
}

// Get returns the enabled staff user with the login id, or ErrNoStaff.
func (st *Staff) Get(ctx context.Context, email string) (*StaffUser, error) {
	s, err := scanStaff(st.db.Read.QueryRowContext(ctx, `SELECT `+staffColumns+` FROM staff WHERE email = $1 AND disabled_at IS NULL`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoStaff
	}
	if err != nil {
		return nil, err
	}
	// Its role and password decide what may be done as it.
	if err := st.db.CheckBound(ctx, "staff", s.Email); err != nil {
		return nil, err
	}
	return s, nil
}

// List returns every staff user, disabled ones too, by login id.
func (st *Staff) List(ctx context.Context) ([]*StaffUser, error) {
	rows, err := st.db.Read.QueryContext(ctx, `SELECT `+staffColumns+` FROM staff ORDER BY email`)
	if err != nil {
		return nil, err
	}
	return ledgerdb.ScanAll(rows, scanStaff)
}

// Disable stops a staff user from logging in, and ends their sessions;
// the record stays, as the events name the user.
func (st *Staff) Disable(ctx context.Context, email string) error {
	return st.db.Update(ctx, func(t ledgerdb.Tx) error {
		res, err := t.SQL().ExecContext(ctx, `UPDATE staff SET disabled_at = $1 WHERE email = $2 AND disabled_at IS NULL`, ledgerdb.FormatTime(t.At()), email)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNoStaff
		}
		if err := ledgerdb.Exec(t, `DELETE FROM staff_sessions WHERE email = $1`, email); err != nil {
			return err
		}
		return t.BoundEvent(eventStaffDisabled, staffEvent{Staff: email}, "staff", email)
	})
}

// SetPassword replaces a staff user's password hash, as when the user
// chooses a password of their own in place of the one an admin gave, and
// ends every other session of the user: whoever logged in with the old
// password is out. keepSession is the hash of the session that made the
// change, which stays; "" keeps none.
func (st *Staff) SetPassword(ctx context.Context, email, passwordHash, keepSession string) error {
	return st.db.Update(ctx, func(t ledgerdb.Tx) error {
		res, err := t.SQL().ExecContext(ctx, `UPDATE staff SET password_hash = $1 WHERE email = $2 AND disabled_at IS NULL`, passwordHash, email)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNoStaff
		}
		if err := ledgerdb.Exec(t, `DELETE FROM staff_sessions WHERE email = $1 AND hash <> $2`, email, keepSession); err != nil {
			return err
		}
		return t.BoundEvent(eventStaffPassword, staffEvent{Staff: email}, "staff", email)
	})
}

// TOTPSecret returns the user's TOTP secret, setting it to fresh first if
// the user has none yet: two log-ins racing to enrol get the same secret.
// A secret once confirmed is never replaced here.
func (st *Staff) TOTPSecret(ctx context.Context, email, fresh string) (string, error) {
	var secret string
	err := st.db.Update(ctx, func(t ledgerdb.Tx) error {
		if err := ledgerdb.Exec(t, `UPDATE staff SET totp_secret = $1 WHERE email = $2 AND totp_secret = '' AND disabled_at IS NULL`, fresh, email); err != nil {
			return err
		}
		err := t.SQL().QueryRowContext(ctx, `SELECT totp_secret FROM staff WHERE email = $1 AND disabled_at IS NULL`, email).Scan(&secret)
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
func (st *Staff) UseTOTPStep(ctx context.Context, email string, step int64) error {
	return st.db.Update(ctx, func(t ledgerdb.Tx) error {
		var last int64
		var confirmed int
		err := t.SQL().QueryRowContext(ctx, `SELECT totp_last_step, totp_confirmed FROM staff WHERE email = $1 AND disabled_at IS NULL`, email).Scan(&last, &confirmed)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoStaff
		}
		if err != nil {
			return err
		}
		if step <= last {
			return ErrTOTPReplayed
		}
		if err := ledgerdb.Exec(t, `UPDATE staff SET totp_last_step = $1, totp_confirmed = 1 WHERE email = $2`, step, email); err != nil {
			return err
		}
		if confirmed == 0 {
			return t.Event(eventStaffTOTPEnrolled, staffEvent{Staff: email})
		}
		return nil
	})
}
