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
