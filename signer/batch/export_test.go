package batch

import (
	"context"

	"github.com/licmint/licmint/signer"
)

// The tests set a Recorder's parts one at a time, as functions.

type SignedRow = signedRow

func WithPrepare(f func(ctx context.Context, regs []*signer.Registration) ([]error, error)) Option {
	return func(c *config) { c.prepare = f }
}

func WithRecord(f func(ctx context.Context, rows []SignedRow) error) Option {
	return func(c *config) { c.record = f }
}

func WithRecordRows(n int) Option {
	return func(c *config) { c.recordRows = min(n, maxRecordRows) }
}

func WithDone(f func(ctx context.Context) error) Option {
	return func(c *config) { c.done = f }
}
