//go:build cgo

package c

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kindName maps a vector file's error kind to lm_result_name's.
func kindName(k string) string {
	if k == "unknown_version" {
		return "malformed"
	}
	return k
}

func day(t *testing.T, s string) int32 {
	if s == "perpetual" {
		return 65535
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return int32(d.Unix()/86400 - 18262)
}

// TestActivationCodeVectors runs testdata/vectors/activation_codes.json
// through lm_verify: every spelling of each valid code decodes to its
// fields, its short form is unsigned, and every invalid input fails with
// its kind at its position.
func TestActivationCodeVectors(t *testing.T) {
	library(t)
	var v codeVectors
	vectors(t, "activation_codes.json", &v)
	n := 0
	for _, c := range v.Valid {
		issued := day(t, c.Fields.Issued)
		o := &Options{InstallID: c.InstallID, NowUnix: (int64(issued) + 18262) * 86400}
		k := testKey(t)
		k.ID = c.Fields.KeyID
		cv, r := NewVerifier(c.Fields.Product, []Key{k}, o)
		if r != 0 {
			t.Fatalf("lm_verifier_new: %s", cv.Message())
		}
		for _, s := range append([]string{c.Signed}, c.OtherSpellings...) {
			l, r := cv.Verify([]byte(s))
			if r != 0 || l.Issued != issued || l.Expires != day(t, c.Fields.Expires) || l.Product != c.Fields.Product {
				t.Errorf("%q: %s %s %+v", s, ResultName(r), cv.Message(), l)
			}
			n++
		}
		if _, r := cv.Verify([]byte(c.Short)); ResultName(r) != "unsigned" {
			t.Errorf("short form %q: %s, want unsigned", c.Short, ResultName(r))
		}
		cv.Free()
	}
	cv, _ := NewVerifier("PC", []Key{testKey(t)}, nil)
	defer cv.Free()
	for _, c := range v.Invalid {
		l, r := cv.Verify([]byte(c.Input))
		n++
		want := kindName(c.Error)
		if c.Want == "any" && len(c.Input) < 60 && want != "malformed" {
			// A short form that decodes is refused as unsigned first.
			continue
		}
		if ResultName(r) != want {
			t.Errorf("%s: %s (%s), want %s", c.Comment, ResultName(r), cv.Message(), want)
			continue
		}
		if c.Group != nil && (l.Group != *c.Group || l.Char != *c.Char) {
			t.Errorf("%s: group %d char %d, want %d %d", c.Comment, l.Group, l.Char, *c.Group, *c.Char)
		}
		if c.Line != nil && (l.Line != *c.Line || l.Column != *c.Column) {
			t.Errorf("%s: line %d column %d, want %d %d", c.Comment, l.Line, l.Column, *c.Line, *c.Column)
		}
	}
	t.Logf("%d activation code vectors", n)
}

// TestRevocationListVectors loads every list of
// testdata/vectors/revocation_lists.json, and replays each pair.
func TestRevocationListVectors(t *testing.T) {
	library(t)
	var v listVectors
	vectors(t, "revocation_lists.json", &v)
	byName := map[string][]byte{}
	for _, l := range v.Valid {
		b, _ := hex.DecodeString(l.Hex)
		byName[l.Name] = b
		cv, _ := NewVerifier("PC", []Key{testKey(t)}, nil)
		if r := cv.LoadList(b); r != 0 {
			t.Errorf("%s: %s: %s", l.Name, ResultName(r), cv.Message())
		}
		cv.Free()
	}
	for _, l := range v.Invalid {
		b, _ := hex.DecodeString(l.Hex)
		cv, _ := NewVerifier(l.Product, []Key{testKey(t)}, nil)
		if r := cv.LoadList(b); ResultName(r) != "list_"+l.Error {
			t.Errorf("%s: %s (%s), want list_%s", l.Comment, ResultName(r), cv.Message(), l.Error)
		}
		cv.Free()
	}
	for _, p := range v.Replays {
		cv, _ := NewVerifier("PC", []Key{testKey(t)}, nil)
		r1, r2 := cv.LoadList(byName[p.Accepted]), cv.LoadList(byName[p.Then])
		got := "accepted"
		if r2 != 0 {
			got = ResultName(r2)[len("list_"):]
		}
		if r1 != 0 || got != p.Error && !(p.Error == "" && got == "accepted") {
			t.Errorf("%s: %s then %s, want %q", p.Comment, ResultName(r1), got, p.Error)
		}
		cv.Free()
	}
}

// TestCatalogVectors makes a verifier with each catalog of
// testdata/vectors/catalogs.json: the valid ones name each edition's
// features in order, the invalid ones are refused.
func TestCatalogVectors(t *testing.T) {
	library(t)
	var v struct {
		Valid []struct {
			JSON     string `json:"json"`
			Products map[string]struct {
				Editions []struct {
					Name     string   `json:"name"`
					Number   uint8    `json:"number"`
					Features []string `json:"features"`
				} `json:"editions"`
			} `json:"products"`
		} `json:"valid"`
		Invalid []struct {
			Comment string `json:"comment"`
			JSON    string `json:"json"`
		} `json:"invalid"`
	}
	vectors(t, "catalogs.json", &v)
	for _, c := range v.Valid {
		for code, p := range c.Products {
			cv, r := NewVerifier(code, []Key{testKey(t)}, &Options{Catalog: []byte(c.JSON), HasCatalog: true})
			if r != 0 {
				t.Fatalf("%s: %s", code, cv.Message())
			}
			for _, e := range p.Editions {
				for i, f := range e.Features {
					if got, r := cv.FeatureName(e.Number, uint32(i)); r != 0 || got != f || cv.FeatureBit(e.Number, f) != int32(i) {
						t.Errorf("%s edition %d feature %d: %q, want %q", code, e.Number, i, got, f)
					}
				}
			}
			cv.Free()
		}
	}
	for _, c := range v.Invalid {
		cv, r := NewVerifier("PC", []Key{testKey(t)}, &Options{Catalog: []byte(c.JSON), HasCatalog: true})
		if r == 0 {
			t.Errorf("%s: accepted", c.Comment)
		}
		cv.Free()
	}
}

// TestResetCodeVectors runs testdata/vectors/reset_codes.json through
// lm_reset: the invalid inputs fail with their kind and position, and each
// acceptance case, on a state file, gives its result and new last-seen.
func TestResetCodeVectors(t *testing.T) {
	library(t)
	var v resetVectors
	vectors(t, "reset_codes.json", &v)
	var raw struct {
		Valid []struct {
			HeaderHex string `json:"header_hex"`
			Fields    struct {
				Remembered string `json:"remembered"`
			} `json:"fields"`
		} `json:"valid"`
	}
	vectors(t, "reset_codes.json", &raw)
	writeState := func(path, lastSeen string, used []string) {
		if lastSeen == "" {
			lastSeen = "0001-01-01T00:00:00Z"
		}
		text := "licmint verifier state v1\nlast-seen: " + lastSeen + "\nlist-sequence: 0\n"
		for _, id := range used {
			text += "reset: " + raw.Valid[0].Fields.Remembered + " " + id + "\n"
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	id := "host-7f3a9c0e"
	for _, c := range v.Invalid {
		path := filepath.Join(stateDir(t), "state")
		writeState(path, "2036-11-29T08:15:00Z", nil)
		cv, _ := NewVerifier("PC", []Key{testKey(t)}, &Options{InstallID: &id, NowUnix: 1795000000, StatePath: path})
		l, r := cv.Reset([]byte(c.Input))
		if ResultName(r) != kindName(c.Error) {
			t.Errorf("%s: %s (%s), want %s", c.Comment, ResultName(r), cv.Message(), c.Error)
		} else if c.Group != nil && (l.Group != *c.Group || l.Char != *c.Char) {
			t.Errorf("%s: group %d char %d, want %d %d", c.Comment, l.Group, l.Char, *c.Group, *c.Char)
		} else if c.Line != nil && (l.Line != *c.Line || l.Column != *c.Column) {
			t.Errorf("%s: line %d column %d, want %d %d", c.Comment, l.Line, l.Column, *c.Line, *c.Column)
		}
		cv.Free()
	}
	results := map[string]string{"used": "reset_used", "not_locked": "reset_not_locked", "too_early": "reset_too_early", "accepted": ""}
	for _, c := range v.Acceptance {
		path := filepath.Join(stateDir(t), "state")
		writeState(path, c.LastSeen, c.Used)
		now, _ := time.Parse(time.RFC3339, c.Now)
		inst := c.InstallID
		cv, r := NewVerifier(c.Product, []Key{testKey(t)}, &Options{InstallID: &inst, NowUnix: now.Unix(), StatePath: path})
		if r != 0 {
			t.Fatalf("%s: %s", c.Comment, cv.Message())
		}
		_, r = cv.Reset([]byte(v.Valid[0].Code))
		want, ok := results[c.Result]
		if !ok {
			want = c.Result
		}
		got := ResultName(r)
		if got != want {
			t.Errorf("%s: %q (%s), want %q", c.Comment, got, cv.Message(), want)
		}
		if r == 0 {
			b, _ := os.ReadFile(path)
			if want := "last-seen: " + c.NewLastSeen + "\n"; !containsLine(string(b), want) || !containsLine(string(b), raw.Valid[0].HeaderHex+"\n") {
				t.Errorf("%s: state after the reset:\n%s", c.Comment, b)
			}
		}
		cv.Free()
	}
}

func containsLine(s, sub string) bool {
	return indexOf(s, sub) >= 0
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestRenewalRequestVectors makes the request of each valid vector of
// testdata/vectors/renewal_requests.json, with its install id and time:
// lm_renewal_request writes its canonical text.
func TestRenewalRequestVectors(t *testing.T) {
	library(t)
	var v struct {
		Valid []struct {
			Comment   string `json:"comment"`
			Code      string `json:"code"`
			InstallID string `json:"install_id"`
			Time      string `json:"time"`
			Canonical string `json:"canonical"`
		} `json:"valid"`
	}
	vectors(t, "renewal_requests.json", &v)
	for _, c := range v.Valid {
		now, err := time.Parse(time.RFC3339, c.Time)
		if err != nil {
			t.Fatal(err)
		}
		o := &Options{NowUnix: now.Unix()}
		if c.InstallID != "" {
			o.InstallID = &c.InstallID
		}
		cv, _ := NewVerifier("PC", []Key{testKey(t)}, o)
		got, r := cv.Request([]byte(c.Code))
		if r != 0 || got != c.Canonical {
			t.Errorf("%s: %s (%s)\n%s\nwant\n%s", c.Comment, ResultName(r), cv.Message(), got, c.Canonical)
		}
		cv.Free()
	}
}

// TestStateFileVectors reads each state file of
// testdata/vectors/state_files.json with a verifier: the valid ones (with
// their saved list beside them) are not corrupt, the invalid ones are.
// The saved lists are bytes of no list format, so a valid state still
// reports that its list does not load.
func TestStateFileVectors(t *testing.T) {
	library(t)
	if _, err := os.Stat("../../testdata/vectors/state_files.json"); err != nil {
		t.Skip("no state_files.json in testdata/vectors")
	}
	var v struct {
		Valid []struct {
			Comment string `json:"comment"`
			Text    string `json:"text"`
			ListHex string `json:"list_hex"`
		} `json:"valid"`
		Invalid []struct {
			Comment string `json:"comment"`
			Text    string `json:"text"`
		} `json:"invalid"`
	}
	vectors(t, "state_files.json", &v)
	read := func(text, listHex string) string {
		path := filepath.Join(stateDir(t), "state")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if listHex != "" {
			b, _ := hex.DecodeString(listHex)
			if err := os.WriteFile(path+".list", b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		cv, r := NewVerifier("PC", []Key{testKey(t)}, &Options{NowUnix: 1795000000, StatePath: path})
		if r != 0 {
			t.Fatalf("lm_verifier_new: %s", cv.Message())
		}
		defer cv.Free()
		return cv.StateError()
	}
	for _, c := range v.Valid {
		if e := read(c.Text, c.ListHex); strings.Contains(e, "corrupt") {
			t.Errorf("%s: %s", c.Comment, e)
		}
	}
	for _, c := range v.Invalid {
		if e := read(c.Text, ""); !strings.Contains(e, "verifier state is corrupt") {
			t.Errorf("%s: read as good (%q)", c.Comment, e)
		}
	}
}

// TestRenewalVectors runs testdata/vectors/renewals.json through
// lm_verify_renewal, each case on a verifier with a state file: the
// renewal's outcome, then the installed code's status after it.
func TestRenewalVectors(t *testing.T) {
	library(t)
	if _, err := os.Stat("../../testdata/vectors/renewals.json"); err != nil {
		t.Skip("no renewals.json in testdata/vectors")
	}
	var v struct {
		Cases []struct {
			Comment   string   `json:"comment"`
			Now       string   `json:"now"`
			InstallID *string  `json:"install_id"`
			ListHex   string   `json:"revocation_list_hex"`
			Seen      []string `json:"seen"`
			Installed string   `json:"installed"`
			New       string   `json:"new"`
			Want      struct {
				ErrorKind      string `json:"error_kind"`
				Status         string `json:"status"`
				Generation     uint8  `json:"generation"`
				EditionNumber  uint8  `json:"edition_number"`
				Trial          bool   `json:"trial"`
				InstallBound   bool   `json:"install_bound"`
				Expires        string `json:"expires"`
				InstalledAfter string `json:"installed_after"`
			} `json:"want"`
		} `json:"cases"`
	}
	vectors(t, "renewals.json", &v)
	for _, c := range v.Cases {
		now, err := time.Parse(time.RFC3339, c.Now)
		if err != nil {
			t.Fatal(err)
		}
		cv, r := NewVerifier("PC", []Key{testKey(t)}, &Options{InstallID: c.InstallID, NowUnix: now.Unix(),
			StatePath: filepath.Join(stateDir(t), "state")})
		if r != 0 {
			t.Fatalf("%s: %s", c.Comment, cv.Message())
		}
		if c.ListHex != "" {
			b, _ := hex.DecodeString(c.ListHex)
			if r := cv.LoadList(b); r != 0 {
				t.Fatalf("%s: list: %s", c.Comment, cv.Message())
			}
		}
		for _, s := range c.Seen {
			cv.Verify([]byte(s))
		}
		l, r := cv.Renewal([]byte(c.Installed), []byte(c.New))
		w := c.Want
		if got := ResultName(r); got != w.ErrorKind {
			t.Errorf("%s: %q (%s), want %q", c.Comment, got, cv.Message(), w.ErrorKind)
		} else if r == 0 && (StatusName(l.Status) != w.Status || l.Generation != w.Generation || l.EditionNumber != w.EditionNumber ||
			l.Trial != w.Trial || l.Bound != w.InstallBound || l.Expires != day(t, w.Expires)) {
			t.Errorf("%s: %+v, want %+v", c.Comment, l, w)
		}
		after, _ := cv.Verify([]byte(c.Installed))
		if got := StatusName(after.Status); got != w.InstalledAfter {
			t.Errorf("%s: the installed code is then %s, want %s", c.Comment, got, w.InstalledAfter)
		}
		cv.Free()
	}
}
