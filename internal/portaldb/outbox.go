package portaldb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger"
)

// MaxOutbox bounds how many messages one List call returns.
const MaxOutbox = 1000

// Outbox is the mail outbox: messages queued with what they tell (by the
// ledger, and by Accounts), claimed by a mailer, sent or retried.
type Outbox struct{ db *ledgerdb.DB }

// NewOutbox returns the outbox kept in l's database.
func NewOutbox(l *ledger.Ledger) *Outbox { return &Outbox{ledgerdb.Of(l)} }

// Queue puts messages in the outbox, due at once.
func (o *Outbox) Queue(ctx context.Context, mail ...Mail) error {
	return o.db.Update(ctx, func(t ledgerdb.Tx) error { return ledgerdb.QueueMail(t, mail) })
}

const mailColumns = `id, message_id, recipient, subject, body, queued_at, attempts, next_attempt, last_error, sent_at`

func scanMail(sc ledgerdb.Scanner) (*Mail, error) {
	var m Mail
	var queued, next string
	var sent sql.NullString
	if err := sc.Scan(&m.ID, &m.MessageID, &m.To, &m.Subject, &m.Body, &queued, &m.Attempts, &next, &m.LastError, &sent); err != nil {
		return nil, err
	}
	m.Queued, m.NextAttempt = parseTime(queued), parseTime(next)
	if sent.Valid {
		m.Sent = parseTime(sent.String)
	}
	return &m, nil
}

// Claim returns up to max unsent messages that are due, oldest first,
// each with one more attempt counted and claimed by owner until lease has
// passed on the ledger's clock (their next attempt), so that no other
// mailer sends them meanwhile; a mailer that dies holding a claim holds it
// no longer than that. The owner then calls Sent for each message as soon
// as the relay took it, Failed for each the relay refused, and Release
// for those it did not try.
func (o *Outbox) Claim(ctx context.Context, owner string, max int, lease time.Duration) ([]*Mail, error) {
	var out []*Mail
	err := o.db.Locked(ctx, func(tx *sql.Tx) error {
		at := o.db.Now()
		// One statement, whatever the count; the write lock keeps two
		// mailers from claiming the same messages.
		rows, err := tx.QueryContext(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt = $1, claimed_by = $2
WHERE id IN (SELECT id FROM mail_outbox WHERE sent_at IS NULL AND next_attempt <= $3 ORDER BY next_attempt, id LIMIT `+fmt.Sprint(max)+`)
RETURNING `+mailColumns, ledgerdb.FormatTime(at.Add(lease)), owner, ledgerdb.FormatTime(at))
		if err != nil {
			return err
		}
		out, err = ledgerdb.ScanAll(rows, scanMail)
		return err
	})
	slices.SortFunc(out, func(a, b *Mail) int { return cmp.Compare(a.ID, b.ID) })
	return out, err
}

// Sent records that the relay took the messages ids, and empties their
// bodies, in one transaction. It records them whoever holds their claim:
// they were sent. A message already recorded is left as it is, so that a
// write tried again after its commit was lost records nothing twice.
func (o *Outbox) Sent(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	return o.db.Update(ctx, func(t ledgerdb.Tx) error {
		var sent []int64
		err := ledgerdb.InLists(o.db.Numbered, ids, func(match string, args []any) error {
			rows, err := t.SQL().QueryContext(t.Context(), `UPDATE mail_outbox SET sent_at = $1, body = '', last_error = '', claimed_by = '' WHERE sent_at IS NULL AND id `+match+` RETURNING id`,
				append([]any{ledgerdb.FormatTime(t.At())}, args...)...)
			if err != nil {
				return err
			}
			more, err := ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) (id int64, err error) { return id, sc.Scan(&id) })
			sent = append(sent, more...)
			return err
		})
		if err != nil {
			return err
		}
		slices.Sort(sent)
		for _, id := range sent {
			if err := t.Event(ledgerdb.EventMailSent, ledgerdb.MailEvent{MailID: id}); err != nil {
				return err
			}
		}
		return nil
	})
}

// Failed records a failed attempt by owner to send message id, to be tried
// again at retry. A claim owner no longer holds (it lapsed, and another
// mailer may hold the message now) is left alone, and nothing recorded.
func (o *Outbox) Failed(ctx context.Context, owner string, id int64, reason string, retry time.Time) error {
	return o.db.Update(ctx, func(t ledgerdb.Tx) error {
		res, err := t.SQL().ExecContext(t.Context(), `UPDATE mail_outbox SET last_error = $1, next_attempt = $2, claimed_by = '' WHERE id = $3 AND sent_at IS NULL AND claimed_by = $4`,
			reason, ledgerdb.FormatTime(retry), id, owner)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return t.Event(ledgerdb.EventMailFailed, ledgerdb.MailEvent{MailID: id, Error: reason, Retry: ledgerdb.FormatTime(retry)})
	})
}

// Release gives up the claims owner holds on messages it has not tried
// to send: they are due again at once, the attempt uncounted. A mailer
// calls it when it stops a round early.
func (o *Outbox) Release(ctx context.Context, owner string) error {
	return o.db.Locked(ctx, func(tx *sql.Tx) error {
		at := ledgerdb.FormatTime(o.db.Now())
		_, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET attempts = attempts - 1, next_attempt = $1, claimed_by = ''
WHERE sent_at IS NULL AND next_attempt > $1 AND claimed_by = $2`, at, owner)
		return err
	})
}

// List returns up to limit messages, at most MaxOutbox, newest first.
func (o *Outbox) List(ctx context.Context, limit int) ([]*Mail, error) {
	if limit <= 0 || limit > MaxOutbox {
		limit = MaxOutbox
	}
	rows, err := o.db.Read.QueryContext(ctx, `SELECT `+mailColumns+` FROM mail_outbox ORDER BY id DESC LIMIT `+fmt.Sprint(limit))
	if err != nil {
		return nil, err
	}
	return ledgerdb.ScanAll(rows, scanMail)
}

// Unsent counts the messages not yet sent.
func (o *Outbox) Unsent(ctx context.Context) (int, error) {
	var n int
	err := o.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL`).Scan(&n)
	return n, err
}
