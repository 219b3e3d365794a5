package ledger

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/licmint/licmint/formats"
)

// The portal's records (schema 2): customer accounts, one-time tokens,
// sessions, rate-limit counters and the mail outbox. The ledger keeps them
// so that several portal instances on one database share them. It stores
// no secret: callers hand it password hashes and the SHA-256 of tokens and
// session ids, never the values themselves.

// Event kinds of the portal.
const (
	EventAccountCreated   = "account_created"
	EventAccountConfirmed = "account_confirmed"
	EventTokenIssued      = "token_issued"
	EventPasswordReset    = "password_reset"
	EventSessionStarted   = "session_started"
	EventSessionEnded     = "session_ended"
	EventMailQueued       = "mail_queued"
	EventMailSent         = "mail_sent"
	EventMailFailed       = "mail_failed"
)

// Token purposes.
const (
	TokenConfirm = "confirm" // confirms an account's email address
	TokenReset   = "reset"   // sets a new password
)

// Outcomes of the portal's records.
var (
	ErrAccountExists = errors.New("ledger: an account with this login id exists")
	ErrNoAccount     = errors.New("ledger: no such account")
	ErrTokenInvalid  = errors.New("ledger: the link is unknown, used or expired")
	ErrNoSession     = errors.New("ledger: no such session, or it has expired")
)

// Client is who asks for a change: recorded as the actor of its events,
// with the client's IP address, in place of the Ledger's actor.
type Client struct {
	Actor string
	IP    string
}

type clientKey struct{}

// WithClient returns a context whose changes are recorded as made by
// actor (an account's email, or "portal") from the IP address ip.
func WithClient(ctx context.Context, actor, ip string) context.Context {
	return context.WithValue(ctx, clientKey{}, Client{Actor: actor, IP: ip})
}

func clientOf(ctx context.Context) (Client, bool) {
	c, ok := ctx.Value(clientKey{}).(Client)
	return c, ok && c.Actor != ""
}

// withClientIP adds the client's address as the last member of an event
// body, so that it is covered by the chain's hash like the rest.
func withClientIP(body []byte, ip string) []byte {
	b, _ := json.Marshal(ip)
	return append(append(body[:len(body)-1], `,"client_ip":`...), append(b, '}')...)
}

// Account is a customer's login.
type Account struct {
	// Email is the login id: it never changes once the account exists.
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
}

// Mail is a message in the outbox.
type Mail struct {
	ID          int64
	To          string
	Subject     string
	Body        string // empty once sent: a sent message's links stay only in the mailbox
	Queued      time.Time
	Attempts    int
	NextAttempt time.Time
	LastError   string
	Sent        time.Time // zero until sent
}

type accountEvent struct {
	Account string `json:"account"`
	Purpose string `json:"purpose,omitempty"`
}

// CreateAccount records a new, unconfirmed account with its confirmation
// token, and queues mail with it, in one transaction. An existing login id
// is ErrAccountExists, and nothing is recorded.
func (l *Ledger) CreateAccount(ctx context.Context, a Account, confirm Token, mail ...Mail) error {
	return l.update(ctx, func(t *tx) error {
		var n int
		if err := t.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE email = $1`, a.Email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrAccountExists
		}
		if err := t.exec(`INSERT INTO accounts (email, password_hash, confirmed, created_at) VALUES ($1, $2, $3, $4)`,
			a.Email, a.PasswordHash, b2i(a.Confirmed), formatTime(t.at)); err != nil {
			return err
		}
		if _, err := t.event(EventAccountCreated, formats.Product{}, 0, accountEvent{Account: a.Email}); err != nil {
			return err
		}
		if confirm.Hash != "" {
			confirm.Email, confirm.Purpose = a.Email, TokenConfirm
			if err := t.addToken(confirm); err != nil {
				return err
			}
		}
		return t.queueMail(mail)
	})
}

// Account returns the account with the login id, or ErrNoAccount.
func (l *Ledger) Account(ctx context.Context, email string) (*Account, error) {
	var a Account
	var confirmed int
	var at string
	err := l.db.QueryRowContext(ctx, `SELECT email, password_hash, confirmed, created_at FROM accounts WHERE email = $1`, email).
		Scan(&a.Email, &a.PasswordHash, &confirmed, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoAccount
	}
	if err != nil {
		return nil, err
	}
	a.Confirmed = confirmed != 0
	a.Created, _ = time.Parse(time.RFC3339Nano, at)
	return &a, nil
}

// AddToken records a one-time token for an existing account, and queues
// mail with it, in one transaction.
func (l *Ledger) AddToken(ctx context.Context, tok Token, mail ...Mail) error {
	return l.update(ctx, func(t *tx) error {
		if err := t.addToken(tok); err != nil {
			return err
		}
		return t.queueMail(mail)
	})
}

func (t *tx) addToken(tok Token) error {
	if tok.Purpose != TokenConfirm && tok.Purpose != TokenReset {
		return fmt.Errorf("ledger: token purpose %q is not confirm or reset", tok.Purpose)
	}
	var n int
	if err := t.sql.QueryRowContext(t.ctx, `SELECT COUNT(*) FROM accounts WHERE email = $1`, tok.Email).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrNoAccount
	}
	if err := t.exec(`INSERT INTO account_tokens (hash, email, purpose, expires_at) VALUES ($1, $2, $3, $4)`,
		tok.Hash, tok.Email, tok.Purpose, formatTime(tok.Expires)); err != nil {
		return err
	}
	_, err := t.event(EventTokenIssued, formats.Product{}, 0, accountEvent{Account: tok.Email, Purpose: tok.Purpose})
	return err
}

// useToken marks the token used and returns its account: a token unknown,
// of another purpose, used or expired is ErrTokenInvalid, all alike.
func (t *tx) useToken(hash, purpose string) (string, error) {
	var email, expires string
	var used sql.NullString
	err := t.sql.QueryRowContext(t.ctx, `SELECT email, expires_at, used_at FROM account_tokens WHERE hash = $1 AND purpose = $2`, hash, purpose).
		Scan(&email, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrTokenInvalid
	}
	if err != nil {
		return "", err
	}
	exp, err := time.Parse(time.RFC3339Nano, expires)
	if err != nil || used.Valid || !t.at.Before(exp) {
		return "", ErrTokenInvalid
	}
	return email, t.exec(`UPDATE account_tokens SET used_at = $1 WHERE hash = $2`, formatTime(t.at), hash)
}

// ConfirmAccount uses a confirmation token and marks its account
// confirmed.
func (l *Ledger) ConfirmAccount(ctx context.Context, tokenHash string) (email string, err error) {
	err = l.update(ctx, func(t *tx) error {
		if email, err = t.useToken(tokenHash, TokenConfirm); err != nil {
			return err
		}
		if err := t.exec(`UPDATE accounts SET confirmed = 1 WHERE email = $1`, email); err != nil {
			return err
		}
		_, err := t.event(EventAccountConfirmed, formats.Product{}, 0, accountEvent{Account: email})
		return err
	})
	return email, err
}

// ResetPassword uses a reset token, sets the account's password hash and
// ends every session of the account. Following a mailed reset link also
// proves the address, so the account is confirmed too.
func (l *Ledger) ResetPassword(ctx context.Context, tokenHash, passwordHash string) (email string, err error) {
	err = l.update(ctx, func(t *tx) error {
		if email, err = t.useToken(tokenHash, TokenReset); err != nil {
			return err
		}
		if err := t.exec(`UPDATE accounts SET password_hash = $1, confirmed = 1 WHERE email = $2`, passwordHash, email); err != nil {
			return err
		}
		if err := t.exec(`DELETE FROM sessions WHERE email = $1`, email); err != nil {
			return err
		}
		_, err := t.event(EventPasswordReset, formats.Product{}, 0, accountEvent{Account: email})
		return err
	})
	return email, err
}

// Session is a logged-in session as stored.
type Session struct {
	Email   string
	Expires time.Time
}

// StartSession records a session, and ends the session replaces (the
// hash of the one the client had, if any), so that an id the client held
// before logging in never becomes a logged-in one.
func (l *Ledger) StartSession(ctx context.Context, hash, email string, expires time.Time, replaces string) error {
	return l.update(ctx, func(t *tx) error {
		if replaces != "" {
			if err := t.exec(`DELETE FROM sessions WHERE hash = $1`, replaces); err != nil {
				return err
			}
		}
		// Expired sessions go as new ones come, so that the table stays
		// as small as the sessions in use.
		if err := t.exec(`DELETE FROM sessions WHERE expires_at <= $1`, formatTime(t.at)); err != nil {
			return err
		}
		if err := t.exec(`INSERT INTO sessions (hash, email, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			hash, email, formatTime(t.at), formatTime(expires)); err != nil {
			return err
		}
		_, err := t.event(EventSessionStarted, formats.Product{}, 0, accountEvent{Account: email})
		return err
	})
}

// Session returns the session with the hash, or ErrNoSession when it is
// unknown or expired at now.
func (l *Ledger) Session(ctx context.Context, hash string, now time.Time) (*Session, error) {
	var s Session
	var expires string
	err := l.db.QueryRowContext(ctx, `SELECT email, expires_at FROM sessions WHERE hash = $1`, hash).Scan(&s.Email, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	if s.Expires, err = time.Parse(time.RFC3339Nano, expires); err != nil || !now.Before(s.Expires) {
		return nil, ErrNoSession
	}
	return &s, nil
}

// EndSession removes a session; ending one that does not exist is no
// error and records nothing.
func (l *Ledger) EndSession(ctx context.Context, hash string) error {
	return l.update(ctx, func(t *tx) error {
		var email string
		err := t.sql.QueryRowContext(ctx, `SELECT email FROM sessions WHERE hash = $1`, hash).Scan(&email)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := t.exec(`DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
			return err
		}
		_, err = t.event(EventSessionEnded, formats.Product{}, 0, accountEvent{Account: email})
		return err
	})
}

// RateHits returns the hits counted for bucket in the current fixed
// window of the given length, and with add counts one more first. The
// counters are not events: they record attempts, not changes.
func (l *Ledger) RateHits(ctx context.Context, bucket string, window time.Duration, add bool) (int, error) {
	if window <= 0 {
		return 0, fmt.Errorf("ledger: rate window %v", window)
	}
	at := l.now()
	start := at.Truncate(window)
	ws, end := formatTime(start), formatTime(start.Add(window))
	if !add {
		var n int
		err := l.db.QueryRowContext(ctx, `SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2 AND expires_at > $3`,
			bucket, ws, formatTime(at)).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return n, err
	}
	var n int
	err := l.inTx(ctx, func(s *sql.Tx) error {
		if _, err := s.ExecContext(ctx, `DELETE FROM rate_limits WHERE expires_at <= $1`, formatTime(at)); err != nil {
			return err
		}
		return s.QueryRowContext(ctx, `INSERT INTO rate_limits (bucket, window_start, expires_at, hits) VALUES ($1, $2, $3, 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits`, bucket, ws, end).Scan(&n)
	})
	return n, err
}

// RateRelease takes back one hit counted in bucket's current window, for
// an attempt that turned out not to count: a bucket of failures whose
// attempt, counted before it was tried, succeeded.
func (l *Ledger) RateRelease(ctx context.Context, bucket string, window time.Duration) error {
	if window <= 0 {
		return fmt.Errorf("ledger: rate window %v", window)
	}
	ws := formatTime(l.now().Truncate(window))
	return l.inTx(ctx, func(s *sql.Tx) error {
		_, err := s.ExecContext(ctx, `UPDATE rate_limits SET hits = hits - 1 WHERE bucket = $1 AND window_start = $2 AND hits > 0`, bucket, ws)
		return err
	})
}

type mailEvent struct {
	MailID  int64  `json:"mail_id"`
	To      string `json:"to,omitempty"`
	Subject string `json:"subject,omitempty"`
	Error   string `json:"error,omitempty"`
	Retry   string `json:"retry_at,omitempty"`
}

// QueueMail puts messages in the outbox, due at once.
func (l *Ledger) QueueMail(ctx context.Context, mail ...Mail) error {
	return l.update(ctx, func(t *tx) error { return t.queueMail(mail) })
}

func (t *tx) queueMail(mail []Mail) error {
	for _, m := range mail {
		var id int64
		if err := t.sql.QueryRowContext(t.ctx, `INSERT INTO mail_outbox (recipient, subject, body, queued_at, attempts, next_attempt, last_error)
VALUES ($1, $2, $3, $4, 0, $4, '') RETURNING id`, m.To, m.Subject, m.Body, formatTime(t.at)).Scan(&id); err != nil {
			return err
		}
		if _, err := t.event(EventMailQueued, formats.Product{}, 0, mailEvent{MailID: id, To: m.To, Subject: m.Subject}); err != nil {
			return err
		}
	}
	return nil
}

const mailColumns = `id, recipient, subject, body, queued_at, attempts, next_attempt, last_error, sent_at`

func scanMail(sc interface{ Scan(...any) error }) (*Mail, error) {
	var m Mail
	var queued, next string
	var sent sql.NullString
	if err := sc.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &queued, &m.Attempts, &next, &m.LastError, &sent); err != nil {
		return nil, err
	}
	m.Queued, _ = time.Parse(time.RFC3339Nano, queued)
	m.NextAttempt, _ = time.Parse(time.RFC3339Nano, next)
	if sent.Valid {
		m.Sent, _ = time.Parse(time.RFC3339Nano, sent.String)
	}
	return &m, nil
}

// ClaimMail returns up to max unsent messages that are due, oldest first,
// each with one more attempt counted and its next attempt moved lease
// ahead, so that another instance does not send it meanwhile. The sender
// then calls MailSent or MailFailed.
func (l *Ledger) ClaimMail(ctx context.Context, max int, lease time.Duration) ([]*Mail, error) {
	var out []*Mail
	err := l.inTx(ctx, func(s *sql.Tx) error {
		at := l.now()
		// One statement, whatever the count; the write lock keeps two
		// instances from claiming the same messages.
		rows, err := s.QueryContext(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt = $1
WHERE id IN (SELECT id FROM mail_outbox WHERE sent_at IS NULL AND next_attempt <= $2 ORDER BY next_attempt, id LIMIT `+fmt.Sprint(max)+`)
RETURNING `+mailColumns, formatTime(at.Add(lease)), formatTime(at))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMail(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	slices.SortFunc(out, func(a, b *Mail) int { return cmp.Compare(a.ID, b.ID) })
	return out, err
}

// MailSent records that the relay took the messages ids, and empties
// their bodies: one transaction for all, so that a mailer records what it
// sent with one commit.
func (l *Ledger) MailSent(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	return l.update(ctx, func(t *tx) error {
		err := inLists(t.l.store.numbered(), ids, func(match string, args []any) error {
			return t.exec(`UPDATE mail_outbox SET sent_at = $1, body = '', last_error = '' WHERE sent_at IS NULL AND id `+match,
				append([]any{formatTime(t.at)}, args...)...)
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := t.event(EventMailSent, formats.Product{}, 0, mailEvent{MailID: id}); err != nil {
				return err
			}
		}
		return nil
	})
}

// MailFailed records a failed attempt to send message id, to be tried
// again at retry.
func (l *Ledger) MailFailed(ctx context.Context, id int64, reason string, retry time.Time) error {
	return l.update(ctx, func(t *tx) error {
		if err := t.exec(`UPDATE mail_outbox SET last_error = $1, next_attempt = $2 WHERE id = $3 AND sent_at IS NULL`,
			reason, formatTime(retry), id); err != nil {
			return err
		}
		_, err := t.event(EventMailFailed, formats.Product{}, 0, mailEvent{MailID: id, Error: reason, Retry: formatTime(retry)})
		return err
	})
}

// MaxOutbox bounds how many messages one Outbox call returns.
const MaxOutbox = 1000

// Outbox returns up to limit messages, at most MaxOutbox, newest first.
func (l *Ledger) Outbox(ctx context.Context, limit int) ([]*Mail, error) {
	if limit <= 0 || limit > MaxOutbox {
		limit = MaxOutbox
	}
	rows, err := l.db.QueryContext(ctx, `SELECT `+mailColumns+` FROM mail_outbox ORDER BY id DESC LIMIT `+fmt.Sprint(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Mail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Secret returns the random 32-byte secret called name, made on first use
// and then the same for every instance on the database: the portal keys
// its CSRF tokens with one, so that a form served by one instance posts to
// another.
func (l *Ledger) Secret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := io.ReadFull(l.rand, fresh); err != nil {
		return nil, err
	}
	var value string
	err := l.inTx(ctx, func(s *sql.Tx) error {
		if _, err := s.ExecContext(ctx, `INSERT INTO ledger_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
			"secret:"+name, hex.EncodeToString(fresh)); err != nil {
			return err
		}
		return s.QueryRowContext(ctx, `SELECT value FROM ledger_meta WHERE key = $1`, "secret:"+name).Scan(&value)
	})
	if err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(value)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("ledger: secret %s is not 64 hex digits", name)
	}
	return b, nil
}
