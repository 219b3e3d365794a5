// Package ledgertest gives tests and benchmarks of the ledger, and of what
// is built on it, a PostgreSQL database of their own.
package ledgertest

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/licmint/licmint/internal/ledgerdb"
)

// PostgresEnv names the variable holding a PostgreSQL URL for tests;
// .ci/run starts a throwaway cluster and sets it, so that CI runs every
// test on both stores.
const PostgresEnv = "LICMINT_TEST_POSTGRES"

var schemaSeq = rand.New(rand.NewPCG(uint64(os.Getpid()), 7))

// PostgresDSN returns a URL for a new, empty schema in the database that
// PostgresEnv names, dropped when t ends; it skips t when the variable is
// not set.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("no PostgreSQL: set %s to a database URL (.ci/run does) to run this on PostgreSQL", PostgresEnv)
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("t%d_%d", os.Getpid(), schemaSeq.Uint32())
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		db.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	// A startup option that psql takes too, unlike search_path.
	return base + sep + "options=-csearch_path%3D" + schema
}

// Rewrite recomputes every event's prev_hash and hash in db from the
// stored bodies, as someone who edited an event and can write to the
// database would, so that the chain alone verifies again. With
// forgeCheckpoints it also rewrites the head hash each checkpoint event
// signs to the new one, leaving its signature, which then fails.
func Rewrite(t testing.TB, db *sql.DB, forgeCheckpoints bool) {
	t.Helper()
	rows, err := db.Query(`SELECT seq, body FROM events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	type event struct {
		seq  int64
		body string
	}
	var evs []event
	for rows.Next() {
		var e event
		if err := rows.Scan(&e.seq, &e.body); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatal(err)
	}
	const member = `"head_hash":"`
	var prev [32]byte
	for _, e := range evs {
		if i := strings.Index(e.body, member); forgeCheckpoints && i > 0 {
			i += len(member)
			e.body = e.body[:i] + hex.EncodeToString(prev[:]) + e.body[i+64:]
		}
		h := sha256.Sum256(append(prev[:], e.body...))
		if _, err := db.Exec(`UPDATE events SET prev_hash = $1, hash = $2, body = $3 WHERE seq = $4`,
			hex.EncodeToString(prev[:]), hex.EncodeToString(h[:]), e.body, e.seq); err != nil {
			t.Fatal(err)
		}
		prev = h
	}
}

// DB opens the database of the ledger dsn names directly, as someone with
// access to it could, closed when t ends.
func DB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	kind, target, err := ledgerdb.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[kind], target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
