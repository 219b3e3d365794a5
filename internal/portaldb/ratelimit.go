package portaldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger"
)

// RateLimits are hit counters in fixed windows, shared by every instance
// on the database. The counters are not events: they record attempts, not
// changes.
type RateLimits struct{ db *ledgerdb.DB }

// NewRateLimits returns the counters kept in l's database.
func NewRateLimits(l *ledger.Ledger) *RateLimits { return &RateLimits{ledgerdb.Of(l)} }

// Hits returns the hits counted for bucket in the current fixed window of
// the given length, and with add counts one more first.
func (s *RateLimits) Hits(ctx context.Context, bucket string, window time.Duration, add bool) (int, error) {
	if window <= 0 {
		return 0, fmt.Errorf("ledger: rate window %v", window)
	}
	at := s.db.Now()
	start := at.Truncate(window)
	ws, end := ledgerdb.FormatTime(start), ledgerdb.FormatTime(start.Add(window))
	if !add {
		var n int
		err := s.db.Read.QueryRowContext(ctx, `SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2 AND expires_at > $3`,
			bucket, ws, ledgerdb.FormatTime(at)).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return n, err
	}
	var n int
	err := s.db.Locked(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM rate_limits WHERE expires_at <= $1`, ledgerdb.FormatTime(at)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO rate_limits (bucket, window_start, expires_at, hits) VALUES ($1, $2, $3, 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits`, bucket, ws, end).Scan(&n)
	})
	return n, err
}

// Release takes back one hit counted in bucket's current window, for an
// attempt that turned out not to count: a bucket of failures whose
// attempt, counted before it was tried, succeeded.
func (s *RateLimits) Release(ctx context.Context, bucket string, window time.Duration) error {
	if window <= 0 {
		return fmt.Errorf("ledger: rate window %v", window)
	}
	ws := ledgerdb.FormatTime(s.db.Now().Truncate(window))
	return s.db.Locked(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE rate_limits SET hits = hits - 1 WHERE bucket = $1 AND window_start = $2 AND hits > 0`, bucket, ws)
		return err
	})
}

// Clear forgets every hit counted in bucket and in the buckets under it,
// named bucket, a space and more: an account's own count and its counts
// per address, say, after its password is reset or an admin lifts a lock.
func (s *RateLimits) Clear(ctx context.Context, bucket string) error {
	return s.db.Locked(ctx, func(tx *sql.Tx) error { return clearBucket(ctx, tx, bucket) })
}

// clearBucket deletes bucket and the buckets under it in tx.
func clearBucket(ctx context.Context, tx *sql.Tx, bucket string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM rate_limits WHERE `+underBucket, underArgs(bucket)...)
	return err
}

// underBucket matches the bucket $1 and those under it, with underArgs.
const underBucket = `(bucket = $1 OR substr(bucket, 1, $2) = $3)`

func underArgs(bucket string) []any {
	sub := bucket + " "
	return []any{bucket, utf8.RuneCountInString(sub), sub}
}
