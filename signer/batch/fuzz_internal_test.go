package batch

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/licmint/licmint/signer"
)

// FuzzCSVReader: any input reads without panicking, every error is a row
// error with a line, and every record read writes back (appendCSV) to CSV
// that reads as the same record.
func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{
		"rk,edition\nPC-0314-1592-6535-8978,standard\n",
		"\uFEFFa, b ,\"c,d\"\r\n\r\n\"x\"\"y\",\"multi\nline\"\n",
		"\"unclosed\nrow\n", "\"a\" x,b\n", "a,b,\n", ",,,\n  \n",
		"a,b\rc,d\r\ne\n\rf", "\"x\ry\",\"\r\"\rz\r", "a\"b\rc\n\"\"\r", "h1\th2\r\n\"a\tb\"\tc\r",
		"\xff\xfea\x00,\x00b\x00\r\x00", "a\x00\r\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := newCSVReader(strings.NewReader(s))
		var lines []int // where each record or error starts
		for i := 0; ; i++ {
			if i > len(s)+1 {
				t.Fatal("no progress")
			}
			fields, line, err := r.read()
			if err == io.EOF {
				break
			}
			if len(lines) > 0 && line <= lines[len(lines)-1] {
				t.Fatalf("record at line %d after one at line %d", line, lines[len(lines)-1])
			}
			lines = append(lines, line)
			var fe *signer.FieldError
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
			// Read back as plain comma-separated UTF-8, whatever its first
			// bytes or tabs suggest.
			again := &csvReader{r: bufio.NewReader(strings.NewReader(string(out) + "\n")), sep: ',', line: 1}
			back, _, err := again.read()
			if err != nil || strings.Join(back, "\x00") != strings.Join(fields, "\x00") {
				t.Fatalf("record %q wrote as %q, read back as %q, %v", fields, out, back, err)
			}
		}
		// Without quotes, records are lines, each ended by CR, LF or CRLF:
		// each line that is not blank gives one record or one error, good
		// or bad, whatever the others.
		if !strings.Contains(s, "\"") && r.encoding == "" {
			var want []int
			text := strings.ReplaceAll(strings.TrimPrefix(s, "\uFEFF"), "\r\n", "\n")
			for i, l := range strings.Split(strings.ReplaceAll(text, "\r", "\n"), "\n") {
				if strings.Trim(l, " \t"+string(r.sep)) != "" {
					want = append(want, i+1)
				}
			}
			if !slices.Equal(lines, want) {
				t.Fatalf("records at lines %v, want %v", lines, want)
			}
		}
	})
}

// A quoted field that is never closed, or not closed within maxRowLen,
// costs its own row only: reading goes on at the line after its opening
// quote. Closed quoted fields still span lines.
func TestCSVReaderBadQuotes(t *testing.T) {
	long := strings.Repeat("x,y\n", maxRowLen/4+10) // no quote: all rows
	for _, tc := range []struct {
		name, in string
		want     []string // "LINE:field|field" or "LINE!error text"
	}{
		{"unclosed", "h1,h2\nA,1\nB,\"premium\nC,3\nD,4\n",
			[]string{"1:h1|h2", "2:A|1", "3!column 2: unreadable row: the quoted field opened on line 3 is never closed", "4:C|3", "5:D|4"}},
		{"unclosed last line", "A,1\nB,\"x", []string{"1:A|1", "2!column 2: unreadable row: the quoted field opened on line 2 is never closed"}},
		{"unclosed after a multi-line field", "\"a\nb\",\"c\nd,e\nf\n",
			[]string{"1!column 2: unreadable row: the quoted field opened on line 2 is never closed", "3:d|e", "4:f"}},
		{"closed by a later row's quote", "A,\"x\nB,2\nC,\"y\"\nD,4\n",
			[]string{"1!column 2: unreadable row: the quoted field opened on line 1 closes on line 3 and is followed by 'y'", "2:B|2", "3:C|y", "4:D|4"}},
		{"closed, spanning lines", "A,\"x\ny\",z\nB,2\n", []string{"1:A|x\ny|z", "3:B|2"}},
		{"junk after a quote", "A,\"x\" y,z\nB,2\n", []string{"1!column 2: unreadable row: 'y' after a closing quote", "2:B|2"}},
		{"not closed within the limit", "A,\"x\n" + long,
			append([]string{fmt.Sprintf("1!column 2: unreadable row: the quoted field opened on line 1 is not closed within %d bytes", maxRowLen)},
				"2:x|y", "3:x|y")},
		{"CRLF", "A,\"x\r\nB,2\r\n", []string{"1!column 2: unreadable row: the quoted field opened on line 1 is never closed", "2:B|2"}},
	} {
		r := newCSVReader(strings.NewReader(tc.in))
		var got []string
		for {
			fields, line, err := r.read()
			if err == io.EOF {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrBadRow) {
					t.Fatalf("%s: %v is not ErrBadRow", tc.name, err)
				}
				got = append(got, fmt.Sprintf("%d!%v", line, err))
			} else {
				got = append(got, fmt.Sprintf("%d:%s", line, strings.Join(fields, "|")))
			}
			if len(got) == len(tc.want) {
				break // the long input goes on with more rows
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			w := tc.want[i]
			if strings.Contains(w, "!") {
				line, msg, _ := strings.Cut(w, "!")
				w = line + "!line " + line + ", " + msg
			}
			if !strings.HasPrefix(got[i], w) {
				t.Errorf("%s: record %d is %q, want %q", tc.name, i+1, got[i], w)
			}
		}
	}
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
		b := &batch{out: formatJSONL}
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

// FuzzTextReader: any text encoded as UTF-16, in either byte order, with a
// byte order mark, reads back as itself, however small the reads; other
// input reads without panicking, UTF-8 as given and anything taken for
// UTF-16 as valid UTF-8.
func FuzzTextReader(f *testing.F) {
	for _, s := range []string{"rk,edition\r\n", "Zoë, 😀\r", "\uFEFF", "\xff\xfe", "a\x00b", "\x00", "\xd8\x00\xdc", "\xff\xfe\x00\xd8a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		br, enc := newTextReader(strings.NewReader(s))
		got, err := io.ReadAll(br)
		switch {
		case err != nil:
			t.Fatal(err)
		case enc == "" && string(got) != strings.TrimPrefix(s, "\uFEFF"):
			t.Fatalf("%q read as %q", s, got)
		case enc != "" && !utf8.Valid(got):
			t.Fatalf("%q read as %s gives invalid UTF-8 %q", s, enc, got)
		}
		runes := []rune(s) // invalid UTF-8 becomes U+FFFD
		for _, big := range []bool{false, true} {
			b := []byte{0xFF, 0xFE}
			order := binary.AppendByteOrder(binary.LittleEndian)
			if big {
				b, order = []byte{0xFE, 0xFF}, binary.BigEndian
			}
			for _, u := range utf16.Encode(runes) {
				b = order.AppendUint16(b, u)
			}
			br, enc := newTextReader(bytes.NewReader(b))
			got, err := io.ReadAll(br)
			if err != nil || string(got) != string(runes) || !strings.HasPrefix(enc, "UTF-16") {
				t.Fatalf("%q as %s (big-endian %v) read as %q, %v", s, enc, big, got, err)
			}
			// Reads smaller than a rune.
			u := &utf16Reader{r: bufio.NewReader(bytes.NewReader(b[2:])), bigEndian: big}
			if got, err := io.ReadAll(iotest.OneByteReader(u)); err != nil || string(got) != string(runes) {
				t.Fatalf("%q (big-endian %v) read byte by byte as %q, %v", s, big, got, err)
			}
		}
	})
}
