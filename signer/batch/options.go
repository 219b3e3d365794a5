package batch

import (
	"context"
	"runtime"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
)

// An Option configures Run.
type Option func(*config)

type config struct {
	jwt      bool
	workers  int
	progress func(rows int, inputBytes int64)
	prepare  func(ctx context.Context, regs []*signer.Registration) ([]error, error)
	record   func(ctx context.Context, rows []SignedRow) error
	// recordRows is how many rows the writer may gather for one call of
	// record; chunkRows or fewer means a chunk's.
	recordRows int
	done       func(ctx context.Context) error
}

// WithJWT adds a jwt column with each code's JWT license token
// (signer.Signer.SignToken), whose claims carry the row's customer fields.
func WithJWT() Option { return func(c *config) { c.jwt = true } }

// WithWorkers sets the number of signing goroutines; the default, and any
// n below 1, is GOMAXPROCS.
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithProgress has f called, from one goroutine, as rows are written, with
// the rows written so far and the input bytes read.
func WithProgress(f func(rows int, inputBytes int64)) Option {
	return func(c *config) { c.progress = f }
}

// WithPrepare has f see each chunk's registrations before they are signed,
// from the signing goroutines; it may fill in their terms, and a non-nil
// error in its first result fails that row. An error in its second stops
// the batch, as the Record function's does. An issuance ledger uses it to
// apply the terms a key was sold with, and stops the batch when it cannot
// read them.
func WithPrepare(f func(ctx context.Context, regs []*signer.Registration) ([]error, error)) Option {
	return func(c *config) { c.prepare = f }
}

// WithRecord has f see the signed rows in input order, from one goroutine,
// before they are written: it may fail a row, or give it the code already
// on record, by setting the row's Err or Code and JWT. An error f returns
// stops the batch. An issuance ledger uses it to record each code before
// the output shows it.
func WithRecord(f func(ctx context.Context, rows []SignedRow) error) Option {
	return func(c *config) { c.record = f }
}

// WithRecordRows has the writer hand the Record function up to n rows at
// once, from consecutive chunks that are ready together, rather than one
// chunk's 256 at most. An issuance ledger on PostgreSQL asks for more,
// as each call is a commit that costs round trips whatever its size.
// At most MaxRecordRows.
func WithRecordRows(n int) Option {
	return func(c *config) { c.recordRows = min(n, MaxRecordRows) }
}

// MaxRecordRows bounds WithRecordRows: the rows it gathers are held in
// memory.
const MaxRecordRows = 8192

// WithDone has f called once, after the last row is recorded and written
// and before Run returns; an error from it is Run's error. An issuance
// ledger uses it to make what it recorded durable (ledger.Ledger.Sync).
func WithDone(f func(ctx context.Context) error) Option {
	return func(c *config) { c.done = f }
}

// A SignedRow is a signed registration, as WithRecord's function sees it.
type SignedRow struct {
	Line         int
	Registration *signer.Registration
	Code         formats.ActivationCode
	JWT          string
	// Err, set by the Record function, fails the row: its code is not
	// written.
	Err error
}

// newConfig applies opts to the defaults.
func newConfig(opts []Option) config {
	var o config
	for _, opt := range opts {
		opt(&o)
	}
	if o.workers <= 0 {
		o.workers = runtime.GOMAXPROCS(0)
	}
	return o
}
