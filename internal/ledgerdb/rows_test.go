package ledgerdb

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func TestScanAll(t *testing.T) {
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// One connection: rows left open would hold it, and the next query wait.
	db.SetMaxOpenConns(1)
	query := func() *sql.Rows {
		t.Helper()
		// The deadline turns rows left open (the next query waiting for
		// the one connection) into a failure, not a hang. It must outlive
		// the rows: a context cancelled while they are read closes them.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		t.Cleanup(cancel)
		rows, err := db.QueryContext(ctx, `SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3`)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	scanInt := func(sc Scanner) (n int, err error) { return n, sc.Scan(&n) }
	got, err := ScanAll(query(), scanInt)
	if err != nil || !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("ScanAll = %v, %v", got, err)
	}
	bad := errors.New("bad row")
	got, err = ScanAll(query(), func(sc Scanner) (int, error) {
		n, err := scanInt(sc)
		if n == 2 {
			err = bad
		}
		return n, err
	})
	if !errors.Is(err, bad) || got != nil {
		t.Fatalf("ScanAll with a bad row = %v, %v", got, err)
	}
	// The rows were closed: the one connection is free again.
	if err := EachRow(query(), func(*sql.Rows) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestInLists(t *testing.T) {
	vals := make([]int64, ListPage+3)
	for i := range vals {
		vals[i] = int64(i)
	}
	for _, numbered := range []bool{false, true} {
		var seen []int64
		var matches []string
		err := InLists(numbered, vals, func(match string, args []any) error {
			matches = append(matches, match)
			if numbered {
				seen = append(seen, args[0].([]int64)...)
				return nil
			}
			// A short page is padded with its last value, to a power of two.
			if n := len(args); n&(n-1) != 0 {
				t.Errorf("a page of %d values", n)
			}
			for _, a := range args {
				if v := a.(int64); !slices.Contains(seen, v) {
					seen = append(seen, v)
				}
			}
			return nil
		})
		if err != nil || !slices.Equal(seen, vals) || len(matches) != 2 {
			t.Fatalf("numbered %v: %d pages, %d values, %v", numbered, len(matches), len(seen), err)
		}
		if want := "IN (?,"; !numbered && !strings.HasPrefix(matches[1], want) || numbered && matches[0] != "= ANY($2)" {
			t.Errorf("numbered %v: matches %.20q", numbered, matches)
		}
	}
}
