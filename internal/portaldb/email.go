package portaldb

import (
	"context"
	"database/sql"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/licmint/licmint/internal/ledgerdb"
)

// EmailChange is a confirmed change of an account's login id.
type EmailChange struct {
	From, To string
	// Licenses is how many licenses moved to the new login id.
	Licenses int
}

// ChangeEmail uses a TokenEmail token and makes its new address the login
// id of its account, in one transaction: the account's row, its sessions
// (which stay logged in), its one-time tokens (all of which are used up,
// so that no link mailed to the old address works on), the rate-limit
// counters under the keys rateKeys gives for a login id, and the licenses
// it owns, each moved with a moved event. The change is an event that
// binds the row under its new key and forgets the old. mail, given the
// change, is queued in the same transaction.
//
// A token unknown, used or expired is ErrTokenInvalid; a new address that
// has an account by now is ErrAccountExists, and nothing changes (the
// token stays unused until it expires).
func (s *Accounts) ChangeEmail(ctx context.Context, tokenHash string, rateKeys func(email string) []string, mail func(EmailChange) []Mail) (EmailChange, error) {
	var ch EmailChange
	// The account is compared with its events before it is acted on;
	// the token names it.
	var email string
	err := s.db.Read.QueryRowContext(ctx, `SELECT email FROM account_tokens WHERE hash = $1 AND purpose = $2`, tokenHash, TokenEmail).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return ch, ErrTokenInvalid
	}
	if err != nil {
		return ch, err
	}
	if err := s.db.CheckBound(ctx, "accounts", email); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return ch, ErrTokenInvalid
		}
		return ch, err
	}
	err = s.db.Update(ctx, func(t ledgerdb.Tx) error {
		ch = EmailChange{}
		from, to, err := useEmailToken(t, tokenHash)
		if err != nil {
			return err
		}
		var n int
		if err := t.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE email = $1`, to).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrAccountExists
		}
		at := ledgerdb.FormatTime(t.At())
		// The new row first, then what refers to the account, then the
		// old row: the references hold throughout.
		if err := ledgerdb.Exec(t, `INSERT INTO accounts (email, password_hash, confirmed, created_at)
SELECT $1, password_hash, 1, created_at FROM accounts WHERE email = $2`, to, from); err != nil {
			return err
		}
		if err := ledgerdb.Exec(t, `UPDATE account_tokens SET email = $1, used_at = COALESCE(used_at, $2) WHERE email = $3`, to, at, from); err != nil {
			return err
		}
		if err := ledgerdb.Exec(t, `UPDATE sessions SET email = $1 WHERE email = $2`, to, from); err != nil {
			return err
		}
		if rateKeys != nil {
			olds, news := rateKeys(from), rateKeys(to)
			for i := range min(len(olds), len(news)) {
				// A counter's key, and the keys under it (a space and more).
				oldUnder, newUnder := olds[i]+" ", news[i]+" "
				if err := ledgerdb.Exec(t, `DELETE FROM rate_limits WHERE bucket = $1 OR SUBSTR(bucket, 1, $2) = $3`,
					news[i], utf8.RuneCountInString(newUnder), newUnder); err != nil {
					return err
				}
				if err := ledgerdb.Exec(t, `UPDATE rate_limits SET bucket = $1 || SUBSTR(bucket, $2) WHERE bucket = $3 OR SUBSTR(bucket, 1, $4) = $5`,
					news[i], utf8.RuneCountInString(olds[i])+1, olds[i], utf8.RuneCountInString(oldUnder), oldUnder); err != nil {
					return err
				}
			}
		}
		if err := ledgerdb.Exec(t, `DELETE FROM accounts WHERE email = $1`, from); err != nil {
			return err
		}
		moved, err := t.MoveLicenses(from, to)
		if err != nil {
			return err
		}
		ch = EmailChange{From: from, To: to, Licenses: moved}
		if err := t.RekeyEvent(eventEmailChanged, accountEvent{Account: to, From: from}, "accounts", []any{from}, to); err != nil {
			return err
		}
		if mail != nil {
			return ledgerdb.QueueMail(t, mail(ch))
		}
		return nil
	})
	if err != nil {
		return EmailChange{}, err
	}
	return ch, nil
}

// useEmailToken is useToken for a TokenEmail token: it returns the
// account and the new address.
func useEmailToken(t ledgerdb.Tx, hash string) (from, to string, err error) {
	var expires string
	var used sql.NullString
	err = t.SQL().QueryRowContext(t.Context(), `SELECT email, new_email, expires_at, used_at FROM account_tokens WHERE hash = $1 AND purpose = $2`, hash, TokenEmail).
		Scan(&from, &to, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrTokenInvalid
	}
	if err != nil {
		return "", "", err
	}
	exp, err := time.Parse(time.RFC3339Nano, expires)
	if err != nil || used.Valid || !t.At().Before(exp) || to == "" {
		return "", "", ErrTokenInvalid
	}
	return from, to, ledgerdb.Exec(t, `UPDATE account_tokens SET used_at = $1 WHERE hash = $2`, ledgerdb.FormatTime(t.At()), hash)
}
