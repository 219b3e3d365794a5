package ledger

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"; pure Go, no cgo
)

// The two stores share every query: both take $1 placeholders, ON
// CONFLICT and RETURNING. What differs is here: the schema's types, and how
// a transaction takes the ledger's one write lock.
type store interface {
	name() string
	// lock takes the write lock for the rest of tx.
	lock(ctx context.Context, tx *sql.Tx) error
}

//go:embed migrations
var migrations embed.FS

type sqliteStore struct{}

func (sqliteStore) name() string { return "sqlite" }

// SQLite transactions begin IMMEDIATE (see openSQLite), which takes the
// database's write lock at BEGIN: there is nothing more to do.
func (sqliteStore) lock(context.Context, *sql.Tx) error { return nil }

func openSQLite(file string) (*sql.DB, store, error) {
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
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, nil, err
	}
	if mem {
		db.SetMaxOpenConns(1)
	}
	return db, sqliteStore{}, nil
}

type postgresStore struct{}

func (postgresStore) name() string { return "postgres" }

// writeLockKey is the advisory lock every writing transaction holds, so
// that events form one chain and numbers are handed out once, across
// every host sharing the database. ("licm" in ASCII.)
const writeLockKey = 0x6c69636d

func (postgresStore) lock(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, writeLockKey)
	return err
}

func openPostgres(dsn string) (*sql.DB, store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, nil, err
	}
	return db, postgresStore{}, nil
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

// migrate brings the schema up to date under the write lock, so that two
// processes opening a new ledger at once migrate it once.
func (l *Ledger) migrate(ctx context.Context) error {
	ms, err := migrationsFor(l.store.name())
	if err != nil {
		return err
	}
	return l.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at TEXT    NOT NULL
)`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS ledger_meta (
	key   TEXT NOT NULL PRIMARY KEY,
	value TEXT NOT NULL
)`); err != nil {
			return err
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
		return nil
	})
}

// inTx runs fn in a transaction holding the write lock, and commits if fn
// returns nil.
func (l *Ledger) inTx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if err := l.store.lock(ctx, tx); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
