// Package ledgerdb is how licmint's own record keepers (the portal's
// accounts, staff, API tokens, rate limits and outbox) share a ledger's
// database: its reading pool, its writing transactions under the one write
// lock, and its event chain. Of gives a ledger.Ledger's; a program embedding
// licmint has no use for it, hence internal.
package ledgerdb

import (
	"context"
	"database/sql"
	"io"
	"time"
)

// ledgerOf is what package ledger registered: see Of.
var ledgerOf func(ledger any) *DB

// Register is called once, by package ledger as it initialises, with the
// function that gives a *ledger.Ledger's DB. Package ledger imports this
// one, so it hands its database over this way rather than through a
// method, which would let any program write to the ledger's tables
// without the chain.
func Register(of func(ledger any) *DB) { ledgerOf = of }

// Of returns the DB of l, which must be an open *ledger.Ledger.
func Of(l any) *DB { return ledgerOf(l) }

// DB is an open ledger's database as its record keepers use it.
type DB struct {
	// Read is the pool for reads.
	Read *sql.DB
	// Now is the ledger's clock.
	Now func() time.Time
	// Rand is the ledger's randomness.
	Rand io.Reader
	// Numbered tells whether the store's long placeholder lists are
	// numbered ($1, $2…) or not (?, ?…): see InLists.
	Numbered bool
	// Update runs fn in a writing transaction of the ledger, one that may
	// append events to the chain, and commits if fn returns nil.
	Update func(ctx context.Context, fn func(Tx) error) error
	// Locked runs fn in a transaction that holds the write lock and
	// appends no events, for records that are not changes (counters,
	// leases), and commits if fn returns nil.
	Locked func(ctx context.Context, fn func(*sql.Tx) error) error
	// CheckBound compares a row that events bind (accounts, staff,
	// api_tokens) with the event it names, and returns an error wrapping
	// ledger.ErrTampered, recording the refusal, if they differ; a missing
	// row is sql.ErrNoRows.
	CheckBound func(ctx context.Context, table string, key ...any) error
}

// Tx is a writing transaction of the ledger: it holds the write lock, and
// its events follow the chain's head.
type Tx interface {
	// Context is the transaction's context.
	Context() context.Context
	// SQL is the database transaction.
	SQL() *sql.Tx
	// At is the transaction's time, its events' time.
	At() time.Time
	// Actor is who the transaction's events are recorded for.
	Actor() string
	// Event appends an event of kind about no product, with the kind's
	// own fields in data.
	Event(kind string, data any) error
	// BoundEvent is Event for a change to a row that events bind: the
	// event also carries the row's new bound columns, as the transaction
	// has left them, and the row is pointed at the event.
	BoundEvent(kind string, data any, table string, key ...any) error
	// RekeyEvent is BoundEvent for a row whose key the transaction
	// changed from from to key: the event also names the old key, so that
	// the chain no longer has a row under it.
	RekeyEvent(kind string, data any, table string, from []any, key ...any) error
	// MoveLicenses moves every license the account from owns to the
	// account to, each checked against its events and recorded as a move
	// is, and returns how many it moved.
	MoveLicenses(from, to string) (int, error)
}

// Exec runs a statement in t.
func Exec(t Tx, q string, args ...any) error {
	_, err := t.SQL().ExecContext(t.Context(), q, args...)
	return err
}

// FormatTime is a time as the ledger's tables store it.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// B2I is a bool as the ledger's integer columns store it.
func B2I(b bool) int {
	if b {
		return 1
	}
	return 0
}
