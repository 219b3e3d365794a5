package batch

import (
	"context"
	"runtime"

	"github.com/licmint/licmint/signer"
)

// An Option configures Run.
type Option func(*config)

type config struct {
	jwt      bool
	workers  int
	progress func(rows int, inputBytes int64)
	prepare  func(ctx context.Context, regs []*signer.Registration) ([]error, error)
	record   func(ctx context.Context, rows []signedRow) error
	// prepare, record, recordRows and done are a Recorder's. recordRows
	// is how many rows the writer may gather for one call of record;
	// chunkRows or fewer means a chunk's.
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
