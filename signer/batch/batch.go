// Package batch signs files of registrations: it reads CSV or JSON Lines,
// signs every row on every core with a signer.Signer, and writes the rows
// back in input order with their codes, or with the reason a row could not
// be signed.
//
//	stats, err := batch.Run(ctx, s, batch.NewCSVReader(in), batch.NewCSVWriter(out))
//
// A bad row costs that row only: it gets its reason, with line and column,
// in its own error column, and the others are signed. Memory stays flat
// however large the input.
package batch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/signer"
)

// Outcomes of a row, matched with errors.Is; a row's error is a
// *signer.FieldError with its line and, for CSV, its column.
var (
	// ErrBadRow: a row that cannot be read: bad CSV quoting, invalid
	// JSON, a value with no named column, or too long. Run returns it too
	// for input that has no usable header.
	ErrBadRow = errors.New("unreadable row")
	// ErrDuplicate: a row names a Registration Key that an earlier row
	// already named; the earlier row keeps its code.
	ErrDuplicate = errors.New("duplicate registration key")
)

// format is a batch's file format: see NewCSVReader and NewJSONLReader.
type format uint8

const (
	formatCSV format = iota + 1
	formatJSONL
)

// A Reader reads registrations, one a row: see NewCSVReader and
// NewJSONLReader. One Run consumes it.
//
// The input needs the columns rk and edition; days or expires, issued and
// install_id are optional; any other column is a customer field, carried
// through to the output (and into tokens) as given. A CSV column with an
// empty name, as spreadsheets write, is no column: a value under it, or
// beyond the header, is a row error. The install id is signed byte for
// byte (FORMAT.md section 4.2), so one with spaces at either end inside
// quotes or a JSON string is a row error, not trimmed.
type Reader struct {
	src    io.Reader
	format format
}

// NewCSVReader returns a Reader of CSV as people send it: a header row
// naming the columns in any order and case; UTF-8 or UTF-16, with or
// without a byte order mark; CR, LF or CRLF line ends in any mix; quoted
// fields, in which a line break is data, kept as written; blank lines;
// spaces around fields; and tab-separated files, as Excel's "Unicode Text"
// export writes them (a header line with tabs and no comma).
func NewCSVReader(r io.Reader) *Reader { return &Reader{src: r, format: formatCSV} }

// NewJSONLReader returns a Reader of JSON Lines: one object a line, its
// keys the column names, read as UTF-8 or UTF-16 with any line ends.
func NewJSONLReader(r io.Reader) *Reader { return &Reader{src: r, format: formatJSONL} }

// A Writer writes the rows read, in input order, with the results added:
// the columns serial, expires, activation_code, jwt (WithJWT) and error.
// See NewCSVWriter and NewJSONLWriter.
type Writer struct {
	dst    io.Writer
	format format
}

// NewCSVWriter returns a Writer of CSV: the input's header, then the
// result columns it does not have. It needs a CSV Reader, whose header
// fixes the columns.
func NewCSVWriter(w io.Writer) *Writer { return &Writer{dst: w, format: formatCSV} }

// NewJSONLWriter returns a Writer of JSON Lines: each row's columns as an
// object's keys, then its results.
func NewJSONLWriter(w io.Writer) *Writer { return &Writer{dst: w, format: formatJSONL} }

// The column names.
const (
	colRK             = "rk"
	colEdition        = "edition"
	colDays           = "days"
	colExpires        = "expires"
	colIssued         = "issued"
	colInstallID      = "install_id"
	colSerial         = "serial"
	colActivationCode = "activation_code"
	colJWT            = "jwt"
	colError          = "error"
)

var (
	inputColumns  = []string{colRK, colEdition, colDays, colExpires, colIssued, colInstallID}
	resultColumns = []string{colSerial, colExpires, colActivationCode, colJWT, colError}
)

// Index of each result in resultColumns.
const (
	resSerial = iota
	resExpires
	resCode
	resJWT
	resError
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

// Stats counts a batch's rows.
type Stats struct {
	// Signed rows have a code; Failed rows an error, among them the
	// Duplicates, rows whose Registration Key an earlier row already had.
	Signed, Failed, Duplicates int
	// Elapsed is the time Run took.
	Elapsed time.Duration
}

// Batch sizing: rows travel in chunks, and at most window chunks per
// worker exist at once, which bounds memory whatever the input's size.
const (
	chunkRows = 256
	window    = 4
)

type inRow struct {
	line int
	// CSV fields, or JSON raw values; a CSV row's fields are
	// chunk.vals[from:to] once its chunk is read.
	vals     []string
	from, to int
	keys     []string // JSON keys; CSV rows share the header
	text     []byte   // a JSON line, until a worker parses it
	err      error
}

// rowResult is a row's outcome: a code, or an error's text. The code's
// columns are written from code itself, without a string per column.
type rowResult struct {
	signed bool
	code   formats.ActivationCode
	jwt    string
	errMsg string
	// reg.Issued, when set, points to issued.
	reg    signer.Registration
	issued formats.Day
	// regErr is a row's registration error, before it is signed.
	regErr error
	// dupKey is the product and serial, for finding repeated keys.
	dupKey uint64
}

type chunk struct {
	seq  int
	rows []inRow
	// CSV: the rows' fields, read into one buffer, then made into one
	// string and sliced.
	fields  fieldBuf
	vals    []string
	res     []rowResult
	out     []byte
	ends    []int
	inBytes int64
}

type batch struct {
	ctx     context.Context
	cancel  context.CancelCauseFunc
	s       *signer.Signer
	o       config
	out     format
	header  []string       // CSV input header as written; "" for an unnamed column
	colIdx  map[string]int // CSV: lower-case column name to index
	outCols []string       // CSV output header
	outSrc  []int          // CSV: for each output column, the input column it copies, or -1
	outRes  []int          // CSV: for each output column, the result it shows, or -1
}

// Run signs every registration that r reads with s and writes r's rows to
// w with the results added, in input order. It streams: memory stays flat
// however large the input, and it signs on every core. A row that cannot
// be signed gets its reason in the error column and does not stop the
// others; a Registration Key seen in an earlier row is an ErrDuplicate.
// Run returns an error only when it cannot go on: an input with no usable
// header (ErrBadRow), an I/O error, an error from the Record function, a
// signing key that failed (signer.ErrSigningKey), or ctx done. It does not close w's io.Writer.
func Run(ctx context.Context, s *signer.Signer, r *Reader, w *Writer, opts ...Option) (Stats, error) {
	start := time.Now()
	var o config
	for _, opt := range opts {
		opt(&o)
	}
	if o.workers <= 0 {
		o.workers = runtime.GOMAXPROCS(0)
	}
	if w.format == formatCSV && r.format != formatCSV {
		return Stats{}, errors.New("batch: CSV output needs CSV input, whose header fixes the columns; write JSON Lines (.jsonl) instead")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	b := &batch{ctx: ctx, cancel: cancel, s: s, o: o, out: w.format}
	counted := &countingReader{r: r.src}
	var csvr *csvReader
	var jsonr *jsonlReader
	if r.format == formatCSV {
		csvr = newCSVReader(counted)
		if err := b.readHeader(csvr); err != nil {
			return Stats{}, err
		}
	} else {
		jsonr = newJSONLReader(counted)
	}
	bw := bufio.NewWriterSize(w.dst, 256<<10)
	if b.out == formatCSV {
		var line []byte
		for i, c := range b.outCols {
			if i > 0 {
				line = append(line, ',')
			}
			line = appendCSV(line, c)
		}
		bw.Write(append(line, '\n'))
	}

	chunks := window * o.workers
	if o.record != nil && o.recordRows > chunkRows {
		// The writer holds a group of chunks while they are recorded, and
		// the workers go on signing into the others.
		chunks += (o.recordRows + chunkRows - 1) / chunkRows
	}
	free := make(chan *chunk, chunks)
	for range cap(free) {
		free <- &chunk{}
	}
	jobs := make(chan *chunk, cap(free))
	done := make(chan *chunk, cap(free))

	// Reader: rows into chunks, in order.
	go func() {
		defer close(jobs)
		for seq := 0; ; seq++ {
			var c *chunk
			select {
			case c = <-free:
			case <-ctx.Done():
				return
			}
			c.seq, c.rows = seq, c.rows[:0]
			c.fields.reset()
			eof := false
			for len(c.rows) < chunkRows {
				var r inRow
				var err error
				if csvr != nil {
					var n int
					r.from = len(c.fields.ends)
					n, r.line, err = csvr.readInto(&c.fields)
					r.to = r.from + n
				} else {
					r.text, r.line, err = jsonr.read()
				}
				if err == io.EOF {
					eof = true
					break
				}
				if err != nil {
					if fe := (*signer.FieldError)(nil); !errors.As(err, &fe) {
						cancel(fmt.Errorf("batch: reading the input: %w", err))
						return
					}
					r.err = err
				}
				c.rows = append(c.rows, r)
			}
			if csvr != nil {
				c.vals = c.fields.strings(c.vals[:0])
				for i := range c.rows {
					if r := &c.rows[i]; r.to > r.from {
						r.vals = c.vals[r.from:r.to]
					}
				}
			}
			c.inBytes = counted.n
			if len(c.rows) > 0 {
				jobs <- c
			}
			if eof {
				return
			}
		}
	}()

	// Workers: sign and format.
	var wg sync.WaitGroup
	for range o.workers {
		wg.Go(func() {
			for c := range jobs {
				b.process(c)
				done <- c
			}
		})
	}
	go func() { wg.Wait(); close(done) }()

	// Writer: here, putting chunks back in order. With a Record function
	// and WithRecordRows, it gathers the next chunks in order, for one
	// call, for as long as more are ready, up to that many rows.
	var stats Stats
	var seen keySet
	pending := make(map[int]*chunk, cap(free))
	var group []*chunk
	next, rows, grouped := 0, 0, 0
	var werr error
	flush := func() {
		// A group held when the batch stops is not written, nor counted
		// as progress.
		written := false
		if len(group) > 0 && werr == nil && ctx.Err() == nil {
			werr = b.write(bw, group, &seen, &stats)
			written = werr == nil
			if werr == nil && ctx.Err() != nil {
				werr = context.Cause(ctx)
			}
			if werr != nil {
				cancel(werr)
			}
		}
		for _, c := range group {
			if written {
				rows += len(c.rows)
				if o.progress != nil {
					o.progress(rows, c.inBytes)
				}
			}
			free <- c
		}
		group, grouped = group[:0], 0
	}
	for {
		var c *chunk
		var ok bool
		select {
		case c, ok = <-done:
		default:
			// Nothing more is ready: write what is gathered rather
			// than wait with it.
			flush()
			c, ok = <-done
		}
		if !ok {
			break
		}
		if werr != nil || ctx.Err() != nil {
			continue // drain, so that the workers finish
		}
		pending[c.seq] = c
		for werr == nil {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			group = append(group, c)
			grouped += len(c.rows)
			if o.record == nil || grouped+chunkRows > o.recordRows {
				flush()
			}
		}
	}
	flush()
	if err := context.Cause(ctx); err != nil {
		stats.Elapsed = time.Since(start)
		return stats, err
	}
	if o.done != nil {
		if err := o.done(ctx); err != nil {
			stats.Elapsed = time.Since(start)
			return stats, err
		}
	}
	stats.Elapsed = time.Since(start)
	if err := bw.Flush(); err != nil {
		return stats, fmt.Errorf("batch: writing the output: %w", err)
	}
	return stats, nil
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

// checkFields reports a CSV row's value that has no named column: beyond
// the header, or under an empty name. Empty ones are fine, as spreadsheets
// write them.
func (b *batch) checkFields(vals []string) error {
	for i, v := range vals {
		if i < len(b.header) && b.header[i] != "" || strings.TrimSpace(v) == "" {
			continue
		}
		where := fmt.Sprintf("beyond the header's %d columns", len(b.header))
		if i < len(b.header) {
			where = "which has no name in the header"
		}
		return &signer.FieldError{Column: i + 1, Err: fmt.Errorf("%w: a value in column %d, %s; name the column in the header, or remove the value", ErrBadRow, i+1, where)}
	}
	return nil
}

// process signs a chunk's rows and formats its output.
func (b *batch) process(c *chunk) {
	c.res = slices.Grow(c.res[:0], len(c.rows))[:len(c.rows)]
	c.out, c.ends = c.out[:0], c.ends[:0]
	for i := range c.rows {
		c.res[i] = rowResult{}
		b.parse(&c.rows[i], &c.res[i])
	}
	if b.o.prepare != nil {
		b.prepare(c)
	}
	for i := range c.rows {
		r, res := &c.rows[i], &c.res[i]
		b.sign(r, res)
		c.out = b.appendRow(c.out, r, res)
		c.ends = append(c.ends, len(c.out))
	}
}

// prepare hands the chunk's registrations to the Prepare function.
func (b *batch) prepare(c *chunk) {
	var regs []*signer.Registration
	var at []int
	for i := range c.res {
		if c.res[i].regErr == nil {
			regs = append(regs, &c.res[i].reg)
			at = append(at, i)
		}
	}
	if len(regs) == 0 {
		return
	}
	errs, err := b.o.prepare(b.ctx, regs)
	if err != nil {
		// Nothing of the chunk is signed, and the batch stops with err.
		b.cancel(err)
		for _, i := range at {
			c.res[i].regErr = err
		}
		return
	}
	for j, err := range errs {
		if err != nil && j < len(at) {
			c.res[at[j]].regErr = err
		}
	}
}

// field returns a column's text as given and its 1-based CSV column (0
// for JSON). The CSV reader has already trimmed unquoted fields.
func (b *batch) field(r *inRow, name string) (string, int, error) {
	if r.keys == nil {
		i, ok := b.colIdx[name]
		if !ok || i >= len(r.vals) {
			return "", 0, nil
		}
		return r.vals[i], i + 1, nil
	}
	i := slices.Index(r.keys, name)
	if i < 0 {
		return "", 0, nil
	}
	s, err := jsonText(r.vals[i])
	return s, 0, err
}

// fail puts err, located at the row, in the row's error column.
func (b *batch) fail(r *inRow, res *rowResult, err error) {
	var fe *signer.FieldError
	if errors.As(err, &fe) {
		fe.Line = r.line
		if fe.Column == 0 && fe.Field != "" && r.keys == nil {
			if i, ok := b.colIdx[fe.Field]; ok {
				fe.Column = i + 1
			}
		}
	} else {
		err = &signer.FieldError{Line: r.line, Err: err}
	}
	res.errMsg = err.Error()
}

// parse reads a row's registration into res.reg, or its error into
// res.regErr.
func (b *batch) parse(r *inRow, res *rowResult) {
	if r.err != nil {
		res.regErr = r.err
		return
	}
	if r.text != nil {
		keys, vals, err := parseObject(r.text)
		r.text = nil
		if err != nil {
			res.regErr = err
			return
		}
		r.keys, r.vals = keys, vals
		if r.keys == nil {
			r.keys = []string{}
		}
	} else if err := b.checkFields(r.vals); err != nil {
		res.regErr = err
		return
	}
	res.regErr = b.registration(r, res)
}

func (b *batch) sign(r *inRow, res *rowResult) {
	if res.regErr != nil {
		b.fail(r, res, res.regErr)
		return
	}
	var err error
	if b.o.jwt {
		res.code, res.jwt, err = b.s.SignToken(&res.reg)
	} else {
		res.code, err = b.s.Sign(&res.reg)
	}
	if errors.Is(err, signer.ErrSigningKey) {
		// Not the row's fault: the key is gone for every row after it.
		b.cancel(err)
		return
	}
	if err != nil {
		b.fail(r, res, err)
		return
	}
	res.signed = true
	res.dupKey = (uint64(res.code.Product[0]-'A')*26+uint64(res.code.Product[1]-'A'))<<47 | uint64(res.code.Serial)
}

// has reports whether the row has a value for the result column ri.
func (res *rowResult) has(ri int) bool {
	switch ri {
	case resJWT:
		return res.jwt != ""
	case resError:
		return res.errMsg != ""
	}
	return res.signed
}

// appendResult appends the text of the result column ri, quoted as a
// JSON string or, with csv, as a CSV field.
func (res *rowResult) appendResult(dst []byte, ri int, csv bool) []byte {
	switch ri {
	case resJWT, resError:
		v := res.jwt
		if ri == resError {
			v = res.errMsg
		}
		if csv {
			return appendCSV(dst, v)
		}
		return appendJSONString(dst, v)
	}
	if !res.signed {
		return dst
	}
	// Digits, dashes and letters: no quoting in CSV, no escape in JSON.
	if !csv {
		dst = append(dst, '"')
	}
	switch ri {
	case resSerial:
		dst = res.code.Serial.AppendText(dst)
	case resExpires:
		dst, _ = res.code.Expires.AppendText(dst)
	case resCode:
		dst, _ = res.code.AppendText(dst)
	}
	if !csv {
		dst = append(dst, '"')
	}
	return dst
}

// registration reads a row's registration into res; errors are
// *signer.FieldError.
func (b *batch) registration(r *inRow, res *rowResult) error {
	reg := &res.reg
	// Values parsed here may have spaces around them; the install id is
	// signed byte for byte, so it is taken only as given.
	raw := func(name string) (string, int, error) {
		v, col, err := b.field(r, name)
		if err != nil {
			return "", col, &signer.FieldError{Column: col, Field: name, Err: fmt.Errorf("%w: %v", ErrBadRow, err)}
		}
		return v, col, nil
	}
	get := func(name string) (string, int, error) {
		v, col, err := raw(name)
		return strings.TrimSpace(v), col, err
	}
	bad := func(name string, col int, format string, a ...any) error {
		return &signer.FieldError{Column: col, Field: name, Err: fmt.Errorf("%w: "+format, append([]any{signer.ErrBadRegistration}, a...)...)}
	}
	rk, col, err := get(colRK)
	if err != nil {
		return err
	}
	if rk == "" {
		return bad(colRK, col, "no registration key")
	}
	if reg.RK, err = formats.ParseRegistrationKey(rk); err != nil {
		return &signer.FieldError{Column: col, Field: colRK, Err: err}
	}
	if reg.Edition, col, err = get(colEdition); err != nil {
		return err
	}
	if reg.Edition == "" {
		return &signer.FieldError{Column: col, Field: colEdition, Err: fmt.Errorf("%w: no edition given", catalog.ErrUnknownEdition)}
	}
	days, dcol, err := get(colDays)
	if err != nil {
		return err
	}
	exp, ecol, err := get(colExpires)
	if err != nil {
		return err
	}
	switch {
	case days != "" && exp != "":
		return bad(colExpires, ecol, "give days or expires, not both")
	case days != "":
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > catalog.MaxTermDays {
			return bad(colDays, dcol, "days %q: want a whole number from 1 to %d", days, catalog.MaxTermDays)
		}
		reg.Days = n
	case strings.EqualFold(exp, "perpetual"):
		reg.Expires = formats.Perpetual
	case exp != "":
		if reg.Expires, err = formats.ParseDay(exp); err != nil {
			return bad(colExpires, ecol, "%v", err)
		}
	}
	issued, col, err := get(colIssued)
	if err != nil {
		return err
	}
	if issued != "" {
		if res.issued, err = formats.ParseDay(issued); err != nil {
			return bad(colIssued, col, "%v", err)
		}
		reg.Issued = &res.issued
	}
	if reg.InstallID, col, err = raw(colInstallID); err != nil {
		return err
	}
	if id := reg.InstallID; id != "" {
		if err := formats.CheckInstallID(id); err != nil {
			return bad(colInstallID, col, "%v", err)
		}
	}
	if b.o.jwt {
		reg.Customer = b.customer(r)
	}
	return nil
}

// customer returns the row's customer fields: the columns that are
// neither inputs nor results, when not empty.
func (b *batch) customer(r *inRow) map[string]string {
	var m map[string]string
	names := r.keys
	if names == nil {
		names = b.header
	}
	for i, name := range names {
		lower := strings.ToLower(name)
		if i >= len(r.vals) || r.keys == nil && name == "" || slices.Contains(inputColumns, lower) || slices.Contains(resultColumns, lower) {
			continue
		}
		v := r.vals[i]
		if r.keys != nil {
			v, _ = jsonText(v)
		}
		if v == "" {
			continue
		}
		if m == nil {
			m = make(map[string]string)
		}
		m[name] = v
	}
	return m
}

// appendRow formats one output row.
func (b *batch) appendRow(dst []byte, r *inRow, res *rowResult) []byte {
	if b.out == formatCSV {
		for i, ri := range b.outRes {
			if i > 0 {
				dst = append(dst, ',')
			}
			if ri >= 0 && (res.has(ri) || ri == resError) {
				dst = res.appendResult(dst, ri, true)
				continue
			}
			if src := b.outSrc[i]; src >= 0 && src < len(r.vals) {
				dst = appendCSV(dst, r.vals[src])
			}
		}
		return append(dst, '\n')
	}
	dst = append(dst, '{')
	n := 0
	sep := func() {
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
	}
	keys := r.keys
	if keys == nil && r.text == nil && r.err == nil {
		keys = b.header
	}
	for i, k := range keys {
		if i >= len(r.vals) {
			break
		}
		if r.keys == nil && k == "" {
			continue // an unnamed CSV column
		}
		if ri := slices.Index(resultColumns, strings.ToLower(k)); ri >= 0 && res.has(ri) {
			continue // replaced by the result below
		}
		sep()
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		if r.keys != nil {
			dst = append(dst, r.vals[i]...)
		} else {
			dst = appendJSONString(dst, r.vals[i])
		}
	}
	for ri, name := range resultColumns {
		if !res.has(ri) {
			continue
		}
		sep()
		dst = appendJSONString(dst, name)
		dst = append(dst, ':')
		dst = res.appendResult(dst, ri, false)
	}
	return append(dst, '}', '\n')
}

// write writes a group of consecutive chunks in order, turning repeated
// Registration Keys into errors (the first row with a key keeps its code)
// and handing the signed rows to the Record function first.
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
			Err: fmt.Errorf("%w: line %d has it too, and keeps its code", ErrDuplicate, first)}).Error()
		redo[i] = true
		st.Duplicates++
	}
	return redo
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
