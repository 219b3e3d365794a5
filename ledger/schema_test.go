package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger/ledgertest"
)

// The migrations are written once for each store. After every one of
// them, the two schemas must agree: the same tables, the same columns with
// types of the same kind and the same nullability, and the same indexes by
// name, so that one store's migration cannot drift from the other's.
func TestSchemasAgree(t *testing.T) {
	ctx := context.Background()
	pgDSN := ledgertest.PostgresDSN(t) // skips without PostgreSQL
	lite, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "schema.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	lite.SetMaxOpenConns(1)
	pg, err := sql.Open("pgx", pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	pg.SetMaxOpenConns(1)
	sms, err := migrationsFor("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pms, err := migrationsFor("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(sms) != len(pms) {
		t.Fatalf("%d migrations for SQLite, %d for PostgreSQL", len(sms), len(pms))
	}
	for _, db := range []*sql.DB{lite, pg} {
		for _, q := range bookkeeping {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range sms {
		if sms[i].name != pms[i].name {
			t.Errorf("migration %d is %s on SQLite, %s on PostgreSQL", i+1, sms[i].name, pms[i].name)
		}
		if _, err := lite.ExecContext(ctx, sms[i].sql); err != nil {
			t.Fatalf("SQLite %s: %v", sms[i].name, err)
		}
		if _, err := pg.ExecContext(ctx, pms[i].sql); err != nil {
			t.Fatalf("PostgreSQL %s: %v", pms[i].name, err)
		}
		s, p := sqliteSchema(t, lite), postgresSchema(t, pg)
		if len(s.columns) == 0 || len(s.indexes) == 0 {
			t.Fatalf("after %s SQLite has %d columns and %d indexes", sms[i].name, len(s.columns), len(s.indexes))
		}
		if d := diffSchemas(s, p); d != "" {
			t.Errorf("after %s the schemas differ (SQLite, PostgreSQL):\n%s", sms[i].name, d)
		}
	}
}

// schema lists a database's tables' columns as "table.column kind
// null|not null" and its indexes as "index on table".
type schema struct{ columns, indexes []string }

// typeKind is the kind of a column's declared type: what the ledger reads
// it as, whatever each store calls it.
func typeKind(t *testing.T, typ string) string {
	switch strings.ToLower(typ) {
	case "integer", "int", "bigint", "smallint", "bigserial", "serial":
		return "integer"
	case "text", "character varying", "varchar":
		return "text"
	case "blob", "bytea":
		return "blob"
	case "boolean", "bool":
		return "bool"
	case "timestamp", "timestamptz", "timestamp with time zone", "timestamp without time zone":
		return "time"
	}
	t.Errorf("a column of type %q, of no kind this test knows", typ)
	return typ
}

func nullText(notNull bool) string {
	if notNull {
		return "not null"
	}
	return "null"
}

func sqliteSchema(t *testing.T, db *sql.DB) schema {
	var s schema
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) (n string, err error) { return n, sc.Scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		rows, err := db.Query(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) (string, error) {
			var name, typ string
			var notNull, pk int
			err := sc.Scan(&name, &typ, &notNull, &pk)
			// A primary key's columns are NOT NULL on PostgreSQL always,
			// and on SQLite in a WITHOUT ROWID table: as the ledger
			// writes them, never NULL.
			return fmt.Sprintf("%s.%s %s %s", table, name, typeKind(t, typ), nullText(notNull != 0 || pk != 0)), err
		})
		if err != nil {
			t.Fatal(err)
		}
		s.columns = append(s.columns, cols...)
	}
	// Indexes SQLite makes for a PRIMARY KEY or UNIQUE constraint are
	// sqlite_autoindex_…; PostgreSQL's for them are left out there too.
	rows, err = db.Query(`SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		t.Fatal(err)
	}
	if s.indexes, err = ledgerdb.ScanAll(rows, scanIndex); err != nil {
		t.Fatal(err)
	}
	return s
}

func scanIndex(sc ledgerdb.Scanner) (string, error) {
	var name, table string
	err := sc.Scan(&name, &table)
	return name + " on " + table, err
}

func postgresSchema(t *testing.T, db *sql.DB) schema {
	var s schema
	rows, err := db.Query(`SELECT c.table_name, c.column_name, c.data_type, c.is_nullable
FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	s.columns, err = ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) (string, error) {
		var table, name, typ, nullable string
		err := sc.Scan(&table, &name, &typ, &nullable)
		return fmt.Sprintf("%s.%s %s %s", table, name, typeKind(t, typ), nullText(nullable == "NO")), err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err = db.Query(`SELECT i.relname, r.relname FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class r ON r.oid = x.indrelid JOIN pg_namespace n ON n.oid = r.relnamespace
WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`)
	if err != nil {
		t.Fatal(err)
	}
	if s.indexes, err = ledgerdb.ScanAll(rows, scanIndex); err != nil {
		t.Fatal(err)
	}
	return s
}

// diffSchemas lists what one schema has and the other lacks, one line
// each: "-" for SQLite's, "+" for PostgreSQL's.
func diffSchemas(a, b schema) string {
	var out []string
	diff := func(x, y []string) {
		for _, v := range x {
			if !slices.Contains(y, v) {
				out = append(out, "- "+v)
			}
		}
		for _, v := range y {
			if !slices.Contains(x, v) {
				out = append(out, "+ "+v)
			}
		}
	}
	diff(a.columns, b.columns)
	diff(a.indexes, b.indexes)
	slices.Sort(out)
	return strings.Join(out, "\n")
}
