package portaldb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/licmint/licmint/internal/ledgerdb"
)

// What the support console reads of one customer's account, and the
// changes its staff make to it: each change is an event, recorded for the
// staff user acting.

// Events of the support console's changes.
const (
	eventAccountUnlocked = "account_unlocked"
	eventMailRetryNow    = "mail_retry_now"
)

// ErrNotRetriable: the message is not one whose sending failed and waits
// for its next attempt (unknown, to another address, sent, never tried, or
// being sent just now).
var ErrNotRetriable = errors.New("ledger: the message is not a failed one waiting for its next attempt")

// ListTo returns up to limit messages to recipient, at most MaxOutbox,
// newest first.
func (o *Outbox) ListTo(ctx context.Context, recipient string, limit int) ([]*Mail, error) {
	if limit <= 0 || limit > MaxOutbox {
		limit = MaxOutbox
	}
	rows, err := o.db.Read.QueryContext(ctx, `SELECT `+mailColumns+` FROM mail_outbox WHERE recipient = $1 ORDER BY id DESC LIMIT `+fmt.Sprint(limit), recipient)
	if err != nil {
		return nil, err
	}
	return ledgerdb.ScanAll(rows, scanMail)
}

// RetryNow makes the failed message id to recipient due at once, rather
// than at the end of its backoff, as when the relay is mended: the same
// message, with its Message-ID, not a new one. A message not failed and
// waiting is ErrNotRetriable; so is one a mailer holds, which it may be
// sending just now.
func (o *Outbox) RetryNow(ctx context.Context, id int64, recipient string) error {
	return o.db.Update(ctx, func(t ledgerdb.Tx) error {
		res, err := t.SQL().ExecContext(t.Context(), `UPDATE mail_outbox SET next_attempt = $1
WHERE id = $2 AND recipient = $3 AND sent_at IS NULL AND last_error <> '' AND claimed_by = ''`, ledgerdb.FormatTime(t.At()), id, recipient)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotRetriable
		}
		return t.Event(eventMailRetryNow, ledgerdb.MailEvent{MailID: id, To: recipient})
	})
}

// RateCount is a counter of RateLimits in its current window.
type RateCount struct {
	Bucket  string
	Hits    int
	Expires time.Time // the window's end
}

// Under returns the counters of bucket and of the buckets under it (named
// bucket, a space and more) in their current windows, by name.
func (s *RateLimits) Under(ctx context.Context, bucket string) ([]*RateCount, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT bucket, hits, expires_at FROM rate_limits
WHERE `+underBucket+` AND expires_at > $4 ORDER BY bucket, window_start`, append(underArgs(bucket), ledgerdb.FormatTime(s.db.Now()))...)
	if err != nil {
		return nil, err
	}
	return ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) (*RateCount, error) {
		var c RateCount
		var exp string
		if err := sc.Scan(&c.Bucket, &c.Hits, &exp); err != nil {
			return nil, err
		}
		c.Expires = parseTime(exp)
		return &c, nil
	})
}

// ClearLimits forgets the counts of failures that hold back the account
// email, each of buckets and the buckets under it, as Clear does, and
// records that it was done: staff lifting a lock once they know it is the
// customer.
func (s *Accounts) ClearLimits(ctx context.Context, email string, buckets ...string) error {
	return s.db.Update(ctx, func(t ledgerdb.Tx) error {
		for _, b := range buckets {
			if err := clearBucket(t.Context(), t.SQL(), b); err != nil {
				return err
			}
		}
		return t.Event(eventAccountUnlocked, accountEvent{Account: email})
	})
}
