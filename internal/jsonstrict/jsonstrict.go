// Package jsonstrict refuses what encoding/json lets through silently in
// the JSON files and tokens licmint reads: a member name repeated in one
// object, which encoding/json resolves by taking the last (so
// {"exp":bad,"exp":good} would read as good), and, where the format says
// so, null, which encoding/json reads as "leave the field alone", and a
// member name that encoding/json matches to a field regardless of case
// ("EXP" read as "exp"), which no other language's reader does, and bytes
// that are not UTF-8, which encoding/json reads as U+FFFD.
package jsonstrict

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Error is a refused member, with where it is in the input.
type Error struct {
	Line, Column int    // from 1, counting bytes; only LF ends a line
	Msg          string // what is wrong, such as `member "exp" appears twice`
}

func (e *Error) Error() string { return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg) }

// Options says what Check refuses besides repeated member names.
type Options struct {
	// AllowNull lets null stand as a value anywhere; AllowTopLevelNull
	// only as the value of a member of the outermost object (a token's
	// claim that counts as absent, but not an element of one).
	AllowNull, AllowTopLevelNull bool
	// Names are the member names the caller decodes into struct fields;
	// a member that equals one of them only under Unicode case folding is
	// refused. With TopLevel, only in the outermost object (so that the
	// free-form objects inside, such as a token's customer fields, keep
	// any names).
	Names    []string
	TopLevel bool
}

// Check walks data, one or more JSON values, and returns an *Error for the
// first byte that is not UTF-8, the first member name that appears twice
// in one object, at any depth, and for what o refuses. Syntax errors are left to the caller's decoder,
// which reports them in its own words: Check returns nil at the first one.
func Check(data []byte, o Options) error {
	// JSON text is UTF-8 (RFC 8259, section 8.1); Go's decoder would read
	// a byte that is not as U+FFFD, where other readers refuse it.
	for off := 0; off < len(data); {
		r, size := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && size <= 1 {
			return at(data, off, fmt.Sprintf("byte 0x%02x is not UTF-8: JSON text is UTF-8", data[off]))
		}
		off += size
	}
	type frame struct {
		obj  bool
		key  bool // the next token is a member name
		keys map[string]bool
	}
	var stack []*frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].key = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return nil // a syntax error: the caller's decoder reports it
		}
		// InputOffset is the end of tok; the error points at its start,
		// which for a name or null is near enough to show the line.
		off := int(dec.InputOffset())
		if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].key {
			top := stack[n-1]
			if tok == json.Delim('}') {
				stack = stack[:n-1]
				valueDone()
				continue
			}
			name, _ := tok.(string)
			if top.keys[name] {
				return at(data, off, fmt.Sprintf("member %q appears twice in one object", name))
			}
			if !o.TopLevel || n == 1 {
				for _, want := range o.Names {
					if name != want && strings.EqualFold(name, want) {
						return at(data, off, fmt.Sprintf("member %q: the name is %q, in that case", name, want))
					}
				}
			}
			top.keys[name], top.key = true, false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{obj: true, key: true, keys: map[string]bool{}})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		case nil:
			if top := len(stack) == 1 && stack[0].obj; !o.AllowNull && !(o.AllowTopLevelNull && top) {
				return at(data, off, "null is not a value here: leave the member out instead")
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

func at(data []byte, off int, msg string) *Error {
	off = min(off, len(data))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	return &Error{Line: line, Column: off - bytes.LastIndexByte(data[:off], '\n'), Msg: msg}
}
