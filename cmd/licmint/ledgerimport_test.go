package main

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// The rows of an import are read within maxImportRow each, whatever
// the file holds: an endless quoted CSV field or JSON line stops the read
// a little past the limit, with the line it started on.
func TestImportRowsBounded(t *testing.T) {
	for name, tc := range map[string]struct {
		prefix string
		format int
		line   int
	}{
		"csv":   {"rk,edition\nPC-0000-0000-0000-0037,standard\n\"PC", batchCSV, 3},
		"jsonl": {`{"rk":"PC-0000-0000-0000-0037"}` + "\n" + `{"rk":"`, batchJSONL, 2},
	} {
		rest := &repeatReader{b: 'x', n: 1 << 30}
		rr := newRowReader(io.MultiReader(strings.NewReader(tc.prefix), rest), tc.format)
		row, _, err := rr.next()
		if err != nil || row["rk"] != "PC-0000-0000-0000-0037" {
			t.Fatalf("%s: first row %v, %v", name, row, err)
		}
		_, line, err := rr.next()
		var re *rowError
		if !errors.As(err, &re) || line != tc.line {
			t.Fatalf("%s: %v at line %d, want a row error at line %d", name, err, line, tc.line)
		}
		if read := 1<<30 - rest.n; read > 4*maxImportRow {
			t.Fatalf("%s: read %d bytes for a row limited to %d", name, read, maxImportRow)
		}
	}
}

// repeatReader reads n copies of b.
type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = r.b
	}
	r.n -= k
	return k, nil
}
