package batch

import (
	"bufio"
	"slices"
	"strings"
)

// writeHeader writes a CSV output's header row.
func (b *batch) writeHeader(w *bufio.Writer) {
	if b.out != formatCSV {
		return
	}
	var line []byte
	for i, c := range b.outCols {
		if i > 0 {
			line = append(line, ',')
		}
		line = appendCSV(line, c)
	}
	w.Write(append(line, '\n'))
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
