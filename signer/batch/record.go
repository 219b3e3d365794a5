package batch

import (
	"context"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
)

// A Recorder keeps the record of the codes a batch signs, as an issuance
// ledger does. It is WithPrepare, WithRecord, WithRecordRows and WithDone
// in one value, in types of packages signer and formats only, so that a
// recorder need not import this package.
type Recorder interface {
	// Prepare sees each chunk's registrations before they are signed, as
	// WithPrepare's function does: it may fill in their terms, a non-nil
	// error in its first result fails that row, and one in its second
	// stops the batch.
	Prepare(ctx context.Context, regs []*signer.Registration) ([]error, error)
	// Record sees the signed rows in input order before they are written,
	// as WithRecord's function does: codes[i] and jwts[i] are regs[i]'s,
	// and it may set them to the code already on record. A non-nil error
	// in its first result fails that row; one in its second stops the
	// batch.
	Record(ctx context.Context, regs []*signer.Registration, codes []formats.ActivationCode, jwts []string) ([]error, error)
	// RecordRows is how many rows Record may take at once, as for
	// WithRecordRows.
	RecordRows() int
	// Done is called once, after the last row is recorded and written,
	// as WithDone's function is.
	Done(ctx context.Context) error
}

// WithRecorder has r prepare, record and make durable the batch's rows.
// A nil r records nothing.
func WithRecorder(r Recorder) Option {
	return func(c *config) {
		if r == nil {
			return
		}
		WithPrepare(r.Prepare)(c)
		WithRecord(func(ctx context.Context, rows []SignedRow) error { return recordRows(ctx, r, rows) })(c)
		WithRecordRows(r.RecordRows())(c)
		WithDone(r.Done)(c)
	}
}

// recordRows hands rows to r.Record and applies what it decided.
func recordRows(ctx context.Context, r Recorder, rows []SignedRow) error {
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

// record hands the group's signed rows to the Record function, in one
// call, and applies what it decided, marking the rows to format again.
func (b *batch) record(group []*chunk, redo [][]bool) error {
	type at struct{ g, i int }
	var rows []SignedRow
	var where []at
	for g, c := range group {
		for i := range c.res {
			if res := &c.res[i]; res.signed {
				rows = append(rows, SignedRow{Line: c.rows[i].line, Registration: &res.reg, Code: res.code, JWT: res.jwt})
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
