package batch

import (
	"context"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
)

// A Recorder keeps the record of the codes a batch signs, as an issuance
// ledger does (issuance.Service.BatchRecorder). Its methods take types of
// packages signer and formats only, so that a recorder need not import
// this package.
type Recorder interface {
	// Prepare sees each chunk's registrations before they are signed, from
	// the signing goroutines. It may fill in their terms, as a ledger does
	// with the terms a key was sold with; a non-nil error in its first
	// result fails that row. An error in its second stops the batch, as
	// when a ledger cannot read those terms.
	Prepare(ctx context.Context, regs []*signer.Registration) ([]error, error)
	// Record sees the signed rows in input order, from one goroutine,
	// before they are written, but for a row whose Registration Key an
	// earlier row had: codes[i] and jwts[i] are regs[i]'s, and it may set
	// them to the code already on record. A non-nil error in its first
	// result fails that row: its code is not written. An error in its
	// second stops the batch.
	Record(ctx context.Context, regs []*signer.Registration, codes []formats.ActivationCode, jwts []string) ([]error, error)
	// RecordRows is how many rows Record may take at once, from
	// consecutive chunks that are ready together, rather than one chunk's
	// 256 at most: a ledger on PostgreSQL asks for more, as each call is
	// a commit that costs round trips whatever its size. At most 8192,
	// as they are held in memory.
	RecordRows() int
	// Done is called once, after the last row is recorded and written and
	// before Run returns; its error is Run's. A ledger makes what it
	// recorded durable there.
	Done(ctx context.Context) error
}

// WithRecorder has r prepare, record and make durable the batch's rows.
// A nil r records nothing.
func WithRecorder(r Recorder) Option {
	return func(c *config) {
		if r == nil {
			return
		}
		c.prepare = r.Prepare
		c.record = func(ctx context.Context, rows []signedRow) error { return recordRows(ctx, r, rows) }
		c.recordRows = min(r.RecordRows(), maxRecordRows)
		c.done = r.Done
	}
}

// maxRecordRows bounds Recorder.RecordRows: the rows gathered are held in
// memory.
const maxRecordRows = 8192

// A signedRow is a signed registration, as the record function sees it.
type signedRow struct {
	Line         int
	Registration *signer.Registration
	Code         formats.ActivationCode
	JWT          string
	// Err, set by the record function, fails the row: its code is not
	// written.
	Err error
}

// recordRows hands rows to r.Record and applies what it decided.
func recordRows(ctx context.Context, r Recorder, rows []signedRow) error {
	regs := make([]*signer.Registration, len(rows))
	codes := make([]formats.ActivationCode, len(rows))
	jwts := make([]string, len(rows))
	for i := range rows {
		regs[i], codes[i], jwts[i] = rows[i].Registration, rows[i].Code, rows[i].JWT
	}
	errs, err := r.Record(ctx, regs, codes, jwts)
	if err != nil {
		return err
	}
	for i := range rows {
		rows[i].Code, rows[i].JWT = codes[i], jwts[i]
		if i < len(errs) && errs[i] != nil {
			rows[i].Err = errs[i]
		}
	}
	return nil
}

// record hands the group's signed rows to the Recorder, in one
// call, and applies what it decided, marking the rows to format again.
func (b *batch) record(group []*chunk, redo [][]bool) error {
	type at struct{ g, i int }
	var rows []signedRow
	var where []at
	for g, c := range group {
		for i := range c.res {
			if res := &c.res[i]; res.signed {
				rows = append(rows, signedRow{Line: c.rows[i].line, Registration: &res.reg, Code: res.code, JWT: res.jwt})
				where = append(where, at{g, i})
			}
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := b.o.record(b.ctx, rows); err != nil {
		return err
	}
	for j, sr := range rows {
		c, i := group[where[j].g], where[j].i
		res := &c.res[i]
		switch {
		case sr.Err != nil:
			*res = rowResult{}
			b.fail(&c.rows[i], res, sr.Err)
			redo[where[j].g][i] = true
		case sr.Code != res.code || sr.JWT != res.jwt:
			res.code, res.jwt = sr.Code, sr.JWT
			redo[where[j].g][i] = true
		}
	}
	return nil
}
