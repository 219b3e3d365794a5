package ledger

import "database/sql"

// HoldWriter takes the token of l's group of registrations, as a running
// transaction holds it, until release: the calls made meanwhile wait, and
// Joined counts them.
func HoldWriter(l *Ledger) (release func()) {
	l.group.token <- struct{}{}
	return func() { <-l.group.token }
}

func Joined(l *Ledger) int {
	l.group.mu.Lock()
	defer l.group.mu.Unlock()
	return len(l.group.pending)
}

// ReadStats returns the statistics of l's pool of reading connections.
func ReadStats(l *Ledger) sql.DBStats { return l.db.Stats() }

// WriteStats returns the statistics of l's pool of writing connections.
func WriteStats(l *Ledger) sql.DBStats { return l.wdb.Stats() }

// PostgresConns bounds a Ledger's connections (postgresConns).
const PostgresConns = postgresConns

// A BoundTable is a table whose rows the event chain binds, as the tamper
// tests and the documentation test read boundTables.
type BoundTable struct {
	Name    string
	Key     []string
	Columns []BoundColumn
}

// A BoundColumn is one column the chain binds, and how it is stored:
// "text", "int", "null int", "null text" or "blob".
type BoundColumn struct{ Name, Type string }

func BoundTables() []BoundTable {
	types := map[colType]string{colText: "text", colInt: "int", colNullInt: "null int", colNullText: "null text", colBlob: "blob"}
	var out []BoundTable
	for _, bt := range boundTables {
		t := BoundTable{Name: bt.name, Key: bt.key}
		for _, c := range bt.cols {
			t.Columns = append(t.Columns, BoundColumn{Name: c.name, Type: types[c.typ]})
		}
		out = append(out, t)
	}
	return out
}
