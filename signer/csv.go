package signer

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxRowLen bounds one batch row, CSV record or JSON line, so that a stray
// quote or a runaway line costs one row, not all memory.
const MaxRowLen = 64 << 10

// csvReader reads CSV as people send it (RFC 4180 and its variations): a
// UTF-8 BOM, CRLF or LF line ends, quoted fields spanning lines, blank
// lines, and spaces around fields and quotes. Unlike encoding/csv it bounds
// each record and, after a malformed one, carries on with the next line.
type csvReader struct {
	r     *bufio.Reader
	line  int // line of the next byte, from 1
	field []byte
	// raw holds the current record's bytes, at most MaxRowLen+1, so that
	// after a bad quoted field reading can go back to the line after its
	// opening quote; again holds bytes given back, read before r.
	raw   []byte
	again []byte
}

func newCSVReader(r io.Reader) *csvReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		br.Discard(3)
	}
	return &csvReader{r: br, line: 1}
}

var errRowTooLong = fmt.Errorf("%w: longer than %d bytes", ErrBadRow, MaxRowLen)

// read returns the next record that is not blank, and the line it starts
// on. At the end it returns io.EOF. A malformed record gives a *FieldError
// wrapping ErrBadRow, with the line and column; reading then goes on at
// the line after the one where the bad field starts (for a quoted field,
// its opening quote), so that a stray quote costs only its own row.
func (c *csvReader) read() (fields []string, line int, err error) {
	for {
		fields, line, err = c.record()
		if err != nil {
			return nil, line, err
		}
		if fields == nil {
			continue // blank line
		}
		return fields, line, nil
	}
}

// record reads one record; a blank one gives nil fields and no error.
func (c *csvReader) record() (fields []string, line int, err error) {
	line = c.line
	c.raw = c.raw[:0]
	blank := true
	for col := 1; ; col++ {
		f, end, err := c.readField(line, col)
		if err == io.EOF {
			if col == 1 {
				return nil, line, io.EOF
			}
			// "a,b," at the very end: the last field is empty.
			f, end, err = "", true, nil
		}
		if err != nil {
			return nil, line, err
		}
		if f != "" {
			blank = false
		}
		fields = append(fields, f)
		if end {
			if blank {
				return nil, line, nil
			}
			return fields, line, nil
		}
	}
}

// next returns the next input byte, given back ones first.
func (c *csvReader) next() (byte, error) {
	if len(c.again) > 0 {
		b := c.again[0]
		c.again = c.again[1:]
		return b, nil
	}
	return c.r.ReadByte()
}

func (c *csvReader) peek() (byte, bool) {
	if len(c.again) > 0 {
		return c.again[0], true
	}
	b, err := c.r.Peek(1)
	return firstByte(b), err == nil
}

func firstByte(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

func (c *csvReader) readByte() (byte, error) {
	b, err := c.next()
	if err != nil {
		return 0, err
	}
	c.raw = append(c.raw, b)
	if b == '\n' {
		c.line++
	}
	if len(c.raw) > MaxRowLen {
		return 0, errRowTooLong
	}
	return b, nil
}

// readField reads one field; end reports the end of the record. At the end
// of the input it returns end with a nil error unless nothing was read.
func (c *csvReader) readField(line, col int) (f string, end bool, err error) {
	c.field = c.field[:0]
	start, quoteLine := len(c.raw), c.line
	fail := func(err error, msg string) (string, bool, error) {
		if msg == "" && err != errRowTooLong {
			return "", true, err // a read error, not a bad row
		}
		if msg == "" {
			msg = errRowTooLong.Error()
		} else {
			msg = ErrBadRow.Error() + ": " + msg
		}
		c.resume(start)
		return "", true, &FieldError{Line: line, Column: col, Err: rowError{msg}}
	}
	b, err := c.readByte()
	for err == nil && (b == ' ' || b == '\t') {
		b, err = c.readByte()
	}
	if err == io.EOF {
		return "", true, io.EOF
	}
	if err != nil {
		return fail(err, "")
	}
	if b != '"' {
		for err == nil && b != ',' && b != '\n' {
			c.field = append(c.field, b)
			b, err = c.readByte()
		}
		if err != nil && err != io.EOF {
			return fail(err, "")
		}
		return c.text(true), b != ',' || err == io.EOF, nil
	}
	// Quoted: "" stands for one quote; commas and line breaks are data.
	const fix = "close it with a quote, or write a quote inside a field as \"\""
	for {
		b, err = c.readByte()
		if err == io.EOF {
			return fail(nil, fmt.Sprintf("the quoted field opened on line %d is never closed; %s", quoteLine, fix))
		}
		if err == errRowTooLong {
			return fail(nil, fmt.Sprintf("the quoted field opened on line %d is not closed within %d bytes; %s", quoteLine, MaxRowLen, fix))
		}
		if err != nil {
			return fail(err, "")
		}
		if b != '"' {
			c.field = append(c.field, b)
			continue
		}
		if next, ok := c.peek(); ok && next == '"' {
			c.readByte()
			c.field = append(c.field, '"')
			continue
		}
		break
	}
	closeLine := c.line
	f = c.text(false)
	b, err = c.readByte()
	for err == nil && (b == ' ' || b == '\t' || b == '\r') {
		b, err = c.readByte()
	}
	switch {
	case err == io.EOF:
		return f, true, nil
	case err != nil:
		return fail(err, "")
	case b == ',':
		return f, false, nil
	case b == '\n':
		return f, true, nil
	}
	if closeLine != quoteLine {
		// Likely a stray quote, closed by one meant for a later row.
		return fail(nil, fmt.Sprintf("the quoted field opened on line %d closes on line %d and is followed by %q; %s", quoteLine, closeLine, rune(b), fix))
	}
	return fail(nil, fmt.Sprintf("%q after a closing quote; a quote inside a quoted field is written \"\"", rune(b)))
}

// resume goes on, after a bad field that starts at raw[start:], at the
// line after the one the field starts on: bytes read past that line are
// given back, to be read again. Each byte is given back at most once per
// bad field, and a record is at most MaxRowLen bytes, so this bounds the
// extra reading; a field without a line end is skipped to its line's end.
func (c *csvReader) resume(start int) {
	i := bytes.IndexByte(c.raw[start:], '\n')
	if i < 0 {
		c.skipLine()
		return
	}
	rest := c.raw[start+i+1:]
	c.line -= bytes.Count(rest, []byte{'\n'})
	c.again = append(bytes.Clone(rest), c.again...)
	c.raw = c.raw[:start+i+1]
}

// text returns the field read; an unquoted one loses its trailing spaces
// and the CR of a CRLF line end.
func (c *csvReader) text(trim bool) string {
	f := c.field
	if trim {
		for len(f) > 0 && (f[len(f)-1] == ' ' || f[len(f)-1] == '\t' || f[len(f)-1] == '\r') {
			f = f[:len(f)-1]
		}
	}
	return string(f)
}

// skipLine discards the rest of the current line after a malformed record.
func (c *csvReader) skipLine() {
	if n := len(c.raw); n > 0 && c.raw[n-1] == '\n' {
		return // the line end is read already
	}
	for {
		b, err := c.next()
		if err != nil {
			return
		}
		if b == '\n' {
			c.line++
			return
		}
	}
}

// rowError is a row's problem as text: it already says ErrBadRow's words,
// and wraps it.
type rowError struct{ msg string }

func (e rowError) Error() string { return e.msg }
func (e rowError) Unwrap() error { return ErrBadRow }

// appendCSV appends f as a CSV field, quoted when it needs to be: for
// separators and quotes, and for the spaces and tabs at either end that the
// reader trims from unquoted fields, and for a leading byte order mark,
// which the reader drops at the start of a file.
func appendCSV(dst []byte, f string) []byte {
	if f == "" || !strings.ContainsAny(f, ",\"\r\n") && !isBlank(f[0]) && !isBlank(f[len(f)-1]) && !strings.HasPrefix(f, "\ufeff") {
		return append(dst, f...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(f); i++ {
		if f[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, f[i])
	}
	return append(dst, '"')
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch {
			case b == '"' || b == '\\':
				dst = append(dst, '\\', b)
			case b == '\n':
				dst = append(dst, '\\', 'n')
			case b == '\r':
				dst = append(dst, '\\', 'r')
			case b == '\t':
				dst = append(dst, '\\', 't')
			case b < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&15])
			default:
				dst = append(dst, b)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&15])
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }
