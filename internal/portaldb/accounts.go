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

// Events of customer accounts.
const (
	eventAccountCreated   = "account_created"
	eventAccountConfirmed = "account_confirmed"
	eventTokenIssued      = "token_issued"
	eventPasswordReset    = "password_reset"
	eventResetNoAccount   = "reset_no_account"
	eventSessionStarted   = "session_started"
	eventSessionEnded     = "session_ended"
	eventEmailChanged     = "account_email_changed"
	eventPasswordChanged  = "password_changed"
)

// Token purposes.
const (
	TokenConfirm = "confirm" // confirms an account's email address
	TokenReset   = "reset"   // sets a new password
	TokenEmail   = "email"   // makes its NewEmail the account's login id
)

// Outcomes of the customers' records.
var (
	ErrAccountExists = errors.New("ledger: an account with this login id exists")
	ErrNoAccount     = ledger.ErrNoAccount
	ErrTokenInvalid  = errors.New("ledger: the link is unknown, used or expired")
)

// Account is a customer's login.
type Account struct {
	// Email is the login id: it changes only by ChangeEmail.
	Email        string
	PasswordHash string
	Confirmed    bool
	Created      time.Time
}

// Token is a one-time token as stored: its SHA-256, never the token.
type Token struct {
	Hash    string
	Email   string
	Purpose string
	Expires time.Time
	// NewEmail is the address a TokenEmail token makes the login id.
	NewEmail string
}

type accountEvent struct {
	Account string `json:"account"`
	Purpose string `json:"purpose,omitempty"`
	// From is the login id an email change replaced.
	From string `json:"from,omitempty"`
}

// Accounts are the customers' accounts and their one-time tokens.
type Accounts struct{ db *ledgerdb.DB }

// NewAccounts returns the accounts kept in l's database.
func NewAccounts(l *ledger.Ledger) *Accounts { return &Accounts{ledgerdb.Of(l)} }

// Create records a new, unconfirmed account with its confirmation token,
// and queues mail with it, in one transaction. An existing login id is
// ErrAccountExists, and nothing is recorded.
func (s *Accounts) Create(ctx context.Context, a Account, confirm Token, mail ...Mail) error {
	return s.db.Update(ctx, func(t ledgerdb.Tx) error {
		var n int
		if err := t.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE email = $1`, a.Email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrAccountExists
		}
		if err := ledgerdb.Exec(t, `INSERT INTO accounts (email, password_hash, confirmed, created_at) VALUES ($1, $2, $3, $4)`,
			a.Email, a.PasswordHash, ledgerdb.B2I(a.Confirmed), ledgerdb.FormatTime(t.At())); err != nil {
			return err
		}
		if err := t.BoundEvent(eventAccountCreated, accountEvent{Account: a.Email}, "accounts", a.Email); err != nil {
			return err
		}
		if confirm.Hash != "" {
			confirm.Email, confirm.Purpose = a.Email, TokenConfirm
			if err := addToken(t, confirm); err != nil {
				return err
			}
		}
		return ledgerdb.QueueMail(t, mail)
	})
}

// Get returns the account with the login id, or ErrNoAccount.
func (s *Accounts) Get(ctx context.Context, email string) (*Account, error) {
	var a Account
	var confirmed int
	var at string
	err := s.db.Read.QueryRowContext(ctx, `SELECT email, password_hash, confirmed, created_at FROM accounts WHERE email = $1`, email).
		Scan(&a.Email, &a.PasswordHash, &confirmed, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoAccount
	}
	if err != nil {
		return nil, err
	}
	a.Confirmed = confirmed != 0
	a.Created = parseTime(at)
	// Its password decides who may act as it: it must be what its events
	// set.
	if err := s.db.CheckBound(ctx, "accounts", a.Email); err != nil {
		return nil, err
	}
	return &a, nil
}

// AddToken records a one-time token for an existing account, and queues
// mail with it, in one transaction.
func (s *Accounts) AddToken(ctx context.Context, tok Token, mail ...Mail) error {
	return s.db.Update(ctx, func(t ledgerdb.Tx) error {
		if err := addToken(t, tok); err != nil {
			return err
		}
		return ledgerdb.QueueMail(t, mail)
	})
}

// RequestReset records the reset token tok for its account and queues
// mail with it; when there is no account with tok.Email, it records that
// a reset was asked for and queues noAccount instead. Both take one
// transaction of the same reads and writes, so that the time a request
// takes does not tell whether the account exists.
func (s *Accounts) RequestReset(ctx context.Context, tok Token, mail, noAccount Mail) (exists bool, err error) {
	tok.Purpose = TokenReset
	err = s.db.Update(ctx, func(t ledgerdb.Tx) error {
		err := addToken(t, tok)
		if errors.Is(err, ErrNoAccount) {
			if err := t.Event(eventResetNoAccount, accountEvent{Account: tok.Email, Purpose: TokenReset}); err != nil {
				return err
			}
			return ledgerdb.QueueMail(t, []Mail{noAccount})
		}
		if err != nil {
			return err
		}
		exists = true
		return ledgerdb.QueueMail(t, []Mail{mail})
	})
	return exists, err
}

func addToken(t ledgerdb.Tx, tok Token) error {
	if tok.Purpose != TokenConfirm && tok.Purpose != TokenReset && tok.Purpose != TokenEmail {
		return fmt.Errorf("ledger: token purpose %q is not confirm, reset or email", tok.Purpose)
	}
	if (tok.Purpose == TokenEmail) != (tok.NewEmail != "") {
		return fmt.Errorf("ledger: a token has a new email address if and only if its purpose is email")
	}
	var n int
	if err := t.SQL().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM accounts WHERE email = $1`, tok.Email).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrNoAccount
	}
	if err := ledgerdb.Exec(t, `INSERT INTO account_tokens (hash, email, purpose, expires_at, new_email) VALUES ($1, $2, $3, $4, $5)`,
		tok.Hash, tok.Email, tok.Purpose, ledgerdb.FormatTime(tok.Expires), tok.NewEmail); err != nil {
		return err
	}
	return t.Event(eventTokenIssued, accountEvent{Account: tok.Email, Purpose: tok.Purpose})
}

// useToken marks the token used and returns its account: a token unknown,
// of another purpose, used or expired is ErrTokenInvalid, all alike.
func useToken(t ledgerdb.Tx, hash, purpose string) (string, error) {
	var email, expires string
	var used sql.NullString
	err := t.SQL().QueryRowContext(t.Context(), `SELECT email, expires_at, used_at FROM account_tokens WHERE hash = $1 AND purpose = $2`, hash, purpose).
		Scan(&email, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrTokenInvalid
	}
	if err != nil {
		return "", err
	}
	exp, err := time.Parse(time.RFC3339Nano, expires)
	if err != nil || used.Valid || !t.At().Before(exp) {
		return "", ErrTokenInvalid
	}
	return email, ledgerdb.Exec(t, `UPDATE account_tokens SET used_at = $1 WHERE hash = $2`, ledgerdb.FormatTime(t.At()), hash)
}

// cancelEmailChanges uses up the account's pending changes of address,
// as its password changes: whoever asked with the old password must not
// move the account once its owner has shut them out.
func cancelEmailChanges(t ledgerdb.Tx, email string) error {
	return ledgerdb.Exec(t, `UPDATE account_tokens SET used_at = $1 WHERE email = $2 AND purpose = $3 AND used_at IS NULL`,
		ledgerdb.FormatTime(t.At()), email, TokenEmail)
}

// Confirm uses a confirmation token and marks its account confirmed.
func (s *Accounts) Confirm(ctx context.Context, tokenHash string) (email string, err error) {
	err = s.db.Update(ctx, func(t ledgerdb.Tx) error {
		if email, err = useToken(t, tokenHash, TokenConfirm); err != nil {
			return err
		}
		if err := ledgerdb.Exec(t, `UPDATE accounts SET confirmed = 1 WHERE email = $1`, email); err != nil {
			return err
		}
		return t.BoundEvent(eventAccountConfirmed, accountEvent{Account: email}, "accounts", email)
	})
	return email, err
}

// ResetPassword uses a reset token, sets the account's password hash and
// ends every session of the account and its pending changes of address.
// Following a mailed reset link also
// proves the address, so the account is confirmed too.
func (s *Accounts) ResetPassword(ctx context.Context, tokenHash, passwordHash string) (email string, err error) {
	err = s.db.Update(ctx, func(t ledgerdb.Tx) error {
		if email, err = useToken(t, tokenHash, TokenReset); err != nil {
			return err
		}
		if err := ledgerdb.Exec(t, `UPDATE accounts SET password_hash = $1, confirmed = 1 WHERE email = $2`, passwordHash, email); err != nil {
			return err
		}
		if err := ledgerdb.Exec(t, `DELETE FROM sessions WHERE email = $1`, email); err != nil {
			return err
		}
		if err := cancelEmailChanges(t, email); err != nil {
			return err
		}
		return t.BoundEvent(eventPasswordReset, accountEvent{Account: email}, "accounts", email)
	})
	return email, err
}

// ChangePassword sets the account's password hash, as its owner chooses a
// new one, ends every other session of the account (whoever logged in
// with the old password is out) but keepSession's, the hash of the one
// that made the change, ends its pending changes of address, and queues
// mail, in one transaction.
func (s *Accounts) ChangePassword(ctx context.Context, email, passwordHash, keepSession string, mail ...Mail) error {
	return s.db.Update(ctx, func(t ledgerdb.Tx) error {
		res, err := t.SQL().ExecContext(ctx, `UPDATE accounts SET password_hash = $1 WHERE email = $2`, passwordHash, email)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNoAccount
		}
		if err := t.BoundEvent(eventPasswordChanged, accountEvent{Account: email}, "accounts", email); err != nil {
			return err
		}
		if _, err := customerRealm.endAll(t, email, keepSession); err != nil {
			return err
		}
		if err := cancelEmailChanges(t, email); err != nil {
			return err
		}
		return ledgerdb.QueueMail(t, mail)
	})
}
