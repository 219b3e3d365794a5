package batch

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
)

// input is the read stage: it reads the rows into chunks, in order. The
// workers parse them, so that reading is no more than splitting rows.
type input struct {
	counted *countingReader
	csv     *csvReader   // for CSV input, else nil
	jsonl   *jsonlReader // for JSON Lines input, else nil
}

// openInput starts reading r; for CSV it reads the header, and plans the
// output's columns from it.
func (b *batch) openInput(r *Reader) (*input, error) {
	in := &input{counted: &countingReader{r: r.src}}
	if r.format != formatCSV {
		in.jsonl = newJSONLReader(in.counted)
		return in, nil
	}
	in.csv = newCSVReader(in.counted)
	if err := b.readHeader(in.csv); err != nil {
		return nil, err
	}
	return in, nil
}

// run fills free chunks with rows and passes them to the workers, in
// order, until the input ends or the batch stops; then it closes p.jobs.
// A row that cannot be read is a row error; an input that cannot be read
// stops the batch.
func (in *input) run(b *batch, p *pipeline) {
	defer close(p.jobs)
	for seq := 0; ; seq++ {
		var c *chunk
		select {
		case c = <-p.free:
		case <-b.ctx.Done():
			return
		}
		eof, err := in.fill(c, seq)
		if err != nil {
			b.cancel(fmt.Errorf("batch: reading the input: %w", err))
			return
		}
		if len(c.rows) > 0 {
			p.jobs <- c
		}
		if eof {
			return
		}
	}
}

// fill reads up to chunkRows rows into c, the chunk numbered seq, and
// reports whether the input ended.
func (in *input) fill(c *chunk, seq int) (eof bool, err error) {
	c.seq, c.rows = seq, c.rows[:0]
	c.fields.reset()
	for len(c.rows) < chunkRows {
		r, err := in.row(&c.fields)
		if err == io.EOF {
			eof = true
			break
		}
		if err != nil {
			return false, err
		}
		c.rows = append(c.rows, r)
	}
	if in.csv != nil {
		c.vals = c.fields.strings(c.vals[:0])
		for i := range c.rows {
			if r := &c.rows[i]; r.to > r.from {
				r.vals = c.vals[r.from:r.to]
			}
		}
	}
	c.inBytes = in.counted.n
	return eof, nil
}

// row reads the next row; a CSV row's fields go into fields. A row error,
// a *signer.FieldError, is the row's err; any other error is returned, as
// is io.EOF at the end.
func (in *input) row(fields *fieldBuf) (inRow, error) {
	var r inRow
	var err error
	if in.csv != nil {
		var n int
		r.from = len(fields.ends)
		n, r.line, err = in.csv.readInto(fields)
		r.to = r.from + n
	} else {
		r.text, r.line, err = in.jsonl.read()
	}
	if err != nil && err != io.EOF && isRowError(err) {
		r.err, err = err, nil
	}
	return r, err
}

// isRowError reports whether err, from a reader, is a row's, not the
// input's.
func isRowError(err error) bool {
	var fe *signer.FieldError
	return errors.As(err, &fe)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readHeader reads the CSV header and plans the output columns.
func (b *batch) readHeader(r *csvReader) error {
	fields, line, err := r.read()
	if err == io.EOF {
		return fmt.Errorf("%w: the input is empty; want a header row such as rk,edition,days", ErrBadRow)
	}
	if err != nil {
		return err
	}
	b.colIdx = make(map[string]int, len(fields))
	var named []string
	for i, f := range fields {
		f = strings.TrimSpace(f)
		b.header = append(b.header, f)
		if f == "" {
			// Spreadsheets write empty names for columns once touched,
			// such as the trailing ",," of rk,edition,,: no column.
			continue
		}
		name := strings.ToLower(f)
		if _, dup := b.colIdx[name]; dup {
			return &signer.FieldError{Line: line, Column: i + 1, Err: fmt.Errorf("%w: header: column %q appears twice", ErrBadRow, f)}
		}
		b.colIdx[name] = i
		named = append(named, strconv.Quote(f)) // quoted: it may hold any byte
		b.outCols = append(b.outCols, f)
		b.outSrc = append(b.outSrc, i)
		b.outRes = append(b.outRes, -1)
	}
	for _, need := range []string{colRK, colEdition} {
		if _, ok := b.colIdx[need]; !ok {
			hint := ""
			if _, err := formats.ParseRegistrationKey(fields[0]); err == nil {
				hint = "; the first row must be a header, such as rk,edition,days"
			}
			var how []string
			if r.encoding != "" {
				how = append(how, r.encoding)
			}
			if r.sep == '\t' {
				how = append(how, "tab-separated")
			}
			if how != nil {
				hint += "; the file was read as " + strings.Join(how, ", ")
			}
			return &signer.FieldError{Line: line, Err: fmt.Errorf("%w: the header has no %s column (it has %s)%s",
				ErrBadRow, need, strings.Join(named, ", "), hint)}
		}
	}
	for ri, name := range resultColumns {
		if ri == resJWT && !b.o.jwt {
			continue
		}
		if i, ok := b.colIdx[name]; ok {
			b.outRes[slices.Index(b.outSrc, i)] = ri
			continue
		}
		b.outCols = append(b.outCols, name)
		b.outSrc = append(b.outSrc, -1)
		b.outRes = append(b.outRes, ri)
	}
	return nil
}
