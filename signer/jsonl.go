package signer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonlReader splits JSON Lines input into lines; the workers parse them.
type jsonlReader struct {
	r    *bufio.Reader
	line int
}

func newJSONLReader(r io.Reader) *jsonlReader {
	br := bufio.NewReaderSize(r, MaxRowLen+1)
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		br.Discard(3)
	}
	return &jsonlReader{r: br}
}

// read returns the next line that is not blank and its number, io.EOF at
// the end, or a *FieldError for a line longer than MaxRowLen, which it
// skips.
func (j *jsonlReader) read() (text []byte, line int, err error) {
	for {
		b, err := j.r.ReadSlice('\n')
		j.line++
		line = j.line
		if err == bufio.ErrBufferFull {
			for err == bufio.ErrBufferFull {
				_, err = j.r.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, line, err
			}
			return nil, line, &FieldError{Line: line, Err: errRowTooLong}
		}
		if err != nil && err != io.EOF {
			return nil, line, err
		}
		if len(bytes.TrimSpace(b)) > 0 {
			return bytes.Clone(b), line, nil
		}
		if err == io.EOF {
			return nil, line, io.EOF
		}
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
