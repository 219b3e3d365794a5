package batch

import (
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
)

// Batch sizing: rows travel in chunks, and at most window chunks per
// worker exist at once, which bounds memory whatever the input's size.
const (
	chunkRows = 256
	window    = 4
)

// inRow is an input row as read: a CSV row's fields, or a JSON line until
// a worker parses it.
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

// pipeline holds a Run's chunks and the channels that pass them from
// stage to stage. Every chunk is made up front, so that a slow writer
// holds back the reader rather than letting rows pile up in memory.
type pipeline struct {
	free chan *chunk // for the reader to fill
	jobs chan *chunk // read, for the workers, in order
	done chan *chunk // signed and formatted, for the output, in any order
}

func newPipeline(o *config) *pipeline {
	chunks := window * o.workers
	if o.record != nil && o.recordRows > chunkRows {
		// The writer holds a group of chunks while they are recorded, and
		// the workers go on signing into the others.
		chunks += (o.recordRows + chunkRows - 1) / chunkRows
	}
	p := &pipeline{
		free: make(chan *chunk, chunks),
		jobs: make(chan *chunk, chunks),
		done: make(chan *chunk, chunks),
	}
	for range chunks {
		p.free <- &chunk{}
	}
	return p
}
