package batch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/licmint/licmint/signer"
)

// jsonlReader splits JSON Lines input into lines; the workers parse them.
// As for CSV, the text may be UTF-8 or UTF-16 (see newTextReader), and a
// CR, LF or CRLF ends a line: JSON text holds no line break outside its
// whitespace, so a bare CR is taken for the line end old Mac tools write.
type jsonlReader struct {
	r    *bufio.Reader
	line int
	buf  []byte
}

func newJSONLReader(r io.Reader) *jsonlReader {
	br, _ := newTextReader(r)
	return &jsonlReader{r: br}
}

// read returns the next line that is not blank and its number, io.EOF at
// the end, or a *signer.FieldError for a line longer than maxRowLen, which it
// skips.
func (j *jsonlReader) read() (text []byte, line int, err error) {
	for {
		b, long, err := j.readLine()
		if err != nil && err != io.EOF {
			return nil, j.line + 1, err
		}
		if err == io.EOF && len(b) == 0 && !long {
			return nil, j.line, io.EOF
		}
		j.line++
		if long {
			return nil, j.line, &signer.FieldError{Line: j.line, Err: errRowTooLong}
		}
		if len(bytes.TrimSpace(b)) > 0 {
			return bytes.Clone(b), j.line, nil
		}
		if err == io.EOF {
			return nil, j.line, io.EOF
		}
	}
}

// readLine reads a line without its line end; long reports one longer
// than maxRowLen, of which it keeps nothing. At the end of the input it
// returns the last line, if any, with io.EOF.
func (j *jsonlReader) readLine() (line []byte, long bool, err error) {
	j.buf = j.buf[:0]
	for skipped := 0; ; {
		n := max(j.r.Buffered(), 1)
		buf, err := j.r.Peek(n)
		if len(buf) == 0 {
			return j.buf, long, err
		}
		i := bytes.IndexAny(buf, "\r\n")
		part := buf
		if i >= 0 {
			part = buf[:i]
		}
		if long || len(j.buf)+len(part) > maxRowLen {
			long = true
			if skipped += len(part); skipped > maxSkip {
				return nil, true, errNoLineEnd
			}
		} else {
			j.buf = append(j.buf, part...)
		}
		j.r.Discard(len(part))
		if i < 0 {
			continue
		}
		if b, _ := j.r.ReadByte(); b == '\r' {
			if next, _ := j.r.Peek(1); len(next) == 1 && next[0] == '\n' {
				j.r.Discard(1)
			}
		}
		return j.buf, long, nil
	}
}

// parseObject reads one JSON object, keeping its keys in order and its
// values as raw JSON.
func parseObject(line []byte) (keys, values []string, err error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	bad := func(msg string) error {
		return rowError{fmt.Sprintf("%s: column %d: %s", ErrBadRow, dec.InputOffset()+1, msg)}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, bad(jsonMessage(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, bad("want a JSON object, {\"rk\": ..., \"edition\": ...}")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, bad(jsonMessage(err))
		}
		k := tok.(string) // object keys are always strings
		if seen[k] {
			return nil, nil, bad(fmt.Sprintf("key %q appears twice", k))
		}
		seen[k] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, bad(jsonMessage(err))
		}
		keys = append(keys, k)
		values = append(values, string(raw))
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, bad(jsonMessage(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, bad("text after the JSON object; one object per line")
	}
	return keys, values, nil
}

func jsonMessage(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the JSON object is cut short"
	}
	return err.Error()
}

// jsonText returns the text of a raw JSON value: a string unquoted, null
// empty, anything else as written.
func jsonText(raw string) (string, error) {
	if raw == "null" {
		return "", nil
	}
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			return "", err
		}
		return s, nil
	}
	return raw, nil
}
