package ledger

import (
	"context"
	"database/sql"
	"slices"
	"sync"
)

// stmtCache keeps the writer's prepared statements, by their text, for a
// store whose driver does not (SQLite: pgx keeps its own per connection).
// Parsing a chunk's multi-row INSERTs again for every chunk cost SQLite a
// sixth of recording it. The texts are few: flush and ledgerdb.InLists send rows and
// serials in power-of-two groups.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
	// missed are texts run unprepared in a transaction, to prepare once
	// the writer's one connection is free again.
	missed []string
	closed bool
}

// maxStmts bounds the cache: a text beyond it is parsed each time.
const maxStmts = 256

// lookup returns q's statement, or nil, noting q to be prepared later.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[q]; ok {
		return s
	}
	if !c.closed && len(c.m)+len(c.missed) < maxStmts && !slices.Contains(c.missed, q) {
		c.missed = append(c.missed, q)
	}
	return nil
}

// prepareMissed prepares the texts looked up in vain, on db. It runs
// outside any transaction: the writer's pool has one connection, which a
// transaction holds, so a statement cannot be prepared for the pool from
// within one. A text that fails to prepare is left to be parsed each time.
func (c *stmtCache) prepareMissed(ctx context.Context, db *sql.DB) {
	c.mu.Lock()
	missed := c.missed
	c.missed = nil
	c.mu.Unlock()
	// Not under mu: preparing waits for the connection, which another
	// goroutine's transaction may hold while it looks statements up.
	for _, q := range missed {
		s, err := db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, ok := c.m[q]; ok || c.m == nil && c.closed {
			s.Close()
		} else {
			if c.m == nil {
				c.m = make(map[string]*sql.Stmt)
			}
			c.m[q] = s
		}
		c.mu.Unlock()
	}
}

// prepared returns q's statement for db, preparing it now if it is not
// cached: for the reading pool, whose connections are free to prepare on
// at any time. It returns nil, and the caller runs q unprepared, when the
// cache is full or closed or q does not prepare.
func (c *stmtCache) prepared(ctx context.Context, db *sql.DB, q string) *sql.Stmt {
	c.mu.Lock()
	s, ok := c.m[q]
	full := c.closed || len(c.m) >= maxStmts
	c.mu.Unlock()
	if ok || full {
		return s
	}
	s, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[q]; ok || c.closed {
		// Another goroutine cached it first, or the ledger closed.
		s.Close()
		return old
	}
	if c.m == nil {
		c.m = make(map[string]*sql.Stmt)
	}
	c.m[q] = s
	return s
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		s.Close()
	}
	c.m, c.closed = nil, true
}

// execW runs a writing statement in the transaction, prepared once per
// writer connection where the store wants that.
func (t *tx) execW(q string, args ...any) (sql.Result, error) {
	if s := t.cached(q); s != nil {
		return s.ExecContext(t.ctx, args...)
	}
	return t.sql.ExecContext(t.ctx, q, args...)
}

// queryW is execW for a query.
func (t *tx) queryW(q string, args ...any) (*sql.Rows, error) {
	if s := t.cached(q); s != nil {
		return s.QueryContext(t.ctx, args...)
	}
	return t.sql.QueryContext(t.ctx, q, args...)
}

// cached returns q's prepared statement bound to the transaction, or nil.
// A statement bound by Tx.StmtContext is closed with the transaction, and
// its preparation on the connection is kept by its parent for the next.
func (t *tx) cached(q string) *sql.Stmt {
	if !t.l.store.prepares() {
		return nil
	}
	s := t.l.stmts.lookup(q)
	if s == nil {
		return nil
	}
	return t.sql.StmtContext(t.ctx, s)
}

// readStmt returns q prepared for the reading pool where the store wants
// statements prepared (prepares), or nil.
func (l *Ledger) readStmt(ctx context.Context, q string) *sql.Stmt {
	if !l.store.prepares() {
		return nil
	}
	return l.readStmts.prepared(ctx, l.db, q)
}
