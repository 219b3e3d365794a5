package batch

import (
	"bufio"
	"context"
	"fmt"

	"github.com/licmint/licmint/signer"
)

// output is the write stage: it puts the chunks back in input order and
// writes them. With a Recorder that takes more than a chunk's rows at
// once, it gathers the next chunks in order, for one call, for as long as
// more are ready, up to that many rows.
type output struct {
	b     *batch
	w     *bufio.Writer
	p     *pipeline
	stats Stats
	seen  keySet
	// pending holds the chunks signed ahead of next, the one to write.
	pending map[int]*chunk
	next    int
	// group holds the chunks gathered for one call of the Record
	// function, grouped rows in all.
	group   []*chunk
	grouped int
	rows    int // rows written
	err     error
}

func newOutput(b *batch, w *bufio.Writer, p *pipeline) *output {
	return &output{b: b, w: w, p: p, pending: make(map[int]*chunk, cap(p.free))}
}

// run writes the chunks as they come, until the workers are done. After
// an error it drains them, so that the workers finish.
func (o *output) run() {
	for {
		var c *chunk
		var ok bool
		select {
		case c, ok = <-o.p.done:
		default:
			// Nothing more is ready: write what is gathered rather
			// than wait with it.
			o.flush()
			c, ok = <-o.p.done
		}
		if !ok {
			break
		}
		if o.err != nil || o.b.ctx.Err() != nil {
			continue // drain, so that the workers finish
		}
		o.add(c)
	}
	o.flush()
}

// add takes a signed chunk, and gathers the chunks that are now next in
// order, writing each group that is full.
func (o *output) add(c *chunk) {
	o.pending[c.seq] = c
	for o.err == nil {
		c, ok := o.pending[o.next]
		if !ok {
			return
		}
		delete(o.pending, o.next)
		o.next++
		o.group = append(o.group, c)
		o.grouped += len(c.rows)
		if o.b.o.record == nil || o.grouped+chunkRows > o.b.o.recordRows {
			o.flush()
		}
	}
}

// flush records and writes the group gathered and frees its chunks. A
// group held when the batch stops is not written, nor counted as
// progress; an error writing it stops the batch.
func (o *output) flush() {
	ctx := o.b.ctx
	written := false
	if len(o.group) > 0 && o.err == nil && ctx.Err() == nil {
		o.err = o.b.write(o.w, o.group, &o.seen, &o.stats)
		written = o.err == nil
		if o.err == nil && ctx.Err() != nil {
			o.err = context.Cause(ctx)
		}
		if o.err != nil {
			o.b.cancel(o.err)
		}
	}
	for _, c := range o.group {
		if written {
			o.rows += len(c.rows)
			if o.b.o.progress != nil {
				o.b.o.progress(o.rows, c.inBytes)
			}
		}
		o.p.free <- c
	}
	o.group, o.grouped = o.group[:0], 0
}

// write writes a group of consecutive chunks in order, turning repeated
// Registration Keys into errors (the first row with a key keeps its code)
// and handing the signed rows to the Recorder first.
func (b *batch) write(w *bufio.Writer, group []*chunk, seen *keySet, st *Stats) error {
	redo := make([][]bool, len(group))
	for g, c := range group {
		redo[g] = b.dedupe(c, seen, st)
	}
	if b.o.record != nil {
		if err := b.record(group, redo); err != nil {
			return err
		}
	}
	for g, c := range group {
		from := 0
		for i := range c.rows {
			row, res := &c.rows[i], &c.res[i]
			out := c.out[from:c.ends[i]]
			from = c.ends[i]
			if redo[g][i] {
				out = b.appendRow(nil, row, res)
			}
			if res.signed {
				st.Signed++
			} else {
				st.Failed++
			}
			if _, err := w.Write(out); err != nil {
				return fmt.Errorf("batch: writing the output: %w", err)
			}
		}
	}
	return nil
}

// dedupe turns the chunk's rows whose Registration Key an earlier row had
// into errors, and returns which rows it changed, to format again.
func (b *batch) dedupe(c *chunk, seen *keySet, st *Stats) []bool {
	redo := make([]bool, len(c.rows))
	for i := range c.rows {
		row, res := &c.rows[i], &c.res[i]
		if !res.signed {
			continue
		}
		first, dup := seen.first(res.dupKey)
		if !dup {
			seen.add(res.dupKey, int32(row.line))
			continue
		}
		// Not signed after all: the row shows the error instead.
		col := 0
		if row.keys == nil {
			col = b.colIdx[colRK] + 1
		}
		*res = rowResult{}
		res.errMsg = (&signer.FieldError{Line: row.line, Column: col, Field: colRK,
			Err: fmt.Errorf("%w: line %d has it too, and keeps its code", errDuplicate, first)}).Error()
		redo[i] = true
		st.Duplicates++
	}
	return redo
}
