package batch

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/licmint/licmint/signer"
)

// maxRowLen bounds one batch row, CSV record or JSON line, so that a stray
// quote or a runaway line costs one row, not all memory.
const maxRowLen = 64 << 10

// csvReader reads CSV as people send it (RFC 4180 and its variations):
// UTF-8 or UTF-16 (see newTextReader), CR, LF or CRLF line ends in any
// mix, quoted fields spanning lines, blank lines, spaces around fields and
// quotes, and tab-separated files. Unlike encoding/csv it bounds each
// record and, after a malformed one, carries on with the next line.
//
// A line end inside a quoted field is data and is kept as written, CR
// included; it still counts as a line end for the line numbers in errors,
// as text editors count it.
type csvReader struct {
	r    *bufio.Reader
	sep  byte // ',' or, for a tab-separated file, '\t'
	line int  // line of the next byte, from 1
	// cr reports that the last byte read was a CR, so that an LF right
	// after it is part of the same line end.
	cr    bool
	field []byte
	// raw holds the current record's bytes, at most maxRowLen+1, so that
	// after a bad quoted field reading can go back to the line after its
	// opening quote; again holds bytes given back, read before r.
	raw   []byte
	again []byte
	// encoding names how the text was decoded, for errors: "" for UTF-8.
	encoding string
	// skipErr stops reading: a bad row's line had no end (errNoLineEnd).
	skipErr error
}

func newCSVReader(r io.Reader) *csvReader {
	br, encoding := newTextReader(r)
	return &csvReader{r: br, sep: sniffSep(br), line: 1, encoding: encoding}
}

// sniffSep returns the separator: a tab when the first line that is not
// blank has tabs but no comma, as Excel's "Unicode Text" export writes. A
// comma-separated header without a comma is a single column, which never
// names both rk and edition, so this takes no working CSV file for a
// tab-separated one.
func sniffSep(br *bufio.Reader) byte {
	buf, _ := br.Peek(br.Size())
	for len(buf) > 0 {
		i := bytes.IndexAny(buf, "\r\n")
		line := buf
		if i >= 0 {
			line, buf = buf[:i], buf[i+1:]
		} else {
			buf = nil
		}
		if len(bytes.Trim(line, " \t")) == 0 {
			continue
		}
		if bytes.IndexByte(line, ',') < 0 && bytes.IndexByte(line, '\t') >= 0 {
			return '\t'
		}
		break
	}
	return ','
}

// newTextReader returns r's text as UTF-8, without a byte order mark, and
// the encoding it was read in, "" for UTF-8. UTF-16, as Excel's "Unicode
// Text" and PowerShell's redirection write, is decoded: it starts with a
// byte order mark, or, without one, has a NUL in one of its first two
// bytes, as UTF-16 text that starts with ASCII does and UTF-8 text never
// sensibly does. Both formats' readers start here.
func newTextReader(r io.Reader) (*bufio.Reader, string) {
	br := bufio.NewReaderSize(r, maxRowLen)
	b, _ := br.Peek(3)
	if len(b) == 3 && string(b) == "\uFEFF" {
		br.Discard(3)
		return br, ""
	}
	if len(b) < 2 {
		return br, ""
	}
	var u *utf16Reader
	switch {
	case b[0] == 0xFF && b[1] == 0xFE:
		br.Discard(2)
		u = &utf16Reader{r: br}
	case b[0] == 0xFE && b[1] == 0xFF:
		br.Discard(2)
		u = &utf16Reader{r: br, bigEndian: true}
	case b[0] != 0 && b[1] == 0:
		u = &utf16Reader{r: br}
	case b[0] == 0 && b[1] != 0:
		u = &utf16Reader{r: br, bigEndian: true}
	default:
		return br, ""
	}
	name := "UTF-16 (little-endian)"
	if u.bigEndian {
		name = "UTF-16 (big-endian)"
	}
	return bufio.NewReaderSize(u, maxRowLen), name
}

// utf16Reader decodes UTF-16 to UTF-8. An unpaired surrogate, or an odd
// byte at the end, becomes U+FFFD, as unicode/utf16 decodes them: visible
// in the output, and a row error where it lands in a key or a date.
type utf16Reader struct {
	r         *bufio.Reader
	bigEndian bool
	pending   []byte // the rest of a rune that did not fit
	buf       [utf8.UTFMax]byte
}

func (u *utf16Reader) Read(p []byte) (n int, err error) {
	for n < len(p) {
		if len(u.pending) > 0 {
			c := copy(p[n:], u.pending)
			u.pending = u.pending[c:]
			n += c
			continue
		}
		if n > 0 && u.r.Buffered() < 2 {
			break // return what there is rather than wait for more
		}
		r, err := u.rune()
		if err != nil {
			if err == io.EOF && n > 0 {
				err = nil
			}
			return n, err
		}
		if utf8.RuneLen(r) <= len(p)-n {
			n += utf8.EncodeRune(p[n:], r)
			continue
		}
		u.pending = utf8.AppendRune(u.buf[:0], r)
	}
	return n, nil
}

// unit reads one UTF-16 code unit; an odd byte at the end gives U+FFFD.
func (u *utf16Reader) unit() (rune, error) {
	b, err := u.r.Peek(2)
	switch {
	case len(b) == 2:
		u.r.Discard(2)
		if u.bigEndian {
			return rune(b[0])<<8 | rune(b[1]), nil
		}
		return rune(b[1])<<8 | rune(b[0]), nil
	case len(b) == 1 && err == io.EOF:
		u.r.Discard(1)
		return utf8.RuneError, nil
	}
	return 0, err
}

func (u *utf16Reader) rune() (rune, error) {
	r, err := u.unit()
	if err != nil || !utf16.IsSurrogate(r) {
		return r, err
	}
	if r >= 0xDC00 {
		return utf8.RuneError, nil // a low surrogate without a high one
	}
	// A high surrogate needs a low one next; anything else is read on
	// its own.
	b, _ := u.r.Peek(2)
	if len(b) == 2 {
		lo := rune(b[1])<<8 | rune(b[0])
		if u.bigEndian {
			lo = rune(b[0])<<8 | rune(b[1])
		}
		if lo >= 0xDC00 && lo < 0xE000 {
			u.r.Discard(2)
			return utf16.DecodeRune(r, lo), nil
		}
	}
	return utf8.RuneError, nil
}

var errRowTooLong = fmt.Errorf("%w: longer than %d bytes", ErrBadRow, maxRowLen)

// maxSkip bounds how far past a bad row the readers look for its line's
// end. A row longer than maxRowLen is skipped to go on with the next; a
// line with no end in this many bytes is no batch (/dev/zero, a binary
// file), and reading stops with errNoLineEnd rather than going on forever.
const maxSkip = 16 << 20

var errNoLineEnd = fmt.Errorf("%w: the input has no line end in %d MiB: it is not a CSV or JSON Lines batch", ErrBadRow, maxSkip>>20)

// read returns the next record that is not blank, and the line it starts
// on. At the end it returns io.EOF. A malformed record gives a *signer.FieldError
// wrapping ErrBadRow, with the line and column; reading then goes on at
// the line after the one where the bad field starts (for a quoted field,
// its opening quote), so that a stray quote costs only its own row.
func (c *csvReader) read() (fields []string, line int, err error) {
	var buf fieldBuf
	n, line, err := c.readInto(&buf)
	if err != nil {
		return nil, line, err
	}
	return buf.strings(make([]string, 0, n)), line, nil
}

// fieldBuf holds records' fields in one buffer, so that a batch makes one
// string for a chunk of rows rather than one for each field.
type fieldBuf struct {
	text []byte // the fields, one after another
	ends []int  // where each field ends in text
}

func (f *fieldBuf) reset() { f.text, f.ends = f.text[:0], f.ends[:0] }

// strings appends the fields to dst as strings: substrings of one string.
func (f *fieldBuf) strings(dst []string) []string {
	s, from := string(f.text), 0
	for _, end := range f.ends {
		dst = append(dst, s[from:end])
		from = end
	}
	return dst
}

// readInto reads as read does, appending the record's fields to dst and
// returning their number; on an error it appends none.
func (c *csvReader) readInto(dst *fieldBuf) (n, line int, err error) {
	for {
		n, line, err = c.record(dst)
		if err != nil || n > 0 {
			return n, line, err
		}
		// a blank line
	}
}

// record reads one record into dst; a blank one, or an error, adds no
// field.
func (c *csvReader) record(dst *fieldBuf) (n, line int, err error) {
	line = c.line
	if c.skipErr != nil {
		return 0, line, c.skipErr
	}
	c.raw = c.raw[:0]
	textLen, endsLen := len(dst.text), len(dst.ends)
	undo := func() { dst.text, dst.ends = dst.text[:textLen], dst.ends[:endsLen] }
	blank := true
	for col := 1; ; col++ {
		f, end, err := c.readField(line, col)
		if err == io.EOF {
			if col == 1 {
				return 0, line, io.EOF
			}
			// "a,b," at the very end: the last field is empty.
			f, end, err = nil, true, nil
		}
		if err != nil {
			undo()
			return 0, line, err
		}
		if len(f) > 0 {
			blank = false
		}
		dst.text = append(dst.text, f...)
		dst.ends = append(dst.ends, len(dst.text))
		if end {
			if blank {
				undo()
				return 0, line, nil
			}
			return col, line, nil
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
	c.count(b)
	if len(c.raw) > maxRowLen {
		return 0, errRowTooLong
	}
	return b, nil
}

// count counts b, a byte read, into the line number: CR, LF and CRLF each
// end one line.
func (c *csvReader) count(b byte) {
	if b == '\r' || b == '\n' && !c.cr {
		c.line++
	}
	c.cr = b == '\r'
}

// endLine finishes a line end that b began: the LF of a CRLF is read too.
// The record it ends is complete, so the LF is not kept in raw.
func (c *csvReader) endLine(b byte) {
	if b != '\r' {
		return
	}
	if next, ok := c.peek(); ok && next == '\n' {
		c.next()
		c.cr = false
	}
}

func isLineEnd(b byte) bool { return b == '\n' || b == '\r' }

// space reports the bytes trimmed around fields: spaces, and tabs unless
// they separate the fields.
func (c *csvReader) space(b byte) bool { return b == ' ' || b == '\t' && c.sep != '\t' }

// readField reads one field, valid until the next call; end reports the
// end of the record. At the end of the input it returns end with a nil
// error unless nothing was read.
func (c *csvReader) readField(line, col int) (f []byte, end bool, err error) {
	c.field = c.field[:0]
	start, quoteLine := len(c.raw), c.line
	fail := func(err error, msg string) ([]byte, bool, error) {
		if msg == "" && err != errRowTooLong {
			return nil, true, err // a read error, not a bad row
		}
		if msg == "" {
			msg = errRowTooLong.Error()
		} else {
			msg = ErrBadRow.Error() + ": " + msg
		}
		c.resume(start)
		return nil, true, &signer.FieldError{Line: line, Column: col, Err: rowError{msg}}
	}
	b, err := c.readByte()
	for err == nil && c.space(b) {
		b, err = c.readByte()
	}
	if err == io.EOF {
		return nil, true, io.EOF
	}
	if err != nil {
		return fail(err, "")
	}
	if b != '"' {
		for err == nil && b != c.sep && !isLineEnd(b) {
			c.field = append(c.field, b)
			b, err = c.readByte()
		}
		if err != nil && err != io.EOF {
			return fail(err, "")
		}
		c.endLine(b)
		return c.text(true), b != c.sep || err == io.EOF, nil
	}
	// Quoted: "" stands for one quote; separators and line breaks are data.
	const fix = "close it with a quote, or write a quote inside a field as \"\""
	for {
		b, err = c.readByte()
		if err == io.EOF {
			return fail(nil, fmt.Sprintf("the quoted field opened on line %d is never closed; %s", quoteLine, fix))
		}
		if err == errRowTooLong {
			return fail(nil, fmt.Sprintf("the quoted field opened on line %d is not closed within %d bytes; %s", quoteLine, maxRowLen, fix))
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
	for err == nil && c.space(b) {
		b, err = c.readByte()
	}
	switch {
	case err == io.EOF:
		return f, true, nil
	case err != nil:
		return fail(err, "")
	case b == c.sep:
		return f, false, nil
	case isLineEnd(b):
		c.endLine(b)
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
// bad field, and a record is at most maxRowLen bytes, so this bounds the
// extra reading; a field without a line end is skipped to its line's end.
func (c *csvReader) resume(start int) {
	i := bytes.IndexAny(c.raw[start:], "\r\n")
	if i < 0 {
		c.skipLine()
		return
	}
	end := start + i + 1
	if c.raw[end-1] == '\r' && end < len(c.raw) && c.raw[end] == '\n' {
		end++
	}
	rest := c.raw[end:]
	// Uncount the line ends in rest, as count counted them.
	c.cr = c.raw[end-1] == '\r'
	cr := c.cr
	for _, b := range rest {
		if b == '\r' || b == '\n' && !cr {
			c.line--
		}
		cr = b == '\r'
	}
	c.again = append(bytes.Clone(rest), c.again...)
	c.raw = c.raw[:end]
}

// text returns the field read; an unquoted one loses its trailing spaces.
func (c *csvReader) text(trim bool) []byte {
	f := c.field
	if trim {
		for len(f) > 0 && c.space(f[len(f)-1]) {
			f = f[:len(f)-1]
		}
	}
	return f
}

// skipLine discards the rest of the current line after a malformed record.
func (c *csvReader) skipLine() {
	if n := len(c.raw); n > 0 && isLineEnd(c.raw[n-1]) {
		c.endLine(c.raw[n-1]) // the line end is read already
		return
	}
	for n := 0; ; n++ {
		if n == maxSkip {
			c.skipErr = errNoLineEnd
			return
		}
		b, err := c.next()
		if err != nil {
			return
		}
		c.count(b)
		if isLineEnd(b) {
			c.endLine(b)
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
