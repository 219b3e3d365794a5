// Package ledger is the vendor's record of minted Registration Keys,
// licenses, every code issued and a hash-chained event log, kept in SQLite
// or PostgreSQL as docs/ledger.md describes.
package ledger

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/licmint/licmint/internal/ledgerdb"
)

// Ledger is an open ledger. Its methods are safe for concurrent use, also
// by several processes and hosts on one database: every change runs in a
// transaction that holds the ledger's write lock.
type Ledger struct {
	db    *sql.DB // for reads
	wdb   *sql.DB // for writing transactions; may be db
	store store
	now   func() time.Time
	rand  io.Reader
	actor string
	// existingOnly refuses to create a ledger: see ExistingOnly.
	existingOnly bool
	group        group
	stmts        stmtCache
	// readStmts are the reading pool's prepared statements, for the
	// queries a batch runs for every chunk (KeyDays).
	readStmts stmtCache
	// shared is the database as the records kept beside the ledger's
	// use it (DB).
	shared *ledgerdb.DB
}

// An Option configures a Ledger.
type Option func(*Ledger)

// WithNow sets the clock for event times and the default day, time.Now by
// default.
func WithNow(now func() time.Time) Option { return func(l *Ledger) { l.now = now } }

// WithRand sets the randomness that minted serials are drawn from,
// crypto/rand by default.
func WithRand(r io.Reader) Option { return func(l *Ledger) { l.rand = r } }

// WithActor names who the events of this Ledger are recorded for, such as
// "alice@build-7". The default is the user and host name of the process.
func WithActor(actor string) Option { return func(l *Ledger) { l.actor = actor } }

// ErrNoLedger: ExistingOnly was given and there is no ledger to open.
var ErrNoLedger = errors.New("ledger: there is no ledger there")

// ExistingOnly makes Open refuse to create a ledger: a missing SQLite file,
// or a PostgreSQL database without the ledger's tables, is ErrNoLedger
// rather than a new, empty ledger. For commands that only read, where a
// mistyped name must not look like an empty ledger.
func ExistingOnly() Option { return func(l *Ledger) { l.existingOnly = true } }

// defaultActor returns user@host for the running process.
func defaultActor() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return name + "@" + host
}

// Open opens the ledger that dsn names, creating or migrating its schema:
//
//	sqlite:PATH or PATH.db     an SQLite file, created if missing
//	sqlite::memory:            an SQLite ledger in memory, for one process
//	postgres://… postgresql://… a PostgreSQL database
//
// A database whose schema is newer than this program knows is refused with
// ErrSchemaTooNew, never downgraded.
func Open(ctx context.Context, dsn string, opts ...Option) (*Ledger, error) {
	l := &Ledger{now: time.Now, rand: rand.Reader, group: group{token: make(chan struct{}, 1)}}
	for _, o := range opts {
		o(l)
	}
	if l.actor == "" {
		l.actor = defaultActor()
	}
	kind, target, err := ledgerdb.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if l.existingOnly && kind == "sqlite" && target != ":memory:" {
		file, _, _ := strings.Cut(target, "?")
		if _, err := os.Stat(file); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoLedger, err)
		}
	}
	switch kind {
	case "sqlite":
		l.db, l.wdb, l.store, err = openSQLite(target)
	case "postgres":
		l.db, l.wdb, l.store, err = openPostgres(target)
	}
	if err != nil {
		return nil, fmt.Errorf("ledger %s: %w", ledgerdb.RedactDSN(dsn), err)
	}
	if l.existingOnly {
		var n int
		err := l.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
		if err != nil || n == 0 {
			l.Close()
			return nil, fmt.Errorf("%w: %s has no ledger tables", ErrNoLedger, ledgerdb.RedactDSN(dsn))
		}
	}
	if err := l.migrate(ctx); err != nil {
		l.Close()
		return nil, fmt.Errorf("ledger %s: %w", ledgerdb.RedactDSN(dsn), err)
	}
	l.shared = &ledgerdb.DB{Read: l.db, Now: l.now, Rand: l.rand, Numbered: l.store.numbered(), Locked: l.inTx, CheckBound: l.checkBound,
		Update: func(ctx context.Context, fn func(ledgerdb.Tx) error) error {
			return l.update(ctx, func(t *tx) error { return fn(t) })
		}}
	return l, nil
}

// Close closes the database.
func (l *Ledger) Close() error {
	l.stmts.close()
	l.readStmts.close()
	err := l.db.Close()
	if l.wdb != l.db {
		err = errors.Join(err, l.wdb.Close())
	}
	return err
}

// Ping checks that the database answers, and that it takes writes.
func (l *Ledger) Ping(ctx context.Context) error {
	return l.update(ctx, func(*tx) error { return nil })
}

// The records that licmint's own packages keep beside the ledger's (the
// portal's accounts, staff, tokens and outbox) reach the ledger's
// database, transactions and event chain through ledgerdb.Of; a program
// embedding licmint has neither need nor way to.
func init() {
	ledgerdb.Register(func(l any) *ledgerdb.DB { return l.(*Ledger).shared })
}

// Store names the kind of database: "sqlite" or "postgres".
func (l *Ledger) Store() string { return l.store.name() }
