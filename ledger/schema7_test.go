package ledger_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger"
)

// Registering a key changes its state alone (schema 7): its license column
// stays NULL, its own serial, so that PostgreSQL updates the row in place
// (HOT) rather than adding an entry to each of the table's indexes; and on
// SQLite the batch's tables are stored in their primary keys' B-trees.
func TestRegisterKeysInPlace(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l, s := open(t, dsn), testSigner(t)
		keys := mint(t, l, ledger.MintRequest{Count: 600})
		regs := make([]ledger.Registration, len(keys))
		for i, k := range keys {
			regs[i] = reg(t, s, k, "standard", "")
		}
		if _, err := l.RegisterDeferred(ctx, regs); err != nil {
			t.Fatal(err)
		}
		rk, err := l.RegistrationKey(ctx, keys[0])
		if err != nil || rk.State != ledger.StateRegistered || rk.License != keys[0].Serial {
			t.Fatalf("key %s: %+v %v, want registered to its own serial", keys[0], rk, err)
		}
		db := rawDB(t, dsn)
		var withLicense int
		if err := db.QueryRow(`SELECT COUNT(*) FROM registration_keys WHERE license IS NOT NULL`).Scan(&withLicense); err != nil || withLicense != 0 {
			t.Errorf("%d keys name a license, want none: %v", withLicense, err)
		}
		if kind, _, _ := ledgerdb.ParseDSN(dsn); kind == "sqlite" {
			for _, table := range []string{"registration_keys", "licenses", "codes"} {
				var wr int
				if err := db.QueryRow(`SELECT wr FROM pragma_table_list WHERE name = $1`, table).Scan(&wr); err != nil || wr != 1 {
					t.Errorf("%s: without rowid %d, %v; want 1", table, wr, err)
				}
			}
			return
		}
		// A backend sends its counts when it ends.
		l.Close()
		var upd, hot int
		for range 50 {
			err := db.QueryRow(`SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'registration_keys' AND schemaname = current_schema()`).Scan(&upd, &hot)
			if err != nil && err != sql.ErrNoRows {
				t.Fatal(err)
			}
			if upd >= len(keys) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if upd != len(keys) || hot != upd {
			t.Errorf("registration_keys: %d updates, %d of them HOT; want %d, all HOT", upd, hot, len(keys))
		}
	})
}

// A ledger at schema 6 keeps its keys through migration 7: a license key
// registered to its own serial is read as before, and a renewal key still
// names the license it renewed.
func TestMigrateKeysFrom6(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		kind, _, _ := ledgerdb.ParseDSN(dsn)
		db := rawDB(t, dsn)
		if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join("migrations", kind, "000[1-6]_*.sql"))
		if err != nil || len(files) != 6 {
			t.Fatalf("migrations 1 to 6: %v %v", files, err)
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
		lic, _ := formats.NewRegistrationKey(pc, false, 1001)
		ren, _ := formats.NewRegistrationKey(pc, false, 2002)
		for _, k := range []struct {
			rk      formats.RegistrationKey
			purpose string
		}{{lic, "license"}, {ren, "renewal"}} {
			if _, err := db.Exec(`INSERT INTO registration_keys (product, serial, rk, trial, edition, days, purpose, order_ref, customer, state, license, minted_at, minted_by)
VALUES ($1, $2, $3, 0, 'standard', 0, $4, '', '', 'registered', 1001, '2027-01-01T00:00:00Z', 'x')`, pc.String(), int64(k.rk.Serial), k.rk.String(), k.purpose); err != nil {
				t.Fatal(err)
			}
		}
		l := open(t, dsn)
		for _, k := range []formats.RegistrationKey{lic, ren} {
			rk, err := l.RegistrationKey(ctx, k)
			if err != nil || rk.State != ledger.StateRegistered || rk.License != 1001 {
				t.Errorf("%s after migration 7: %+v %v, want registered to 1001", k, rk, err)
			}
		}
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM registration_keys WHERE license IS NULL`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d keys with a NULL license, want the license key's alone: %v", n, err)
		}
	})
}
