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
	LastUsed time.Time // as Touch recorded it; Started until then
	Expires  time.Time
	// Agent is the browser's User-Agent as Touch recorded it: empty for
	// staff sessions, which record none.
	Agent string
}

// List returns the sessions of the user with email that have not expired
// at now, the most recently started first.
func (s *Sessions) List(ctx context.Context, email string, now time.Time) ([]SessionInfo, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT hash, created_at, expires_at, `+s.used+` FROM `+s.table+
		` WHERE email = $1 AND expires_at > $2 ORDER BY created_at DESC, hash`, email, ledgerdb.FormatTime(now))
	if err != nil {
		return nil, err
	}
	all, err := ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) (SessionInfo, error) {
		var si SessionInfo
		var started, expires, used string
		if err := sc.Scan(&si.Hash, &started, &expires, &used, &si.Agent); err != nil {
			return si, err
		}
		si.Started, si.Expires, si.LastUsed = parseTime(started), parseTime(expires), parseTime(used)
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
	n := 0
	err := s.db.Update(ctx, func(t ledgerdb.Tx) (err error) {
		n, err = s.endAll(t, email, except)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// endAll is EndAll in t.
func (r realm) endAll(t ledgerdb.Tx, email, except string) (int, error) {
	verifiedCol := "1"
	if r.twoStep {
		verifiedCol = "verified"
	}
	rows, err := t.SQL().QueryContext(t.Context(), `SELECT hash, `+verifiedCol+` FROM `+r.table+` WHERE email = $1 AND hash <> $2 ORDER BY hash`, email, except)
	if err != nil {
		return 0, err
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
		return 0, err
	}
	for _, e := range all {
		if err := ledgerdb.Exec(t, `DELETE FROM `+r.table+` WHERE hash = $1`, e.hash); err != nil {
			return 0, err
		}
		if !e.verified {
			continue
		}
		if err := t.Event(r.end, r.event(email)); err != nil {
			return 0, err
		}
	}
	return len(all), nil
}
