package batch_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/signer/batch"
)

const (
	rk1 = "PC-0314-1592-6535-8978" // full, serial 31415926535897
	rk2 = "PC-1271-8281-8284-5903" // trial, serial 27182818284590
)

func signCSV(t *testing.T, in string, f fmts, opts ...batch.Option) (string, batch.Stats) {
	t.Helper()
	var out bytes.Buffer
	st, err := run(newSigner(t), &out, strings.NewReader(in), f, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), st
}

// CSV as people send it: BOM, CRLF, quotes, blank lines, stray spaces,
// columns in any order and case, extra columns.
func TestBatchCSVAsSent(t *testing.T) {
	in := "\uFEFFCustomer, RK ,Edition,days,issued\r\n" +
		"\r\n" +
		"\"Smith, Jane\",  " + rk1 + "  , premium ,,2026-11-27\r\n" +
		"   \r\n" +
		"\"multi\nline \"\"quoted\"\"\",\"" + rk2 + "\",standard,10,2026-11-27\r\n"
	out, st := signCSV(t, in, fmts{})
	lines := strings.Split(out, "\n")
	if lines[0] != "Customer,RK,Edition,days,issued,serial,expires,activation_code,error" {
		t.Fatalf("header %q", lines[0])
	}
	if st.Signed != 2 || st.Failed != 0 {
		t.Fatalf("stats %+v\n%s", st, out)
	}
	if !strings.HasPrefix(lines[1], `"Smith, Jane",`+rk1+`,premium,,2026-11-27,31415926535897,2027-11-27,PC-`) {
		t.Fatalf("row 1: %q", lines[1])
	}
	if lines[2] != `"multi` || !strings.HasPrefix(lines[3], `line ""quoted""",`+rk2+`,standard,10,2026-11-27,27182818284590,2026-12-07,PC-`) {
		t.Fatalf("row 2: %q %q", lines[2], lines[3])
	}
	// The codes are the ones Sign gives.
	want, _ := newSigner(t).Sign(&signer.Registration{RK: mustRK(t, rk1), Edition: "premium", Issued: new(dayOf(day1))})
	if !strings.Contains(lines[1], want.String()+",") {
		t.Fatalf("row 1 has not the code %s", want)
	}
}

// Each bad row gets its own error with line, column and reason; the good
// rows around it are signed.
func TestBatchRowErrors(t *testing.T) {
	in := "rk,edition,days,expires,issued,install_id\n" +
		rk1 + ",standard,,,,\n" + // line 2: fine
		"PC-0314-1592-6535-8979,standard,,,,\n" + // 3: typo
		"PC-0000-0000-0000-0000x,standard,,,,\n" + // 4: malformed
		"PC-0000-0000-0000-0013,gold,,,,\n" + // 5: unknown edition
		"XY-0000-0000-0000-0013,standard,,,,\n" + // 6: unknown product
		"PC-0000-0000-0000-0021,standard,ten,,,\n" + // 7: bad days
		"PC-0000-0000-0000-0037,standard,,2026-02-30,,\n" + // 8: bad date
		"PC-0000-0000-0000-0045,standard,,2026-01-01,2026-06-01,\n" + // 9: expires before issued
		"PC-0000-0000-0000-0059,standard,5,2027-01-01,,\n" + // 10: both
		"PC-0000-0000-0000-0068,standard,,,,x" + strings.Repeat("y", 255) + "\n" + // 11: install id
		"PC-0000-0000-0000-0076,standard,,,2026-1-1,\n" + // 12: bad issued
		"PC-0000-0000-0000-0084,standard,,,,,extra\n" + // 13: too many fields
		"PC-0000-0000-0000-0092,\"standard\"x,,,,\n" + // 14: bad quoting
		",standard\n" + // 15: no rk
		"PC-1000-0000-0000-0015,standard,,perpetual,,\n" + // 16: trial perpetual
		"PC-0000-0000-0000-0101,standard,0,,,\n" + // 17: zero days
		rk1 + ",premium,,,,\n" // 18: duplicate of line 2
	out, st := signCSV(t, in, fmts{})
	// Read the output back as CSV, so that errors read without quoting.
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("the output is not CSV: %v\n%s", err, out)
	}
	var lines []string
	for _, r := range records {
		lines = append(lines, strings.Join(r, ","))
	}
	if len(lines) != 18 || st.Signed != 1 || st.Failed != 16 || st.Duplicates != 1 {
		t.Fatalf("stats %+v, %d lines:\n%s", st, len(lines), out)
	}
	for i, want := range []string{
		2:  ",2027-11-27,,,31415926535897,PC-",
		3:  "line 3, column 1 (rk): registration key: check digit does not match",
		4:  "line 4, column 1 (rk): registration key (line 1, column 23): 'x' after the last digit",
		5:  `line 5, column 2 (edition): unknown edition "gold" for product PC; editions: standard, premium`,
		6:  `line 6, column 1 (rk): unknown product "XY"`,
		7:  `line 7, column 3 (days): invalid registration: days "ten": want a whole number from 1 to 36500`,
		8:  `line 8, column 4 (expires): invalid registration: date "2026-02-30": there is no such day: February 2026 has 28 days`,
		9:  "line 9, column 4 (expires): invalid registration: expires 2026-01-01 is not after issued 2026-06-01",
		10: "line 10, column 4 (expires): invalid registration: give days or expires, not both",
		11: "line 11, column 6 (install_id): invalid registration: install id is 256 bytes; an install-bound code needs 1 to 255",
		12: `line 12, column 5 (issued): invalid registration: date "2026-1-1"`,
		13: "line 13, column 7: unreadable row: a value in column 7, beyond the header's 6 columns",
		14: `line 14, column 2: unreadable row: 'x' after a closing quote`,
		15: "line 15, column 1 (rk): invalid registration: no registration key",
		16: "line 16, column 4 (expires): invalid registration: a trial key cannot have a perpetual license",
		17: `line 17, column 3 (days): invalid registration: days "0"`,
		18: "line 18, column 1 (rk): duplicate registration key: line 2 has it too, and keeps its code",
	} {
		if i < 2 {
			continue
		}
		if !strings.Contains(lines[i-1], want) {
			t.Errorf("line %d: %q\nwant it to contain %q", i, lines[i-1], want)
		}
	}
}

// Many rows on several workers come out in input order, each with its own
// code.
func TestBatchOrder(t *testing.T) {
	var in strings.Builder
	in.WriteString("rk,edition,n\n")
	const n = 3000
	for i := range n {
		k, _ := formats.NewRegistrationKey(formats.MustProduct("PC"), false, formats.Serial(i))
		fmt.Fprintf(&in, "%s,standard,%d\n", k, i)
	}
	out, st := signCSV(t, in.String(), fmts{}, batch.WithWorkers(4))
	if st.Signed != n {
		t.Fatalf("stats %+v", st)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")[1:]
	for i, l := range lines {
		f := strings.Split(l, ",")
		if f[2] != fmt.Sprint(i) || f[3] != fmt.Sprintf("%014d", i) {
			t.Fatalf("row %d: %s", i, l)
		}
		c, err := formats.ParseSigned(f[5], formats.Product{})
		if err != nil || c.Serial != formats.Serial(i) {
			t.Fatalf("row %d: code %s: %v", i, f[5], err)
		}
	}
}

func TestBatchJSONL(t *testing.T) {
	in := `{"rk": "` + rk1 + `", "edition": "premium", "days": 30, "issued": "2026-11-27", "customer": {"id": 7}, "note": "vip"}` + "\n\n" +
		`{"rk": "` + rk2 + `", "edition": "standard", "expires": null, "serial": "x"}` + "\n" +
		`{"rk": "` + rk1 + `", "edition": "premium"` + "\n" +
		`["not", "an", "object"]` + "\n" +
		`{"rk": "PC-0000-0000-0000-0017", "edition": "standard", "rk": "again"}` + "\n"
	var out bytes.Buffer
	st, err := run(newSigner(t, signer.WithIssuer("acme")), &out, strings.NewReader(in),
		fmts{jsonlIn: true, jsonlOut: true}, batch.WithJWT())
	if err != nil {
		t.Fatal(err)
	}
	if st.Signed != 2 || st.Failed != 3 {
		t.Fatalf("stats %+v\n%s", st, out.String())
	}
	var rows []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		rows = append(rows, m)
	}
	if rows[0]["expires"] != "2026-12-27" || rows[0]["note"] != "vip" || rows[0]["customer"].(map[string]any)["id"] != float64(7) {
		t.Fatalf("row 1: %v", rows[0])
	}
	c, err := parseToken(t, rows[0]["jwt"].(string), day1.AddDate(0, 0, 1))
	if err != nil || c.Customer["note"] != "vip" || c.Customer["customer"] != `{"id": 7}` {
		t.Fatalf("row 1 token: %+v %v", c, err)
	}
	if rows[1]["serial"] != "27182818284590" || rows[1]["error"] != nil {
		t.Fatalf("row 2: %v", rows[1])
	}
	for i, want := range []string{"line 4: unreadable row: column", "line 5: unreadable row: column 2: want a JSON object", `line 6: unreadable row: column 61: key "rk" appears twice`} {
		if e, _ := rows[i+2]["error"].(string); !strings.HasPrefix(e, want) {
			t.Errorf("row %d: error %q, want %q", i+3, e, want)
		}
	}
}

func TestBatchCSVToJSONLAndJWT(t *testing.T) {
	in := "rk,edition,email\n" + rk1 + ",standard,a@example.com\n" + rk1 + ",standard,b@example.com\n"
	var out bytes.Buffer
	st, err := run(newSigner(t), &out, strings.NewReader(in), fmts{jsonlOut: true}, batch.WithJWT())
	if err != nil || st.Signed != 1 || st.Duplicates != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasPrefix(lines[0], `{"rk":"`+rk1+`","edition":"standard","email":"a@example.com","serial":"31415926535897","expires":"2027-11-27","activation_code":"PC-`) ||
		!strings.Contains(lines[0], `"jwt":"ey`) {
		t.Fatalf("row 1: %s", lines[0])
	}
	if !strings.Contains(lines[1], `"email":"b@example.com","error":"line 3, column 1 (rk): duplicate registration key`) {
		t.Fatalf("row 2: %s", lines[1])
	}
}

func TestBatchFatal(t *testing.T) {
	s := newSigner(t)
	for name, tc := range map[string]struct {
		in   string
		o    fmts
		want string
	}{
		"empty":          {"", fmts{}, "the input is empty"},
		"blank":          {"\n \n", fmts{}, "the input is empty"},
		"no header":      {rk1 + ",standard\n", fmts{}, "no rk column (it has \"PC-0314-1592-6535-8978\", \"standard\"); the first row must be a header"},
		"no edition":     {"rk,days\n", fmts{}, "no edition column"},
		"duplicate col":  {"rk,edition,RK\n", fmts{}, `line 1, column 3: unreadable row: header: column "RK" appears twice`},
		"jsonl to csv":   {"{}\n", fmts{jsonlIn: true}, "CSV output needs CSV input"},
		"unclosed quote": {"\"rk,edition\n", fmts{}, "never closed"},
	} {
		_, err := run(s, new(bytes.Buffer), strings.NewReader(tc.in), tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

// The reviewer's case: an unclosed quote fails its own row, and the rows
// after it are signed.
func TestBatchCSVUnclosedQuote(t *testing.T) {
	in := "rk,edition\n" +
		rk1 + ",standard\n" +
		"PC-0000-0000-0000-0013,\"premium\n" +
		rk2 + ",standard\n" +
		"PC-0000-0000-0000-0021,premium\n"
	out, st := signCSV(t, in, fmts{})
	if st.Signed != 3 || st.Failed != 1 {
		t.Fatalf("stats %+v\n%s", st, out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[1], rk1+",standard,31415926535897,") ||
		lines[2] != `,,,,,"line 3, column 2: unreadable row: the quoted field opened on line 3 is never closed; close it with a quote, or write a quote inside a field as """""` ||
		!strings.HasPrefix(lines[3], rk2+",standard,27182818284590,") ||
		!strings.HasPrefix(lines[4], "PC-0000-0000-0000-0021,premium,00000000000002,") {
		t.Fatalf("output:\n%s", out)
	}
}

// FuzzBatchCSVRows: whatever one-line mangles rows get (stray and unclosed
// quotes, extra fields, blank lines, CRLF), every input row comes out
// exactly once, in order: signed, or with an error naming its own line.
// Each byte of the input picks a row's mangle.
func FuzzBatchCSVRows(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0})
	f.Add([]byte{2, 0, 2})
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 1, 0})
	f.Add([]byte{3, 8, 1, 8, 2, 7, 5, 4, 1})
	f.Add([]byte{9, 9, 10, 6, 6, 2, 2, 2, 0, 1})
	mangles := []struct {
		row  func(rk string, line int) string
		good bool
	}{
		{func(rk string, n int) string { return fmt.Sprintf("%s,standard,%d", rk, n) }, true},
		{func(rk string, n int) string { return fmt.Sprintf("%s,\"standard,%d", rk, n) }, false},    // never closed
		{func(rk string, n int) string { return fmt.Sprintf("%s,standard,\"%d", rk, n) }, false},    // never closed, last field
		{func(rk string, n int) string { return fmt.Sprintf("%s,\"standard\"x,%d", rk, n) }, false}, // junk after the quote
		{func(rk string, n int) string { return fmt.Sprintf("%s,standard,%d,,", rk, n) }, true},     // empty extra fields
		{func(rk string, n int) string { return fmt.Sprintf("%s,standard,%d,x", rk, n) }, false},    // a value beyond the header
		{func(rk string, n int) string { return " ,, " }, false},                                    // blank: no row
		{func(rk string, n int) string { return fmt.Sprintf("%s,standard,%d\r", rk, n) }, true},
		{func(rk string, n int) string { return fmt.Sprintf("%s,\"standard\",%d", rk, n) }, true},
		{func(rk string, n int) string { return fmt.Sprintf("  %s , standard ,%d", rk, n) }, true},
		{func(rk string, n int) string { return fmt.Sprintf("%sx,standard,%d", rk, n) }, false}, // bad key
	}
	s := newSigner(f)
	f.Fuzz(func(t *testing.T, picks []byte) {
		if len(picks) > 64 {
			picks = picks[:64]
		}
		in := []string{"rk,edition,n"}
		var want []int // the lines that are rows
		good := map[int]bool{}
		for i, p := range picks {
			line := i + 2
			m := mangles[int(p)%len(mangles)]
			k, _ := formats.NewRegistrationKey(formats.MustProduct("PC"), false, formats.Serial(line))
			in = append(in, m.row(k.String(), line))
			if int(p)%len(mangles) != 6 {
				want = append(want, line)
				good[line] = m.good
			}
		}
		text := strings.Join(in, "\n")
		if len(picks)%2 == 0 {
			text += "\n"
		}
		var out bytes.Buffer
		st, err := run(s, &out, strings.NewReader(text), fmts{}, batch.WithWorkers(2))
		if err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
		if err != nil {
			t.Fatalf("the output is not CSV: %v\n%s", err, out.String())
		}
		if len(records) != len(want)+1 || st.Signed+st.Failed != len(want) {
			t.Fatalf("%d rows in, %d out, stats %+v\ninput:\n%s\noutput:\n%s", len(want), len(records)-1, st, text, out.String())
		}
		for i, r := range records[1:] {
			line := want[i]
			errText := r[len(r)-1]
			switch {
			case good[line] && (errText != "" || r[2] != fmt.Sprint(line)):
				t.Fatalf("line %d: want it signed, got %q\ninput:\n%s", line, r, text)
			case !good[line] && !strings.HasPrefix(errText, fmt.Sprintf("line %d, ", line)):
				t.Fatalf("line %d: want its error, got %q\ninput:\n%s", line, r, text)
			}
		}
	})
}

// Spreadsheets write unnamed trailing columns and trailing commas: empty
// ones are no columns; a value without a named column is a row error.
func TestBatchCSVUnnamedColumns(t *testing.T) {
	in := "rk,edition,,note,,\r\n" +
		rk1 + ",standard,,a,,\r\n" + // fine
		rk2 + ",standard,,,,,,\r\n" + // empty fields beyond the header: fine
		"PC-0000-0000-0000-0013,standard,x,,,\r\n" + // a value in an unnamed column
		"PC-0000-0000-0000-0021,standard,,,,,,y\r\n" // a value beyond the header
	out, st := signCSV(t, in, fmts{})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if st.Signed != 2 || st.Failed != 2 || len(lines) != 5 || lines[0] != "rk,edition,note,serial,expires,activation_code,error" {
		t.Fatalf("stats %+v\n%s", st, out)
	}
	for i, want := range []string{
		rk1 + ",standard,a,31415926535897,",
		rk2 + ",standard,,27182818284590,",
		`PC-0000-0000-0000-0013,standard,,,,,"line 4, column 3: unreadable row: a value in column 3, which has no name in the header; name the column in the header, or remove the value"`,
		"PC-0000-0000-0000-0021,standard,,,,,\"line 5, column 8: unreadable row: a value in column 8, beyond the header's 6 columns;",
	} {
		if !strings.HasPrefix(lines[i+1], want) {
			t.Errorf("row %d: %q, want %q", i+1, lines[i+1], want)
		}
	}
	// JSON Lines output and tokens have no unnamed keys either.
	var js bytes.Buffer
	if _, err := run(newSigner(t), &js, strings.NewReader(in), fmts{jsonlOut: true}, batch.WithJWT()); err != nil {
		t.Fatal(err)
	}
	if first := strings.SplitN(js.String(), "\n", 2)[0]; strings.Contains(first, `"":`) || !strings.HasPrefix(first, `{"rk":"`+rk1+`","edition":"standard","note":"a","serial"`) {
		t.Fatalf("JSON Lines: %s", first)
	}
	// A header with two unnamed columns is no duplicate.
	if _, err := run(newSigner(t), new(bytes.Buffer), strings.NewReader("rk,,edition,,\n"), fmts{}); err != nil {
		t.Fatal(err)
	}
}

// The install id is signed byte for byte: stray spaces the CSV reader
// trims from an unquoted field are fine, but spaces inside quotes or a
// JSON string are an error, not trimmed. Customer fields are kept as given.
func TestBatchInstallIDAsGiven(t *testing.T) {
	in := "rk,edition,install_id,name\n" +
		rk1 + ",standard,  host-1  ,\" Jane \"\n" +
		rk2 + ",standard,\" host-2\",x\n" +
		"PC-0000-0000-0000-0013,standard,\"host-3\t\",x\n"
	var buf bytes.Buffer
	st, err := run(newSigner(t, signer.WithIssuer("acme")), &buf, strings.NewReader(in), fmts{}, batch.WithJWT())
	out := buf.String()
	if err != nil || st.Signed != 1 || st.Failed != 2 {
		t.Fatalf("stats %+v\n%s", st, out)
	}
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := newSigner(t).Sign(&signer.Registration{RK: mustRK(t, rk1), Edition: "standard", InstallID: "host-1"})
	if records[1][3] != " Jane " || records[1][6] != want.String() {
		t.Fatalf("row 1: %q, want code %s", records[1], want)
	}
	c, err := parseToken(t, records[1][7], day1.AddDate(0, 0, 1))
	if err != nil || c.Customer["name"] != " Jane " {
		t.Fatalf("row 1 token: %+v %v", c, err)
	}
	for i, line := range []int{3, 4} {
		e := records[i+2][8]
		if !strings.HasPrefix(e, fmt.Sprintf("line %d, column 3 (install_id): invalid registration: install id ", line)) {
			t.Errorf("line %d: error %q", line, e)
		}
	}

	jin := `{"rk": "` + rk1 + `", "edition": "standard", "install_id": "host-1\n"}` + "\n" +
		`{"rk": " ` + rk2 + ` ", "edition": " standard", "install_id": "host-2"}` + "\n"
	var jout bytes.Buffer
	st, err = run(newSigner(t), &jout, strings.NewReader(jin), fmts{jsonlIn: true, jsonlOut: true})
	if err != nil || st.Signed != 1 || st.Failed != 1 {
		t.Fatalf("JSON Lines: %+v %v\n%s", st, err, jout.String())
	}
	jl := strings.Split(jout.String(), "\n")
	if !strings.Contains(jl[0], `"error":"line 1 (install_id): invalid registration: install id \"`) ||
		!strings.Contains(jl[1], `"serial":"27182818284590"`) {
		t.Fatalf("JSON Lines output:\n%s", jout.String())
	}
}

// TestRunAllocs: a row costs no allocation of its own (a chunk's fields
// are read into one string, and the results are appended to the output
// in place), so that the garbage collector does not take cores from
// signing: twice the rows cost about the same allocations, a fixed cost a
// batch and one string a chunk.
func TestRunAllocs(t *testing.T) {
	s := newSigner(t)
	allocs := func(rows int) float64 {
		var in strings.Builder
		in.WriteString("rk,edition,days,issued,customer\n")
		for i := range rows {
			k, _ := formats.NewRegistrationKey(formats.MustProduct("PC"), i%10 == 0, formats.Serial(i)*7919)
			fmt.Fprintf(&in, "%s,premium,,2026-11-27,customer %d\n", k, i)
		}
		var out bytes.Buffer
		return testing.AllocsPerRun(2, func() {
			out.Reset()
			if st, err := run(s, &out, strings.NewReader(in.String()), fmts{}, batch.WithWorkers(2)); err != nil || st.Signed != rows {
				t.Fatal(st, err)
			}
		})
	}
	const rows = 4000
	small, large := allocs(rows), allocs(2*rows)
	if perRow := (large - small) / rows; perRow > 0.02 {
		t.Errorf("%v allocations a row (%v for %d rows, %v for %d)", perRow, small, rows, large, 2*rows)
	}
}
