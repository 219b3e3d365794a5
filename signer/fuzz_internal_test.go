package signer

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzCSVReader: any input reads without panicking, every error is a row
// error with a line, and every record read writes back (appendCSV) to CSV
// that reads as the same record.
func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{
		"rk,edition\nPC-0314-1592-6535-8978,standard\n",
		"\uFEFFa, b ,\"c,d\"\r\n\r\n\"x\"\"y\",\"multi\nline\"\n",
		"\"unclosed\nrow\n", "\"a\" x,b\n", "a,b,\n", ",,,\n  \n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := newCSVReader(strings.NewReader(s))
		for i := 0; ; i++ {
			if i > len(s)+1 {
				t.Fatal("no progress")
			}
			fields, line, err := r.read()
			if err == io.EOF {
				return
			}
			var fe *FieldError
			if err != nil {
				if !errors.As(err, &fe) || !errors.Is(err, ErrBadRow) || fe.Line < 1 || fe.Line != line {
					t.Fatalf("error %v (%T) at line %d", err, err, line)
				}
				continue
			}
			var out []byte
			for j, f := range fields {
				if j > 0 {
					out = append(out, ',')
				}
				out = appendCSV(out, f)
			}
			back, _, err := newCSVReader(strings.NewReader(string(out) + "\n")).read()
			if err != nil || strings.Join(back, "\x00") != strings.Join(fields, "\x00") {
				t.Fatalf("record %q wrote as %q, read back as %q, %v", fields, out, back, err)
			}
		}
	})
}

// FuzzParseObject: any line parses or fails with a row error; an object
// that parses writes back to JSON that parses the same.
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{
		`{"rk": "PC-0314-1592-6535-8978", "edition": "standard", "days": 30}`,
		`{"a": {"b": [1, 2]}, "c": null}`, `{"a": 1, "a": 2}`, `[1]`, `{"a": 1} x`, `{`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		keys, vals, err := parseObject([]byte(s))
		if err != nil {
			if !errors.Is(err, ErrBadRow) {
				t.Fatalf("error %v does not wrap ErrBadRow", err)
			}
			return
		}
		b := &batch{o: BatchOptions{Out: JSONL}}
		row := &inRow{keys: keys, vals: vals}
		if row.keys == nil {
			row.keys = []string{}
		}
		out := b.appendRow(nil, row, &rowResult{})
		keys2, vals2, err := parseObject(out)
		if err != nil || strings.Join(keys2, "\x00") != strings.Join(keys, "\x00") || len(vals2) != len(vals) {
			t.Fatalf("%q wrote as %q: %v", s, out, err)
		}
	})
}
