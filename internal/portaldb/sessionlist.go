package portaldb

import (
	"context"
	"time"

	"github.com/licmint/licmint/internal/ledgerdb"
)

// SessionInfo is one of a user's sessions as the user, or support, sees
// it in a list.
type SessionInfo struct {
	// Hash is the session's id as stored: the SHA-256 of the cookie's id,
	// which does not give the cookie, but is not for pages either; it is
	// what End and EndAll take.
	Hash     string
	Started  time.Time
	LastUsed time.Time // Started if the store does not record use
	Expires  time.Time
	// Agent is the browser's User-Agent as recorded when the session was
	// used, if the store records it.
	Agent string
}

// List returns the sessions of the user with email that have not expired
// at now, the most recently started first.
func (s *Sessions) List(ctx context.Context, email string, now time.Time) ([]SessionInfo, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT hash, created_at, expires_at FROM `+s.table+
		` WHERE email = $1 AND expires_at > $2 ORDER BY created_at DESC, hash`, email, ledgerdb.FormatTime(now))
	if err != nil {
		return nil, err
	}
	all, err := ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) (SessionInfo, error) {
		var si SessionInfo
		var started, expires string
		if err := sc.Scan(&si.Hash, &started, &expires); err != nil {
			return si, err
		}
		si.Started, si.Expires = parseTime(started), parseTime(expires)
		si.LastUsed = si.Started
		return si, nil
	})
	if err != nil {
		return nil, err
	}
	// The text compare above is exact only for times of one format: the
	// parsed time decides.
	out := all[:0]
	for _, si := range all {
		if now.Before(si.Expires) {
			out = append(out, si)
		}
	}
	return out, nil
}

// EndAll ends every session of the user with email but the one whose hash
// is except ("" for none), and returns how many it ended. Each ended
// session is recorded as End records one.
func (s *Sessions) EndAll(ctx context.Context, email, except string) (int, error) {
	verifiedCol := "1"
	if s.twoStep {
		verifiedCol = "verified"
	}
	n := 0
	err := s.db.Update(ctx, func(t ledgerdb.Tx) error {
		n = 0
		rows, err := t.SQL().QueryContext(t.Context(), `SELECT hash, `+verifiedCol+` FROM `+s.table+` WHERE email = $1 AND hash <> $2 ORDER BY hash`, email, except)
		if err != nil {
			return err
		}
		type ended struct {
			hash     string
			verified bool
		}
		all, err := ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) (ended, error) {
			var e ended
			var v int
			err := sc.Scan(&e.hash, &v)
			e.verified = v != 0
			return e, err
		})
		if err != nil {
			return err
		}
		for _, e := range all {
			if err := ledgerdb.Exec(t, `DELETE FROM `+s.table+` WHERE hash = $1`, e.hash); err != nil {
				return err
			}
			n++
			if !e.verified {
				continue
			}
			if err := t.Event(s.end, s.event(email)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
