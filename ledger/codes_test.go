package ledger_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger"
)

// codeIndexes returns the names of the codes table's indexes.
func codeIndexes(t *testing.T, dsn string) []string {
	t.Helper()
	db := rawDB(t, dsn)
	// pragma_index_list, not sqlite_master: a WITHOUT ROWID table's
	// primary key (schema 7) is the table itself, listed here only.
	q := `SELECT name FROM pragma_index_list('codes') ORDER BY name`
	if kind, _, _ := ledgerdb.ParseDSN(dsn); kind == "postgres" {
		q = `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'codes' ORDER BY indexname`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	names, err := ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) (n string, err error) { return n, sc.Scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// Every row a batch records lands on a random page of each index on a
// code's text: the codes table keeps its primary key alone (schema 6),
// and a short form, however typed, is found through it.
func TestCodesPrimaryKeyOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l, s := open(t, dsn), testSigner(t)
		keys := mint(t, l, ledger.MintRequest{Count: 1})
		got := register(t, l, reg(t, s, keys[0], "standard", ""))
		if idx := codeIndexes(t, dsn); len(idx) != 1 || !strings.Contains(idx[0], "codes_") {
			t.Errorf("codes indexes: %v, want the primary key's alone", idx)
		}
		short := got.Code.Code[:formats.ShortLen]
		typed := strings.ToLower(strings.ReplaceAll(short, "-", " "))
		hs, err := l.Find(ctx, ledger.Query{ShortForm: typed})
		if err != nil || len(hs) != 1 || hs[0].License.Serial != keys[0].Serial {
			t.Fatalf("find by %q: %v %v", typed, hs, err)
		}
		// The short form of a code never issued finds nothing.
		other := got.Code.Code[:formats.ShortLen-5] + "00000"
		if c, err := formats.ParseActivationCode(got.Code.Code); err == nil {
			c.Expires++
			other = c.ShortForm()
		}
		if hs, err := l.Find(ctx, ledger.Query{ShortForm: other}); err != nil || len(hs) != 0 {
			t.Fatalf("find by another code's short form: %v %v", hs, err)
		}
		if _, err := l.Find(ctx, ledger.Query{ShortForm: "PC-2082"}); err == nil {
			t.Fatal("find by a partial short form: no error")
		}
	})
}

// A ledger at schema 4 keeps its codes through migration 5.
func TestMigrateCodesFrom4(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		kind, _, _ := ledgerdb.ParseDSN(dsn)
		db := rawDB(t, dsn)
		if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join("migrations", kind, "000[1-4]_*.sql"))
		if err != nil || len(files) != 4 {
			t.Fatalf("migrations 1 to 4: %v %v", files, err)
		}
		slices.Sort(files)
		for i, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(string(b)); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if _, err := db.Exec(`INSERT INTO schema_migrations VALUES ($1, $2, 'x')`, i+1, filepath.Base(f)); err != nil {
				t.Fatal(err)
			}
		}
		if len(codeIndexes(t, dsn)) != 3 {
			t.Fatalf("schema 4's codes indexes: %v", codeIndexes(t, dsn))
		}
		for i, code := range []string{"PC-CODE-A", "PC-CODE-B"} {
			if _, err := db.Exec(`INSERT INTO codes (product, serial, generation, issued, expires, short_form, code, jwt, event)
VALUES ('PC', 42, $1, 2600, 2965, $2, $3, '', $4)`, i, code[:7], code, i+1); err != nil {
				t.Fatal(err)
			}
		}
		open(t, dsn)
		rows, err := db.QueryContext(ctx, `SELECT generation, short_form, code, event FROM codes ORDER BY generation`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) (string, error) {
			var gen, event int
			var short, code string
			err := sc.Scan(&gen, &short, &code, &event)
			return strings.Join([]string{string(rune('0' + gen)), short, code, string(rune('0' + event))}, " "), err
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"0 PC-CODE PC-CODE-A 1", "1 PC-CODE PC-CODE-B 2"}; !slices.Equal(got, want) {
			t.Fatalf("codes after migration 5: %q, want %q", got, want)
		}
		if idx := codeIndexes(t, dsn); len(idx) != 1 {
			t.Fatalf("codes indexes after migration 5: %v", idx)
		}
	})
}
