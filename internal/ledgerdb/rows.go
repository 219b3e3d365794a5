package ledgerdb

import (
	"database/sql"
	"math/bits"
	"strconv"
	"strings"
)

// Scanner is a row to scan: *sql.Row or *sql.Rows.
type Scanner = interface{ Scan(dest ...any) error }

// EachRow calls fn for each of rows, closes them, and returns the first
// error: fn's, or the one that ended the rows.
func EachRow(rows *sql.Rows, fn func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ScanAll returns every row of rows as scan reads it, and closes rows.
func ScanAll[T any](rows *sql.Rows, scan func(Scanner) (T, error)) ([]T, error) {
	var out []T
	err := EachRow(rows, func(r *sql.Rows) error {
		v, err := scan(r)
		if err == nil {
			out = append(out, v)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListPage bounds the values one IN (…) list holds: a power of two, as
// InLists pads a shorter list to one.
const ListPage = 512

// InLists calls fn for pages of vals with the text that matches a column
// against them and its arguments, after $1: for PostgreSQL (numbered)
// "= ANY($2)" and the page as one array, since a cached statement's
// generic plan for "IN ($2, $3, …)" searches the index by $1 alone and
// filters every row of it; for SQLite "IN (?, ?, …)".
func InLists(numbered bool, vals []int64, fn func(match string, args []any) error) error {
	var ph strings.Builder
	for start := 0; start < len(vals); start += ListPage {
		part := vals[start:min(start+ListPage, len(vals))]
		if numbered {
			if err := fn("= ANY($2)", []any{part}); err != nil {
				return err
			}
			continue
		}
		// Padded to a power of two with the last value, which matches
		// nothing more: the statement's text is then one of a few, each
		// parsed once (the ledger's statement cache).
		args := make([]any, 1<<bits.Len(uint(len(part)-1)))
		for i := range args {
			args[i] = part[min(i, len(part)-1)]
		}
		ph.Reset()
		ph.WriteString("IN ")
		WritePlaceholders(&ph, false, 2, 1, len(args))
		if err := fn(ph.String(), args); err != nil {
			return err
		}
	}
	return nil
}

// WritePlaceholders writes rows groups of ncol placeholders, numbered from
// first, ($1,$2),($3,$4), or not, (?,?),(?,?).
func WritePlaceholders(q *strings.Builder, numbered bool, first, rows, ncol int) {
	var num [20]byte
	p := first
	for r := range rows {
		if r > 0 {
			q.WriteByte(',')
		}
		q.WriteByte('(')
		for c := range ncol {
			if c > 0 {
				q.WriteByte(',')
			}
			if !numbered {
				q.WriteByte('?')
				continue
			}
			q.WriteByte('$')
			q.Write(strconv.AppendInt(num[:0], int64(p), 10))
			p++
		}
		q.WriteByte(')')
	}
}
