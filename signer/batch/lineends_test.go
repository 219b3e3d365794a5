package batch_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer/batch"
)

// testRK returns the full PC Registration Key with serial n.
func testRK(n int) string {
	k, _ := formats.NewRegistrationKey(formats.MustProduct("PC"), false, formats.Serial(n))
	return k.String()
}

// signRows signs in to JSON Lines and returns the output rows.
func signRows(t *testing.T, in string, o fmts) ([]map[string]any, batch.Stats) {
	t.Helper()
	o.jsonlOut = true
	var out bytes.Buffer
	st, err := run(newSigner(t), &out, strings.NewReader(in), o)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		rows = append(rows, m)
	}
	return rows, st
}

func str(v any) string { s, _ := v.(string); return s }

// A bare CR (old Mac files, some Excel exports) ends a row as LF and CRLF
// do: in the file row C used to vanish into row B.
func TestBatchBareCR(t *testing.T) {
	a, b, c, d := testRK(1), testRK(2), testRK(3), testRK(4)
	in := "rk,edition\r\n" + a + ",premium\n" + b + ",premium\r" + c + ",premium\r\n" + d + ",standard\n"
	rows, st := signRows(t, in, fmts{})
	if st.Signed != 4 || st.Failed != 0 || len(rows) != 4 {
		t.Fatalf("stats %+v, rows %v", st, rows)
	}
	for i, want := range []string{a, b, c, d} {
		if rows[i]["rk"] != want || str(rows[i]["activation_code"]) == "" {
			t.Errorf("row %d: %v, want rk %s signed", i+1, rows[i], want)
		}
	}

	// Line numbers stay right under every mix: CR, LF and CRLF each end
	// one line, inside a quoted field too, where they are kept as given.
	in = "rk,edition,note\r" + // 1
		"PC-0000-0000-0000-0014,standard,a\r" + // 2: bad key
		a + ",standard,\"x\ry\r\nz\nw\"\n" + // 3-6: a note with line breaks
		"PC-0000-0000-0000-0022,standard,\r\n" + // 7: bad key
		"\r\r \n" + // 8-10: blank
		b + ",gold,\"q\"\r" + // 11: unknown edition
		c + ",\"premium\r" + // 12: never closed
		d + ",standard" // 13, no line end
	rows, st = signRows(t, in, fmts{})
	if st.Signed != 2 || st.Failed != 4 || len(rows) != 6 {
		t.Fatalf("stats %+v, rows %v", st, rows)
	}
	for i, want := range []string{
		"line 2, column 1 (rk): registration key: check digit",
		"",
		"line 7, column 1 (rk): registration key: check digit",
		`line 11, column 2 (edition): unknown edition "gold"`,
		"line 12, column 2: unreadable row: the quoted field opened on line 12 is never closed",
		"",
	} {
		if e := str(rows[i]["error"]); want == "" && e != "" || !strings.HasPrefix(e, want) {
			t.Errorf("row %d: error %q, want %q", i+1, e, want)
		}
	}
	if rows[1]["note"] != "x\ry\r\nz\nw" || rows[5]["rk"] != d {
		t.Errorf("rows %v", rows)
	}
}

// JSON Lines: a bare CR ends a line too.
func TestBatchJSONLBareCR(t *testing.T) {
	a, b, c := testRK(1), testRK(2), testRK(3)
	in := `{"rk": "` + a + `", "edition": "standard"}` + "\r" +
		`{"rk": "` + b + `", "edition": "standard"}` + "\r\n\r" +
		`{"rk": "x", "edition": "standard"}` + "\n" +
		`{"rk": "` + c + `", "edition": "standard"}`
	rows, st := signRows(t, in, fmts{jsonlIn: true})
	if st.Signed != 3 || st.Failed != 1 || len(rows) != 4 {
		t.Fatalf("stats %+v, rows %v", st, rows)
	}
	if rows[0]["rk"] != a || rows[1]["rk"] != b || rows[3]["rk"] != c ||
		!strings.HasPrefix(str(rows[2]["error"]), "line 4 (rk): ") {
		t.Fatalf("rows %v", rows)
	}
}

// Property: for any mix of CR, LF and CRLF line ends, blank lines, and
// fields with quotes, separators and line breaks, every record comes out
// as one row, in order, with its own data, and a bad one with the line it
// starts on.
func TestBatchLineEndsProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 4))
	ends := []string{"\r", "\n", "\r\n"}
	alphabet := []string{"a", "b", " ", ",", "\"", "\r", "\n", "\r\n", "é", "\t"}
	s := newSigner(t)
	for iter := range 200 {
		var in strings.Builder
		end := func() { in.WriteString(ends[rng.IntN(len(ends))]) }
		in.WriteString("rk,note,edition")
		type record struct {
			rk, note string
			good     bool
			line     int
		}
		var recs []record
		for i := range rng.IntN(12) {
			end()
			for rng.IntN(4) == 0 { // blank lines
				in.WriteString([]string{"", " ", ",,", " , "}[rng.IntN(4)])
				end()
			}
			var note strings.Builder
			for range rng.IntN(8) {
				note.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			r := record{rk: testRK(iter*100 + i), note: note.String(), good: rng.IntN(5) != 0}
			if !r.good {
				r.rk += "9"
			}
			// The line a record starts on: one more than the line ends
			// before it, counting CRLF once.
			text := strings.ReplaceAll(in.String(), "\r\n", "\n")
			r.line = 1 + strings.Count(text, "\n") + strings.Count(text, "\r")
			field := r.note
			if strings.ContainsAny(field, ",\"\r\n") || field != strings.TrimSpace(field) || rng.IntN(3) == 0 {
				field = `"` + strings.ReplaceAll(field, `"`, `""`) + `"`
			}
			fmt.Fprintf(&in, "%s,%s,standard", r.rk, field)
			recs = append(recs, r)
		}
		if rng.IntN(2) == 0 {
			end()
		}
		var out bytes.Buffer
		st, err := run(s, &out, strings.NewReader(in.String()), fmts{jsonlOut: true}, batch.WithWorkers(2))
		if err != nil {
			t.Fatalf("input %q: %v", in.String(), err)
		}
		var rows []map[string]any
		dec := json.NewDecoder(&out)
		for dec.More() {
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, m)
		}
		if len(rows) != len(recs) || st.Signed+st.Failed != len(recs) {
			t.Fatalf("input %q: %d records in, %d rows out, stats %+v", in.String(), len(recs), len(rows), st)
		}
		for i, r := range recs {
			row := rows[i]
			if row["rk"] != r.rk || row["note"] != r.note {
				t.Fatalf("input %q: record %d (%q, %q) came out as %v", in.String(), i+1, r.rk, r.note, row)
			}
			e := str(row["error"])
			if r.good != (e == "") || !r.good && !strings.HasPrefix(e, fmt.Sprintf("line %d, column 1 (rk)", r.line)) {
				t.Fatalf("input %q: record %d on line %d: error %q", in.String(), i+1, r.line, e)
			}
		}
	}
}

// utf16Bytes encodes s as UTF-16, with a byte order mark if bom.
func utf16Bytes(s string, bigEndian, bom bool) []byte {
	var order binary.AppendByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	var b []byte
	if bom {
		b = order.AppendUint16(b, 0xFEFF)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = order.AppendUint16(b, u)
	}
	return b
}

// UTF-16 files, as PowerShell's redirection writes them, with or without a
// byte order mark, read as their UTF-8 text does; so does Excel's "Unicode
// Text", which is UTF-16 and tab-separated.
func TestBatchUTF16(t *testing.T) {
	csvText := "rk,edition,customer\r\n" +
		rk1 + ",premium,\"Zoë, 😀\"\r\n" +
		"PC-0000-0000-0000-0014,standard,x\r\n" +
		rk2 + ",standard,\"a\tb\"\r\n"
	want, _ := signCSV(t, csvText, fmts{})
	if !strings.Contains(want, "Zoë, 😀") || strings.Count(want, ",PC-") != 2 {
		t.Fatalf("UTF-8 output:\n%s", want)
	}
	tsv := strings.NewReplacer(`"Zoë, 😀"`, `"Zoë, 😀"`, ",", "\t").Replace(csvText)
	for _, tc := range []struct {
		name     string
		text     string
		big, bom bool
	}{
		{"LE with BOM", csvText, false, true},
		{"LE", csvText, false, false},
		{"BE with BOM", csvText, true, true},
		{"BE", csvText, true, false},
		{"Unicode Text", tsv, false, true},
	} {
		var out bytes.Buffer
		_, err := run(newSigner(t), &out, bytes.NewReader(utf16Bytes(tc.text, tc.big, tc.bom)), fmts{})
		if err != nil || out.String() != want {
			t.Errorf("%s: %v\n%s\nwant\n%s", tc.name, err, out.String(), want)
		}
	}

	// JSON Lines in UTF-16 read too.
	jl := `{"rk": "` + rk1 + `", "edition": "standard", "note": "Zoë 😀"}` + "\r\n"
	var out bytes.Buffer
	st, err := run(newSigner(t), &out, bytes.NewReader(utf16Bytes(jl, false, true)), fmts{jsonlIn: true, jsonlOut: true})
	if err != nil || st.Signed != 1 || !strings.Contains(out.String(), `"note":"Zoë 😀"`) {
		t.Fatalf("JSON Lines: %+v %v\n%s", st, err, out.String())
	}

	// A header that does not fit says how the file was read, and shows
	// no NUL or other control byte.
	for _, in := range [][]byte{
		utf16Bytes("rk;edition\r\n", false, true),
		[]byte("rk,ed\x00ition\x1b\n"),
	} {
		_, err := run(newSigner(t), new(bytes.Buffer), bytes.NewReader(in), fmts{})
		if err == nil || strings.ContainsFunc(err.Error(), func(r rune) bool { return r < 0x20 }) {
			t.Errorf("%q: error %q", in, err)
		}
		if in[0] == 0xFF && !strings.Contains(err.Error(), "UTF-16 (little-endian)") {
			t.Errorf("%q: error %q does not name the encoding", in, err)
		}
	}
}

// TestEndlessLine: an input with no line end, such as /dev/zero, ends the
// batch with an error once the readers have looked maxSkip bytes for one,
// rather than reading forever.
func TestEndlessLine(t *testing.T) {
	endless := io.MultiReader(strings.NewReader("rk,edition\nPC-0314-1592-6535-8978,standard\n"), zeros{})
	for name, r := range map[string]*batch.Reader{
		"csv":   batch.NewCSVReader(endless),
		"jsonl": batch.NewJSONLReader(io.MultiReader(strings.NewReader(`{"rk":"PC-0314-1592-6535-8978","edition":"standard"}`+"\n"), zeros{})),
	} {
		w := batch.NewJSONLWriter(io.Discard)
		if name == "csv" {
			w = batch.NewCSVWriter(io.Discard)
		}
		_, err := batch.Run(context.Background(), newSigner(t), r, w)
		if err == nil || !strings.Contains(err.Error(), "no line end") {
			t.Errorf("%s: endless input: %v", name, err)
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
