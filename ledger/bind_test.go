package ledger

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestBoundColumnsDocumented holds docs/ledger.md's "What the chain binds"
// to boundTables: its table of bound columns is boundTables, and every
// other table and column of the schema is a key or is listed as left
// outside.
func TestBoundColumnsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "ledger.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## What the chain binds\n")
	if !ok {
		t.Fatal(`docs/ledger.md has no section "What the chain binds"`)
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	names := regexp.MustCompile("`([a-z_.]+)`")
	cells := func(s string) []string {
		var out []string
		for _, m := range names.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		return out
	}
	documented := map[string][2][]string{} // table → key, columns
	outside := map[string]bool{}           // table or table.column
	for _, line := range strings.Split(section, "\n") {
		f := strings.Split(line, "|")
		if len(f) < 4 || !strings.HasPrefix(strings.TrimSpace(f[1]), "`") {
			continue
		}
		if len(f) == 5 { // | table | key | columns |
			documented[cells(f[1])[0]] = [2][]string{cells(f[2]), cells(f[3])}
			continue
		}
		// | left outside | why |: tables, and table.column.
		for _, n := range cells(f[1]) {
			outside[n] = true
		}
	}
	if len(documented) != len(boundTables) {
		t.Errorf("docs list %d bound tables, the ledger binds %d", len(documented), len(boundTables))
	}
	for _, bt := range boundTables {
		d, ok := documented[bt.name]
		var cols []string
		for _, c := range bt.cols {
			cols = append(cols, c.name)
		}
		if !ok || !slices.Equal(d[0], bt.key) || !slices.Equal(d[1], cols) {
			t.Errorf("docs list %s as key %v, columns %v; the ledger binds key %v, columns %v", bt.name, d[0], d[1], bt.key, cols)
		}
	}
	l, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rows, err := l.db.Query(`SELECT m.name, p.name FROM sqlite_schema m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		if outside[table] || outside[table+"."+col] {
			continue
		}
		d, ok := documented[table]
		if !ok {
			t.Errorf("table %s is neither bound nor listed as left outside in docs/ledger.md", table)
			continue
		}
		if !slices.Contains(d[0], col) && !slices.Contains(d[1], col) {
			t.Errorf("column %s.%s is neither bound nor listed as left outside in docs/ledger.md", table, col)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
