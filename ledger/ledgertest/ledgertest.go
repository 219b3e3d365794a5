// Package ledgertest gives tests and benchmarks of the ledger, and of what
// is built on it, a PostgreSQL database of their own.
package ledgertest

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
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
