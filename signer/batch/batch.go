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
	"time"

	"github.com/licmint/licmint/signer"
)

// ErrBadRow is a row that cannot be read: bad CSV quoting, invalid JSON, a
// value with no named column, or too long. Its error column says so, as a
// *signer.FieldError with its line and, for CSV, its column. Run returns
// it too for input that has no usable header.
var ErrBadRow = errors.New("unreadable row")

// errDuplicate is a row that names a Registration Key an earlier row
// already named; the earlier row keeps its code.
var errDuplicate = errors.New("duplicate registration key")

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

// Stats counts a batch's rows.
type Stats struct {
	// Signed rows have a code; Failed rows an error, among them the
	// Duplicates, rows whose Registration Key an earlier row already had.
	Signed, Failed, Duplicates int
	// Elapsed is the time Run took.
	Elapsed time.Duration
}

// batch is what the stages of one Run share.
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
// be signed, such as one whose Registration Key an earlier row had, gets
// its reason in the error column and does not stop the others. Run
// returns an error only when it cannot go on: an input with no usable
// header (ErrBadRow), an I/O error, an error from the Recorder, a signing
// key that failed (signer.ErrSigningKey), or ctx done. It does not close
// w's io.Writer.
func Run(ctx context.Context, s *signer.Signer, r *Reader, w *Writer, opts ...Option) (Stats, error) {
	start := time.Now()
	o := newConfig(opts)
	if w.format == formatCSV && r.format != formatCSV {
		return Stats{}, errors.New("batch: CSV output needs CSV input, whose header fixes the columns; write JSON Lines (.jsonl) instead")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	b := &batch{ctx: ctx, cancel: cancel, s: s, o: o, out: w.format}
	in, err := b.openInput(r)
	if err != nil {
		return Stats{}, err
	}
	bw := bufio.NewWriterSize(w.dst, 256<<10)
	b.writeHeader(bw)

	// Three stages pass chunks of rows along: one goroutine reads them in
	// order, the workers sign and format them in any order, and the output
	// here puts them back in order, records and writes them.
	p := newPipeline(&o)
	go in.run(b, p)
	b.startWorkers(p)
	out := newOutput(b, bw, p)
	out.run()

	stats := out.stats
	err = b.finish()
	stats.Elapsed = time.Since(start)
	if err != nil {
		return stats, err
	}
	if err := bw.Flush(); err != nil {
		return stats, fmt.Errorf("batch: writing the output: %w", err)
	}
	return stats, nil
}

// finish runs once every chunk is written or dropped: it returns why the
// batch stopped, if it did, and otherwise calls the Recorder's Done.
func (b *batch) finish() error {
	if err := context.Cause(b.ctx); err != nil {
		return err
	}
	if b.o.done != nil {
		return b.o.done(b.ctx)
	}
	return nil
}
