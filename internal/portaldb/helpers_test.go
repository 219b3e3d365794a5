package portaldb_test

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
)

var (
	day0  = time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	clock = func() time.Time { return day0 }
)

// eachStore runs f against a new, empty ledger on SQLite and, when
// ledgertest.PostgresEnv is set, on PostgreSQL.
func eachStore(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, "sqlite:"+filepath.Join(t.TempDir(), "ledger.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, ledgertest.PostgresDSN(t))
	})
}

func open(t testing.TB, dsn string, opts ...ledger.Option) *ledger.Ledger {
	t.Helper()
	opts = append([]ledger.Option{ledger.WithNow(clock), ledger.WithActor("tester@test"),
		ledger.WithRand(rand.NewChaCha8([32]byte{1}))}, opts...)
	l, err := ledger.Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func verifyChain(t testing.TB, l *ledger.Ledger) ledger.Head {
	t.Helper()
	h, err := l.Verify(context.Background())
	if err != nil {
		t.Fatalf("chain: %v", err)
	}
	return h
}

func rawDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	kind, target, _ := ledgerdb.ParseDSN(dsn)
	driver := map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[kind]
	db, err := sql.Open(driver, target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
