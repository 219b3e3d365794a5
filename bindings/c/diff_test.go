//go:build cgo

package c

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/renewseal"
	"github.com/licmint/licmint/verifier/state"
)

// The vector files' TEST ONLY key, id 1.
const testKeyHex = "19f13b659553b92465f5df6a566c3d0fdc0c181f911263aaa4c3b6645dfbd480"

func testKey(t testing.TB) Key {
	b, err := hex.DecodeString(testKeyHex)
	if err != nil || len(b) != 32 {
		t.Fatal("bad test key")
	}
	k := Key{ID: 1}
	copy(k.Public[:], b)
	return k
}

// setup is what both verifiers are given.
type setup struct {
	now       time.Time
	installID *string
	statePath string // the Go verifier's; the C one's is statePath + ".c"
}

// The last two pass the verifier and not a renewal request.
var installIDs = []*string{nil, ptr("host-7f3a9c0e"), ptr("x"), ptr("other install"), ptr("id\v"), ptr("line\nbreak\u00a0")}

func ptr(s string) *string { return &s }

func (s setup) goVerifier(t testing.TB) *verifier.Verifier {
	entry, err := catalog.Default().Product("PC")
	if err != nil {
		t.Fatal(err)
	}
	k := testKey(t)
	opts := []verifier.Option{verifier.WithNow(func() time.Time { return s.now }), verifier.WithCatalog(entry)}
	if s.installID != nil {
		opts = append(opts, verifier.WithInstallID(*s.installID))
	}
	if s.statePath != "" {
		opts = append(opts, verifier.WithState(state.NewFile(s.statePath)))
	}
	v, err := verifier.New("PC", []verifier.Key{{ID: 1, Public: k.Public[:]}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (s setup) cVerifier(t testing.TB) *Verifier {
	o := &Options{InstallID: s.installID, NowUnix: s.now.Unix()}
	if s.statePath != "" {
		o.StatePath = s.statePath + ".c"
	}
	v, r := NewVerifier("PC", []Key{testKey(t)}, o)
	if r != 0 {
		t.Fatalf("lm_verifier_new: %s: %s", ResultName(r), v.Message())
	}
	return v
}

// outcome is what a call did, in terms both verifiers can be compared in.
type outcome struct {
	Kind                      string
	Group, Char, Line, Column int32
	Message, Hint             string
	License                   *License
	Features                  []string // on, in bit order
}

// kind names a Go error as the C library does. ErrNotRenewal is
// "not_renewal" (FORMAT.md section 12; verifier.ErrorKind gains it).
func kind(err error) string {
	if errors.Is(err, verifier.ErrNotRenewal) {
		return "not_renewal"
	}
	if k := verifier.ErrorKind(err); k != "" {
		return k
	}
	return "argument"
}

func goOutcome(l verifier.License, err error) outcome {
	if err != nil {
		o := outcome{Kind: kind(err), Message: err.Error()}
		var fe *formats.FormatError
		var ve *verifier.Error
		switch {
		case errors.As(err, &fe):
			o.Group, o.Char, o.Line, o.Column = int32(fe.Group), int32(fe.Char), int32(fe.Line), int32(fe.Column)
			o.Hint = fe.Hint
		case errors.As(err, &ve):
			o.Hint = ve.Hint
		}
		return o
	}
	lic := &License{
		Status: int32(l.Status), Product: l.Product.String(), Edition: l.Edition, EditionNumber: l.EditionNumber,
		Generation: l.Generation, KeyID: l.KeyID, Trial: l.Trial, Bound: l.Bound, Serial: uint64(l.Serial),
		Issued: int32(l.Issued), Expires: int32(l.Expires), DaysLeft: int32(l.DaysLeft),
		NFeatures: uint32(len(l.Features.Names())),
	}
	o := outcome{License: lic}
	for _, f := range l.Features.Names() {
		if l.Features.Enabled(f) {
			o.Features = append(o.Features, f)
		}
	}
	return o
}

func cOutcome(v *Verifier, l License, r int32, withMessage bool) outcome {
	if r != 0 {
		o := outcome{Kind: ResultName(r), Group: l.Group, Char: l.Char, Line: l.Line, Column: l.Column}
		if withMessage {
			o.Message, o.Hint = v.Message(), v.Hint()
		}
		return o
	}
	on := l.Features
	l.Error, l.Group, l.Char, l.Line, l.Column, l.Features = 0, 0, 0, 0, 0, 0
	lic := l
	o := outcome{License: &lic}
	for i := uint32(0); i < l.NFeatures; i++ {
		if on>>i&1 == 1 {
			name, _ := v.FeatureName(l.EditionNumber, i)
			o.Features = append(o.Features, name)
		}
	}
	return o
}

func same(t *testing.T, what string, g, c outcome) {
	t.Helper()
	// FORMAT.md places a wrong product at its first letter's line and
	// column too; package formats gives only the group until it does.
	if g.Kind == "wrong_product" && g.Line == 0 && c.Line > 0 {
		g.Line, g.Column = c.Line, c.Column
		g.Message = strings.Replace(g.Message, "group 1 character 1:",
			fmt.Sprintf("group 1 character 1 (line %d, column %d):", c.Line, c.Column), 1)
	}
	gj, _ := json.Marshal(g)
	cj, _ := json.Marshal(c)
	if !bytes.Equal(gj, cj) {
		t.Fatalf("%s: Go and C differ:\nGo %s\nC  %s", what, gj, cj)
	}
}

// verifyBoth verifies code with both verifiers and compares everything.
func verifyBoth(t *testing.T, gv *verifier.Verifier, cv *Verifier, code []byte) {
	t.Helper()
	gl, gerr := gv.VerifyBytes(code)
	cl, r := cv.Verify(code)
	c := cOutcome(cv, cl, r, true)
	same(t, "verify "+strings.ToValidUTF8(string(code), "?"), goOutcome(gl, gerr), c)
}

// differential runs one operation on both verifiers. op selects it: verify
// a code; load a list, then verify; verify with a state file; a renewal;
// a reset code; a renewal request; a catalog; a Registration Key; a key
// file; a license token.
func differential(t *testing.T, op uint8, a, b, st []byte, day uint16, inst uint8) {
	library(t)
	s := setup{now: time.Unix(formats.Day(0).Time().Unix()+int64(day)*86400+43200, 0).UTC(), installID: installIDs[int(inst)%len(installIDs)]}
	switch op % 10 {
	case 7:
		registrationKeyBoth(t, a)
	case 8:
		keyFileBoth(t, a)
	case 9:
		tokenBoth(t, s, a)
	case 6:
		catalogBoth(t, a)
	case 0:
		gv, cv := s.goVerifier(t), s.cVerifier(t)
		defer cv.Free()
		verifyBoth(t, gv, cv, a)
	case 1:
		gv, cv := s.goVerifier(t), s.cVerifier(t)
		defer cv.Free()
		gerr := gv.LoadRevocationList(a)
		r := cv.LoadList(a)
		g := outcome{}
		if gerr != nil {
			g = outcome{Kind: kind(gerr), Message: gerr.Error()}
		}
		c := outcome{}
		if r != 0 {
			c = outcome{Kind: ResultName(r), Message: cv.Message()}
		}
		same(t, "revocation list", g, c)
		verifyBoth(t, gv, cv, b)
	case 2, 4:
		dir := stateDir(t)
		s.statePath = filepath.Join(dir, "state")
		// FORMAT.md section 13 reads last-seen to the second; package
		// verifier/state keeps a fraction, so Go gets it cut.
		if err := os.WriteFile(s.statePath, fractionCut.ReplaceAll(st, []byte("$1")), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(s.statePath+".c", st, 0o600); err != nil {
			t.Fatal(err)
		}
		if refusedBySpec(st) {
			cv := s.cVerifier(t)
			defer cv.Free()
			if cv.StateError() == "" {
				t.Fatalf("state %q: FORMAT.md section 13 refuses it, the C verifier took it", st)
			}
			return
		}
		gv, cv := s.goVerifier(t), s.cVerifier(t)
		defer cv.Free()
		if g, c := gv.StateError() != nil, cv.StateError() != ""; g != c {
			t.Fatalf("state %q: Go state error %v, C %q", st, gv.StateError(), cv.StateError())
		}
		if op%7 == 2 {
			verifyBoth(t, gv, cv, a)
		} else {
			gerr := gv.Reset(string(a))
			cl, r := cv.Reset(a)
			g, c := outcome{}, outcome{}
			if gerr != nil {
				g = goOutcome(verifier.License{}, gerr)
			}
			if r != 0 {
				c = cOutcome(cv, cl, r, true)
			}
			same(t, "reset "+string(a), g, c)
			if gerr == nil {
				verifyBoth(t, gv, cv, b)
			}
		}
		gf, gerr := os.ReadFile(s.statePath)
		cf, cerr := os.ReadFile(s.statePath + ".c")
		if (gerr == nil) != (cerr == nil) || !bytes.Equal(gf, cf) {
			t.Fatalf("state files differ:\nGo (%v)\n%s\nC (%v)\n%s", gerr, gf, cerr, cf)
		}
	case 3:
		gv, cv := s.goVerifier(t), s.cVerifier(t)
		defer cv.Free()
		gl, gerr := gv.VerifyRenewal(string(a), string(b))
		cl, r := cv.Renewal(a, b)
		g := goOutcome(gl, gerr)
		same(t, "renewal", g, cOutcome(cv, cl, r, true))
	case 5:
		cv := s.cVerifier(t)
		defer cv.Free()
		id := ""
		if s.installID != nil {
			id = *s.installID
		}
		var want string
		req, err := renewseal.NewRequest(string(a), id, s.now)
		if err == nil {
			var text []byte
			text, err = req.MarshalText()
			want = string(text)
		}
		got, r := cv.Request(a)
		if (err == nil) != (r == 0) || got != want {
			t.Fatalf("renewal request for %q: Go %q (%v), C %q (%s: %s)", a, want, err, got, ResultName(r), cv.Message())
		}
		if err != nil && kind(err) != ResultName(r) {
			t.Fatalf("renewal request for %q: Go %s (%v), C %s", a, kind(err), err, ResultName(r))
		}
	}
}

// refusedBySpec reports a state file that FORMAT.md section 13 refuses
// and package verifier/state still reads: numbers with leading zeros or out
// of range, a serial or reset twice, too many lines, a time outside strict
// RFC 3339, upper-case hexadecimal. The C verifier follows FORMAT.md.
func refusedBySpec(st []byte) bool {
	text := strings.TrimSuffix(string(st), "\n")
	serials, resets := map[string]bool{}, map[string]bool{}
	canonical := func(s string, max uint64) bool {
		if s == "" || len(s) > 20 || (len(s) > 1 && s[0] == '0') {
			return false
		}
		var v uint64
		for _, c := range []byte(s) {
			if c < '0' || c > '9' || v > (max-uint64(c-'0'))/10 {
				return false
			}
			v = v*10 + uint64(c-'0')
		}
		return true
	}
	for _, line := range strings.Split(text, "\n")[1:] {
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		switch key {
		case "generation":
			serial, gen, found := strings.Cut(val, " ")
			if !found || !canonical(serial, formats.MaxSerial) || !canonical(gen, 255) || serials[serial] {
				return true
			}
			serials[serial] = true
		case "reset":
			if resets[val[min(len(val), 11):]] {
				return true
			}
			resets[val[min(len(val), 11):]] = true
		case "last-seen":
			if !strictRFC3339(val) || len(val) > 64 {
				return true
			}
		case "list-sequence":
			if !canonical(val, math.MaxUint64) {
				return true
			}
		case "list-sha256":
			if strings.ToLower(val) != val {
				return true
			}
		}
	}
	return len(serials) > state.MaxSerials || len(resets) > state.MaxResets
}

var fractionCut = regexp.MustCompile(`(?m)^(last-seen: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d+`)

// strictRFC3339 is time.Parse(time.RFC3339)'s fast path, which its
// fallback widens (one-digit hours, a comma before the fraction, offsets
// of 24 hours or 60 minutes).
func strictRFC3339(s string) bool {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return false
	}
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		return true // both refuse it
	}
	rest := s[19:]
	if len(rest) >= 2 && rest[0] == '.' && rest[1] >= '0' && rest[1] <= '9' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		rest = rest[i:]
	}
	if rest == "Z" {
		return true
	}
	return len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
		rest[1:3] <= "23" && rest[4:6] <= "59" && strings.Trim(rest[1:3]+rest[4:6], "0123456789") == ""
}

// catalogBoth makes a verifier for PC with catalog data in Go (as the Go
// c-shared library did: catalog.Parse, the product's entry, names of at
// most 63 bytes, verifier.New) and in C, and compares what each accepts
// and the features each names.
func catalogBoth(t *testing.T, data []byte) {
	goOK := func() (*catalog.Product, bool) {
		c, err := catalog.Parse(data)
		if err != nil {
			return nil, false
		}
		p, err := c.Product("PC")
		if err != nil {
			return nil, false
		}
		for _, e := range p.Editions {
			if len(e.Name) > 63 || len(e.Features) > 64 {
				return nil, false
			}
			for _, f := range e.Features {
				if len(f) > 63 {
					return nil, false
				}
			}
		}
		return p, true
	}
	p, ok := goOK()
	if ok && catalogRefusedBySpec(data) {
		ok = false
	}
	cv, r := NewVerifier("PC", []Key{testKey(t)}, &Options{Catalog: data, HasCatalog: true})
	defer cv.Free()
	if ok != (r == 0) {
		t.Fatalf("catalog %q: Go accepts: %v; C: %s %s", data, ok, ResultName(r), cv.Message())
	}
	if !ok {
		return
	}
	for _, e := range p.Editions {
		for i, f := range e.Features {
			if got, r := cv.FeatureName(e.Number, uint32(i)); r != 0 || got != f {
				t.Fatalf("catalog %q: edition %d feature %d: Go %q, C %q", data, e.Number, i, f, got)
			}
		}
		if _, r := cv.FeatureName(e.Number, uint32(len(e.Features))); r == 0 {
			t.Fatalf("catalog %q: edition %d: C has more features than Go's %d", data, e.Number, len(e.Features))
		}
	}
}

// catalogRefusedBySpec reports a catalog that FORMAT.md section 9
// refuses and package formats/catalog still reads: a member that is null
// or repeated (names compared as encoding/json matches them, regardless
// of case), a member name in another case, or a string holding NUL, which
// C strings cannot.
func catalogRefusedBySpec(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		isKey := top != nil && top.object && top.key
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				if top != nil && top.object {
					top.key = true
				}
				stack = append(stack, &frame{object: v == '{', keys: map[string]bool{}, key: true})
			} else {
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return false
				}
			}
			continue
		case string:
			if strings.ContainsRune(v, 0) {
				return true
			}
			if isKey {
				// Every member name is lower-case ASCII but the product
				// codes' (directly under "products").
				if len(stack) != 2 && strings.Trim(v, "abcdefghijklmnopqrstuvwxyz_") != "" {
					return true
				}
				k := strings.ToLower(strings.NewReplacer("\u017f", "s", "\u212a", "k").Replace(v))
				if top.keys[k] {
					return true
				}
				top.keys[k] = true
				top.key = false
				continue
			}
		case nil:
			if top != nil && top.object {
				return true
			}
		}
		if top != nil && top.object {
			top.key = true
		}
	}
}
