package ledgerdb

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ParseDSN tells which store dsn names, "sqlite" or "postgres", and the
// target to open: a file name, ":memory:" or a PostgreSQL URL.
func ParseDSN(dsn string) (kind, target string, err error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		target = strings.TrimPrefix(dsn, "sqlite:")
		if target == "" {
			return "", "", fmt.Errorf("ledger: %q names no file: write sqlite:PATH", dsn)
		}
		return "sqlite", target, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "postgres", dsn, nil
	case strings.HasSuffix(dsn, ".db") && !strings.Contains(dsn, "://"):
		return "sqlite", dsn, nil
	case dsn == "":
		return "", "", errors.New("ledger: no ledger given: use sqlite:PATH, PATH.db or postgres://…")
	}
	return "", "", fmt.Errorf("ledger: cannot tell the store of %q: use sqlite:PATH, a path ending .db, or postgres://…", RedactDSN(dsn))
}

// RedactDSN hides a password in a PostgreSQL URL, so that no error or log
// line carries it: the user's password and a password parameter become
// xxxxx, and a URL that does not parse shows only its scheme.
func RedactDSN(dsn string) string {
	scheme, _, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return scheme + "://(unreadable URL)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
