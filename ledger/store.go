package ledger

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"           // registers "sqlite"; pure Go, no cgo
)

// The two stores share every query: both take $1 placeholders, ON
// CONFLICT and RETURNING. What differs is here: the schema's types, and how
// a transaction takes the ledger's one write lock.
type store interface {
	name() string
	// lock takes the write lock for the rest of tx.
	lock(ctx context.Context, tx *sql.Tx) error
	// numbered tells whether the long placeholder lists of multi-row
	// statements are numbered ($1, $2…) or not (?, ?…).
	numbered() bool
	// prepares tells whether the ledger keeps its writer's statements
	// prepared (stmtCache), for a driver that does not.
	prepares() bool
	// copyRows inserts rows rows of b into its table on conn, within the
	// transaction conn holds, by a bulk path of the store's own, and
	// reports false if the store has none.
	copyRows(ctx context.Context, conn *sql.Conn, b *insertBuf, ncol, rows int) (bool, error)
	// deferSync has the next transaction on conn commit without waiting
	// for the disk, until restore is called.
	deferSync(ctx context.Context, conn *sql.Conn) (restore func() error, err error)
	// deferredRows is how many registrations a RegisterDeferred call
	// records best (Ledger.DeferredRows).
	deferredRows() int
}

//go:embed migrations
var migrations embed.FS

type sqliteStore struct{}

func (sqliteStore) name() string { return "sqlite" }

// A SQLite transaction of 2,048 random registrations dirties more pages
// than the writer's cache holds (writerCacheKiB), which then spill to the
// WAL before the commit writes them again: in batches, 256 rows a
// transaction kept the ratio to signing lower (BENCHMARKS.md).
func (sqliteStore) deferredRows() int { return 256 }

// SQLite looks numbered placeholders up by name, in time that grows with
// their count: thousands of them cost more than the rows.
func (sqliteStore) numbered() bool { return false }

// modernc.org/sqlite parses every statement it is given.
func (sqliteStore) prepares() bool { return true }

// In WAL mode, synchronous=NORMAL writes a commit to the WAL without
// syncing it: the commit survives the process being killed, as the file's
// pages are the operating system's, and a crash of the machine may lose it
// until the WAL is next synced (a checkpoint, or a commit in FULL mode:
// Ledger.Sync). Each commit's fsync took a batch's recorder longer than
// recording the chunk on a busy disk. The connection is FULL otherwise, so
// that nothing else waits on a Sync to be durable.
func (sqliteStore) deferSync(ctx context.Context, conn *sql.Conn) (func() error, error) {
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
		return nil, err
	}
	return func() error {
		// Not ctx: the connection goes back to the pool FULL, or not at
		// all, even when ctx is done.
		_, err := conn.ExecContext(context.Background(), `PRAGMA synchronous = FULL`)
		if err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn }) // discard it
		}
		return err
	}, nil
}

// SQLite runs in the process: a multi-row INSERT is its bulk path.
func (sqliteStore) copyRows(context.Context, *sql.Conn, *insertBuf, int, int) (bool, error) {
	return false, nil
}

// SQLite transactions begin IMMEDIATE (see openSQLite), which takes the
// database's write lock at BEGIN: there is nothing more to do.
func (sqliteStore) lock(context.Context, *sql.Tx) error { return nil }

// openSQLite opens file for reading, through a pool of connections, and
// for writing, through one: SQLite takes one writer at a time anyway, and a
// connection whose writes no other connection interleaves keeps its page
// cache from one transaction to the next instead of reading it again.
func openSQLite(file string) (read, write *sql.DB, _ store, err error) {
	q := url.Values{}
	q.Add("_txlock", "immediate")
	// Writers wait for each other rather than fail at once; WAL lets
	// readers go on while one writes.
	q.Add("_pragma", "busy_timeout(30000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	mem := file == ":memory:"
	if !mem {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	// A file name may carry SQLite's own parameters, such as ?mode=ro.
	sep := "?"
	if strings.Contains(file, "?") {
		sep = "&"
	}
	dsn := "file:" + file + sep + q.Encode()
	if mem {
		// One connection: every connection to :memory: is its own database.
		dsn = "file::memory:?" + q.Encode()
	}
	read, err = sql.Open("sqlite", dsn)
	if err != nil {
		return nil, nil, nil, err
	}
	if mem {
		read.SetMaxOpenConns(1)
		return read, read, sqliteStore{}, nil
	}
	// Readers stay open while idle, as PostgreSQL's connections do: a new
	// one opens the file and reads the schema again.
	read.SetMaxOpenConns(postgresConns)
	read.SetMaxIdleConns(postgresConns)
	// The writer's cache holds the pages a batch's inserts touch
	// (writerCacheKiB).
	write, err = sql.Open("sqlite", dsn+fmt.Sprintf("&_pragma=cache_size(-%d)", writerCacheKiB))
	if err != nil {
		read.Close()
		return nil, nil, nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	return read, write, sqliteStore{}, nil
}

// writerCacheKiB is the page cache of the writing connection: the index
// pages that the rows of a batch land on, spread by their random serials.
const writerCacheKiB = 8 << 10

type postgresStore struct{}

func (postgresStore) name() string { return "postgres" }

func (postgresStore) numbered() bool { return true }

// A PostgreSQL transaction costs round trips whatever its size: eight for
// a batch's chunk, 2.4–2.7 µs of CPU a row at 256 rows on loopback, and
// each a network round trip to a server on another host.
func (postgresStore) deferredRows() int { return MaxBatch }

// A PostgreSQL commit's durability is the server's (synchronous_commit);
// it costs the client a round trip, not a sync.
func (postgresStore) deferSync(context.Context, *sql.Conn) (func() error, error) {
	return func() error { return nil }, nil
}

// pgx prepares and caches each statement text on each connection itself.
func (postgresStore) prepares() bool { return false }

// copyRows sends the rows with COPY, through the pgx connection under
// conn: PostgreSQL took four to five times as long to plan and run a
// chunk's multi-row INSERTs (docs/ledger.md, BENCHMARKS.md). COPY runs
// within the transaction conn holds, as any statement on it would.
func (postgresStore) copyRows(ctx context.Context, conn *sql.Conn, b *insertBuf, ncol, rows int) (bool, error) {
	cols := strings.Split(b.columns, ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("ledger: a PostgreSQL connection of type %T, not pgx's", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{b.table}, cols, pgx.CopyFromSlice(rows, func(i int) ([]any, error) {
			return b.args[i*ncol : (i+1)*ncol], nil
		}))
		return err
	})
	return true, err
}

// writeLockKey is the advisory lock every writing transaction holds, so
// that events form one chain and numbers are handed out once, across
// every host sharing the database. ("licm" in ASCII.)
const writeLockKey = 0x6c69636d

func (postgresStore) lock(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, writeLockKey)
	return err
}

// postgresConns bounds a Ledger's connections to PostgreSQL (and its
// readers of an SQLite file), which it keeps open while idle: a new connection costs the server a process and
// the client a handshake, and with database/sql's default of two idle
// connections a busy portal opened one for most requests. N processes on
// one database need N × postgresConns connections of the server's
// max_connections (100 by default).
const postgresConns = 16

// postgresWriteConns of them are for writing transactions, in a pool of
// their own: each holds its connection while it waits for the write
// lock, so that in one pool a burst of writes (a portal's rate-limit
// counts under a burst of log-ins) took every connection and left every
// read waiting for the burst to end. Writes run one at a time under the
// lock, so a few connections keep the next ones ready.
const postgresWriteConns = 4

func openPostgres(dsn string) (read, write *sql.DB, _ store, err error) {
	read, err = sql.Open("pgx", dsn)
	if err != nil {
		return nil, nil, nil, err
	}
	read.SetMaxOpenConns(postgresConns - postgresWriteConns)
	read.SetMaxIdleConns(postgresConns - postgresWriteConns)
	write, err = sql.Open("pgx", dsn)
	if err != nil {
		read.Close()
		return nil, nil, nil, err
	}
	write.SetMaxOpenConns(postgresWriteConns)
	write.SetMaxIdleConns(postgresWriteConns)
	return read, write, postgresStore{}, nil
}

// ErrSchemaTooNew: the database was migrated by a newer licmint.
var ErrSchemaTooNew = errors.New("ledger: the database's schema is newer than this licmint knows")

type migration struct {
	version int
	name    string
	sql     string
}

// migrationsFor returns the store's embedded migrations in order. Their
// files are NNNN_name.sql; each runs once, in its own transaction.
func migrationsFor(storeName string) ([]migration, error) {
	dir := path.Join("migrations", storeName)
	ents, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range ents {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: no version number", e.Name())
		}
		b, err := migrations.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema this licmint writes.
func SchemaVersion() int {
	ms, _ := migrationsFor("sqlite")
	return len(ms)
}

// bookkeeping makes the tables that every schema version has, on both
// stores: which migrations ran, and the ledger's own settings.
var bookkeeping = []string{`CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at TEXT    NOT NULL
)`, `CREATE TABLE IF NOT EXISTS ledger_meta (
	key   TEXT NOT NULL PRIMARY KEY,
	value TEXT NOT NULL
)`}

// migrate brings the schema up to date under the write lock, so that two
// processes opening a new ledger at once migrate it once.
func (l *Ledger) migrate(ctx context.Context) error {
	ms, err := migrationsFor(l.store.name())
	if err != nil {
		return err
	}
	return l.inConnTx(ctx, false, func(conn *sql.Conn, tx *sql.Tx) error {
		for _, q := range bookkeeping {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		var have int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return err
		}
		if have > len(ms) {
			return fmt.Errorf("%w: it is at version %d and this licmint knows up to %d; use a newer licmint", ErrSchemaTooNew, have, len(ms))
		}
		for _, m := range ms[have:] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, formatTime(l.now())); err != nil {
				return err
			}
		}
		if have < boundSchema && len(ms) >= boundSchema {
			return l.baseline(ctx, conn, tx)
		}
		return nil
	})
}

// inTx runs fn in a transaction holding the write lock, and commits if fn
// returns nil.
func (l *Ledger) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return l.inConnTx(ctx, false, func(_ *sql.Conn, tx *sql.Tx) error { return fn(tx) })
}

// inConnTx is inTx that also hands fn the transaction's connection, for a
// store's bulk path (store.copyRows). If deferred, the commit does not wait
// for the disk (store.deferSync).
//
// A pooled connection may have died while idle (a database restarted): the
// first statement on it then fails, before fn runs and so before anything
// was done. Such a failure is tried again on another connection, as many
// times as the pool has connections; once fn has run, nothing is retried.
func (l *Ledger) inConnTx(ctx context.Context, deferred bool, fn func(*sql.Conn, *sql.Tx) error) error {
	for attempt := 0; ; attempt++ {
		began, err := l.inConnTxOnce(ctx, deferred, fn)
		if err == nil || began || attempt >= postgresWriteConns || ctx.Err() != nil || !errors.Is(err, errConnLost) {
			return err
		}
	}
}

// errConnLost marks a failure on a connection that is no longer usable.
var errConnLost = errors.New("connection lost")

func (l *Ledger) inConnTxOnce(ctx context.Context, deferred bool, fn func(*sql.Conn, *sql.Tx) error) (began bool, err error) {
	conn, err := l.wdb.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	// lost wraps a failure before fn with errConnLost if the connection
	// died of it, or had died before: pgconn marks an error safe to retry
	// when nothing of the statement reached the server.
	lost := func(err error) error {
		if pgconn.SafeToRetry(err) {
			return fmt.Errorf("%w (%w)", err, errConnLost)
		}
		if rerr := conn.Raw(func(dc any) error {
			if v, ok := dc.(driver.Validator); ok && !v.IsValid() {
				return errConnLost
			}
			return nil
		}); errors.Is(rerr, errConnLost) || errors.Is(rerr, driver.ErrBadConn) {
			return fmt.Errorf("%w (%w)", err, errConnLost)
		}
		return err
	}
	if deferred {
		restore, err := l.store.deferSync(ctx, conn)
		if err != nil {
			return false, lost(err)
		}
		defer func() {
			if rerr := restore(); rerr != nil && err == nil {
				err = rerr
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, lost(err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if err := l.store.lock(ctx, tx); err != nil {
		return false, lost(err)
	}
	if err := fn(conn, tx); err != nil {
		return true, err
	}
	return true, tx.Commit()
}
