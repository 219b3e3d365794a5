package js_test

import (
	"bufio"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/edwards25519"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/state"
)

// The oracle is Go's own answer to every input the JavaScript suite
// (test/suite.mjs) compares with: the vectors' and the conformance
// suite's codes and their single-character corruptions, with messages,
// hints and positions; reset codes and Registration Keys; Ed25519 keys and
// signatures at the edges; state files and their corruptions; renewals;
// and the state each stateful conformance case ends with. It is written
// at test time, so it always matches the Go verifier being tested.

const testdata = "../../testdata"

type errorJSON struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Hint    string `json:"hint"`
	Group   int    `json:"group"`
	Char    int    `json:"char"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
}

type licenseJSON struct {
	Status        string   `json:"status"`
	Product       string   `json:"product"`
	Edition       string   `json:"edition"`
	EditionNumber int      `json:"edition_number"`
	Trial         bool     `json:"trial"`
	Bound         bool     `json:"install_bound"`
	Serial        uint64   `json:"serial"`
	Generation    int      `json:"generation"`
	KeyID         int      `json:"key_id"`
	Issued        string   `json:"issued"`
	Expires       string   `json:"expires"`
	DaysLeft      int      `json:"days_left"`
	Features      []string `json:"features_on"`
}

// formatKinds name the formats package's sentinels, as the JavaScript
// parsers report them.
var formatKinds = []struct {
	err  error
	kind string
}{
	{formats.ErrTypo, "typo"}, {formats.ErrUnsigned, "unsigned"}, {formats.ErrWrongProduct, "wrong_product"},
	{formats.ErrUnknownVersion, "unknown_version"}, {formats.ErrWeakKey, "weak_key"}, {formats.ErrMalformed, "malformed"},
}

func describe(err error, kind string) errorJSON {
	if kind == "" {
		for _, k := range formatKinds {
			if errors.Is(err, k.err) {
				kind = k.kind
				break
			}
		}
	}
	e := errorJSON{Kind: kind, Message: err.Error()}
	var fe *formats.FormatError
	var ve *verifier.Error
	switch {
	case errors.As(err, &fe):
		e.Hint, e.Group, e.Char, e.Line, e.Column = fe.Hint, fe.Group, fe.Char, fe.Line, fe.Column
	case errors.As(err, &ve):
		e.Hint = ve.Hint
	}
	return e
}

func licenseOf(l verifier.License) licenseJSON {
	o := licenseJSON{Status: l.Status.String(), Product: l.Product.String(), Edition: l.Edition, EditionNumber: int(l.EditionNumber),
		Trial: l.Trial, Bound: l.Bound, Serial: uint64(l.Serial), Generation: int(l.Generation), KeyID: int(l.KeyID),
		Issued: l.Issued.String(), Expires: l.Expires.String(), DaysLeft: l.DaysLeft, Features: []string{}}
	for _, f := range l.Features.Names() {
		if l.Features.Enabled(f) {
			o.Features = append(o.Features, f)
		}
	}
	return o
}

func verdict(l verifier.License, err error) any {
	if err != nil {
		kind := verifier.ErrorKind(err)
		if kind == "" && errors.Is(err, verifier.ErrNotRenewal) {
			kind = "not_renewal"
		}
		return describe(err, kind)
	}
	return licenseOf(l)
}

type suiteFile struct {
	Keys []struct {
		ID     uint8  `json:"id"`
		Public string `json:"public_key_hex"`
		Seed   string `json:"seed_hex"`
	} `json:"keys"`
	Cases []struct {
		Name    string `json:"name"`
		Product string `json:"product"`
		State   bool   `json:"state"`
		Runs    []struct {
			Now       time.Time `json:"now"`
			InstallID string    `json:"install_id"`
			WarnDays  *int      `json:"warn_days"`
			GraceDays *int      `json:"grace_days"`
			Steps     []struct {
				Code *string `json:"code"`
				Want *struct {
					Status string `json:"status"`
				} `json:"want"`
				List string `json:"revocation_list_hex"`
			} `json:"steps"`
		} `json:"runs"`
	} `json:"cases"`
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func keysOf(s *suiteFile) []verifier.Key {
	var keys []verifier.Key
	for _, k := range s.Keys {
		pub, _ := hex.DecodeString(k.Public)
		keys = append(keys, verifier.Key{ID: k.ID, Public: pub})
	}
	return keys
}

func newVerifier(t testing.TB, keys []verifier.Key, product, installID string, now time.Time, more ...verifier.Option) *verifier.Verifier {
	t.Helper()
	opts := append([]verifier.Option{verifier.WithNow(func() time.Time { return now })}, more...)
	if p, err := catalog.Default().Product(product); err == nil {
		opts = append(opts, verifier.WithCatalog(p))
	}
	if installID != "" {
		opts = append(opts, verifier.WithInstallID(installID))
	}
	v, err := verifier.New(product, keys, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// corruptions returns s with each character in turn replaced by each of
// with, deleted, and swapped with its neighbour.
func corruptions(s, with string) []string {
	var out []string
	for i := range len(s) {
		for _, c := range []byte(with) {
			if s[i] != c {
				out = append(out, s[:i]+string(c)+s[i+1:])
			}
		}
		out = append(out, s[:i]+s[i+1:])
		if i+1 < len(s) && s[i] != s[i+1] {
			out = append(out, s[:i]+s[i+1:i+2]+s[i:i+1]+s[i+2:])
		}
	}
	return out
}

type codeCase struct {
	Input     string `json:"input"`
	Product   string `json:"product"`
	InstallID string `json:"install_id"`
	Now       string `json:"now"`
	Want      any    `json:"want"`
}

func writeOracle(t testing.TB, dir string) string {
	t.Helper()
	var s suiteFile
	readJSON(t, filepath.Join(testdata, "conformance", "cases.json"), &s)
	keys := keysOf(&s)
	o := map[string]any{}

	// Codes: every one of the suite, at its run's clock and install, and
	// the first few valid ones corrupted every way one character can be.
	var codes []codeCase
	add := func(input, product, installID string, now time.Time) {
		v := newVerifier(t, keys, product, installID, now)
		l, err := v.Verify(input)
		codes = append(codes, codeCase{input, product, installID, now.Format(time.RFC3339Nano), verdict(l, err)})
	}
	valid := 0
	for _, c := range s.Cases {
		for _, r := range c.Runs {
			for _, st := range r.Steps {
				if st.Code == nil {
					continue
				}
				add(*st.Code, c.Product, r.InstallID, r.Now)
				if st.Want.Status == "valid" && valid < 3 && len(*st.Code) < 300 {
					valid++
					for _, m := range corruptions(*st.Code, "0AZUu!O-\n") {
						add(m, c.Product, r.InstallID, r.Now)
					}
				}
			}
		}
	}
	var acv struct {
		Valid []struct {
			Signed    string `json:"signed"`
			InstallID string `json:"install_id"`
		} `json:"valid"`
		Invalid []struct {
			Input string `json:"input"`
		} `json:"invalid"`
	}
	readJSON(t, filepath.Join(testdata, "vectors", "activation_codes.json"), &acv)
	at := time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC)
	for _, c := range acv.Valid {
		add(c.Signed, "PC", c.InstallID, at)
	}
	for _, c := range acv.Invalid {
		add(c.Input, "PC", "", at)
	}
	o["codes"] = codes

	// Reset codes and Registration Keys, through the parsers.
	var rv struct {
		Valid []struct {
			Code string `json:"code"`
		} `json:"valid"`
		Invalid []struct {
			Input   string `json:"input"`
			Product string `json:"product"`
		} `json:"invalid"`
	}
	readJSON(t, filepath.Join(testdata, "vectors", "reset_codes.json"), &rv)
	type parseCase struct {
		Input   string `json:"input"`
		Product string `json:"product"`
		Want    any    `json:"want"`
	}
	var resets []parseCase
	addReset := func(input, product string) {
		var p formats.Product
		if product != "" {
			p = formats.MustProduct(product)
		}
		c, err := formats.ParseResetCode(input, p)
		if err != nil {
			resets = append(resets, parseCase{input, product, describe(err, "")})
		} else {
			resets = append(resets, parseCase{input, product, c.ID()})
		}
	}
	for _, c := range rv.Invalid {
		addReset(c.Input, c.Product)
	}
	for _, m := range append([]string{rv.Valid[0].Code}, corruptions(rv.Valid[0].Code, "0AZUu!O-\n")...) {
		addReset(m, "PC")
		addReset(m, "PD")
	}
	o["resets"] = resets
	var rkv struct {
		Vectors []struct {
			Input string `json:"input"`
		} `json:"vectors"`
	}
	readJSON(t, filepath.Join(testdata, "vectors", "registration_keys.json"), &rkv)
	var rks []parseCase
	inputs := []string{strings.Repeat("1", 1025), "", "PC", "PC-0314-1592-6535-8978-0"}
	for _, c := range rkv.Vectors {
		inputs = append(inputs, c.Input)
	}
	inputs = append(inputs, corruptions(rkv.Vectors[0].Input, "09AOl -\n")...)
	for _, in := range inputs {
		k, err := formats.ParseRegistrationKey(in)
		if err != nil {
			rks = append(rks, parseCase{Input: in, Want: describe(err, "")})
		} else {
			rks = append(rks, parseCase{Input: in, Want: k.String()})
		}
	}
	o["rks"] = rks

	o["ed25519"] = ed25519Cases(t, s.Keys[0].Seed)
	o["states"] = stateCases(t)
	o["renewals"] = renewalCases(t, &s, keys)
	o["case_states"], o["state_file"] = caseStates(t, &s, keys)

	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "oracle.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type sigCase struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
	Message   string `json:"message"`
	Signature string `json:"signature"`
	KeyError  string `json:"key_error"`
	Valid     bool   `json:"valid"`
}

// ed25519Cases gathers Wycheproof's, the "Taming the many EdDSAs" and RFC
// 8032's cases, and makes more at the edges Go decides: S not reduced, R
// of mixed order (a cofactored check accepts it, Go does not), keys not
// canonically encoded, and every bit of a signature flipped.
func ed25519Cases(t testing.TB, seedHex string) []sigCase {
	var out []sigCase
	addCase := func(name string, pub, msg, sig []byte) {
		c := sigCase{Name: name, PublicKey: hex.EncodeToString(pub), Message: hex.EncodeToString(msg), Signature: hex.EncodeToString(sig)}
		if err := formats.CheckPublicKey(pub); err != nil {
			c.KeyError = describe(err, "").Kind
		} else {
			c.Valid = ed25519.Verify(pub, msg, sig)
		}
		out = append(out, c)
	}
	var wp struct {
		TestGroups []struct {
			PublicKey struct {
				PK string `json:"pk"`
			} `json:"publicKey"`
			Tests []struct {
				TcID int    `json:"tcId"`
				Msg  string `json:"msg"`
				Sig  string `json:"sig"`
			} `json:"tests"`
		} `json:"testGroups"`
	}
	readJSON(t, filepath.Join(testdata, "wycheproof", "ed25519_test.json"), &wp)
	unhex := func(s string) []byte { b, _ := hex.DecodeString(s); return b }
	for _, g := range wp.TestGroups {
		for _, tc := range g.Tests {
			addCase("wycheproof "+itoa(tc.TcID), unhex(g.PublicKey.PK), unhex(tc.Msg), unhex(tc.Sig))
		}
	}
	lines := readLines(t, filepath.Join(testdata, "speccheck", "cases.txt"))
	field := func(l string) []byte { return unhex(strings.TrimSpace(l[strings.IndexByte(l, '=')+1:])) }
	for i := 0; 3*i+3 < len(lines); i++ {
		addCase("speccheck "+itoa(i), field(lines[2+3*i]), field(lines[1+3*i]), field(lines[3+3*i]))
	}
	var cur map[string]string
	flush := func() {
		if cur != nil && cur["PUBLIC KEY"] != "" {
			addCase("rfc8032 "+cur["NAME"], unhex(cur["PUBLIC KEY"]), unhex(cur["MESSAGE"]), unhex(cur["SIGNATURE"]))
		}
		cur = map[string]string{}
	}
	for _, l := range readLines(t, filepath.Join(testdata, "rfc8032", "ed25519_7_1.txt")) {
		if strings.HasPrefix(l, "#") {
			continue
		}
		if strings.TrimSpace(l) == "" {
			flush()
			continue
		}
		if k, v, ok := strings.Cut(l, ":"); ok {
			if strings.HasPrefix(k, "MESSAGE") {
				k = "MESSAGE"
			}
			cur[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	flush()

	priv := ed25519.NewKeyFromSeed(unhex(seedHex))
	pub := priv.Public().(ed25519.PublicKey)
	msg := []byte("licmint edge cases")
	sig := ed25519.Sign(priv, msg)
	addCase("a good signature", pub, msg, sig)
	// S + L: the same S modulo L, not reduced.
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	sVal := new(big.Int).SetBytes(reverse(sig[32:]))
	sVal.Add(sVal, l)
	high := append(append([]byte{}, sig[:32]...), reverse(pad32(sVal.Bytes()))...)
	addCase("S + L", pub, msg, high)
	// R plus a point of order 8 with the challenge made for that R: a
	// cofactored check accepts it, Go's does not.
	var torsion edwards25519.Point
	if _, err := torsion.SetBytes(unhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		m := append(append([]byte{}, msg...), byte(i))
		mixed := mixedOrderSignature(t, priv, m, &torsion)
		addCase("R of mixed order "+itoa(i), pub, m, mixed)
	}
	for i := range 512 {
		b := append([]byte{}, sig...)
		b[i/8] ^= 1 << (i % 8)
		addCase("signature bit "+itoa(i), pub, msg, b)
	}
	// Keys: y not reduced (y + p for the points with y < 19) and x = 0 with
	// the sign bit set.
	for y := range 19 {
		for _, sign := range []byte{0, 0x80} {
			enc := make([]byte, 32)
			enc[0] = byte(y)
			enc[31] = sign
			var p edwards25519.Point
			if _, err := p.SetBytes(enc); err != nil {
				continue
			}
			big := unhex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
			big[0] += byte(y)
			big[31] |= sign
			addCase("key y+p "+itoa(y), big, msg, sig)
			addCase("key y "+itoa(y), enc, msg, sig)
		}
	}
	return out
}

// mixedOrderSignature signs m with R' = R + T for T of order 8: S = r +
// k'a with k' = H(R' || A || m), so [S]B = R + [k']A, which equals R' -
// T + [k']A: it verifies only when the check multiplies by the cofactor.
func mixedOrderSignature(t testing.TB, priv ed25519.PrivateKey, m []byte, torsion *edwards25519.Point) []byte {
	h := sha512.Sum512(priv.Seed())
	a, err := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	if err != nil {
		t.Fatal(err)
	}
	rh := sha512.Sum512(append(append([]byte{}, h[32:]...), m...))
	r, _ := edwards25519.NewScalar().SetUniformBytes(rh[:])
	R := new(edwards25519.Point).ScalarBaseMult(r)
	R2 := new(edwards25519.Point).Add(R, torsion)
	kh := sha512.New()
	kh.Write(R2.Bytes())
	kh.Write(priv.Public().(ed25519.PublicKey))
	kh.Write(m)
	k, _ := edwards25519.NewScalar().SetUniformBytes(kh.Sum(nil))
	S := edwards25519.NewScalar().MultiplyAdd(k, a, r)
	return append(R2.Bytes(), S.Bytes()...)
}

func reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[len(b)-1-i] = b[i]
	}
	return out
}

func pad32(b []byte) []byte { return append(make([]byte, 32-len(b)), b...) }

func itoa(i int) string { return big.NewInt(int64(i)).String() }

func readLines(t testing.TB, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

type stateCase struct {
	Name  string `json:"name"`
	Bytes string `json:"bytes"`
	Want  string `json:"want"` // hex of Marshal(Unmarshal(bytes)), or state_corrupt
}

// stateCases are state byte strings, as state.Marshal writes them and
// corrupted every way one byte can be, with what Go reads from each.
func stateCases(t testing.TB) []stateCase {
	var s state.State
	s.LastSeen = time.Date(2027, 1, 15, 10, 30, 0, 0, time.UTC)
	s.SeeGeneration(31415926535897, 2)
	s.SeeGeneration(7, 0)
	s.AddReset("101182109dd5ec0de010", time.Date(2036, 11, 29, 0, 0, 0, 0, time.UTC))
	s.ListSequence = 9
	s.List = []byte("list\n\nbytes")
	base := [][]byte{state.Marshal(state.State{}), state.Marshal(s)}
	s.List = nil
	base = append(base, state.Marshal(s),
		[]byte("licmint verifier state v1\nlast-seen: 2027-01-15T10:30:00.123456+02:00\nlist-sequence: 18446744073709551615\ngeneration: 18446744073709551615 255\n"))
	var out []stateCase
	addCase := func(name string, b []byte) {
		c := stateCase{Name: name, Bytes: hex.EncodeToString(b), Want: "state_corrupt"}
		if st, err := state.Unmarshal(b); err == nil {
			c.Want = hex.EncodeToString(state.Marshal(st))
		}
		out = append(out, c)
	}
	for i, b := range base {
		addCase("state "+itoa(i), b)
		if i != 2 {
			continue
		}
		for _, m := range corruptions(string(b), "09x: \n-Tz") {
			addCase("state "+itoa(i)+" corrupted", []byte(m))
		}
	}
	return out
}

type renewalCase struct {
	Current string `json:"current"`
	Next    string `json:"next"`
	Now     string `json:"now"`
	Want    any    `json:"want"`
}

// renewalCases try every pair of the suite's valid PC codes as a renewal.
func renewalCases(t testing.TB, s *suiteFile, keys []verifier.Key) []renewalCase {
	seen := map[string]bool{}
	var codes []string
	for _, c := range s.Cases {
		for _, r := range c.Runs {
			for _, st := range r.Steps {
				if st.Code != nil && c.Product == "PC" && r.InstallID == "" && st.Want.Status != "invalid" && !seen[*st.Code] && len(codes) < 12 {
					seen[*st.Code] = true
					codes = append(codes, *st.Code)
				}
			}
		}
	}
	now := time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC)
	var out []renewalCase
	for _, a := range codes {
		for _, b := range codes {
			v := newVerifier(t, keys, "PC", "", now)
			l, err := v.VerifyRenewal(a, b)
			out = append(out, renewalCase{a, b, now.Format(time.RFC3339), verdict(l, err)})
		}
	}
	return out
}

// caseStates runs each stateful conformance case in Go and returns the
// state it ends with, in bytes, by case name; and one of them as a state
// file's text.
func caseStates(t testing.TB, s *suiteFile, keys []verifier.Key) (map[string]string, string) {
	out := map[string]string{}
	file := ""
	for _, c := range s.Cases {
		if !c.State {
			continue
		}
		store := new(state.Memory)
		for _, r := range c.Runs {
			opts := []verifier.Option{verifier.WithState(store)}
			if r.WarnDays != nil {
				opts = append(opts, verifier.WithWarnDays(*r.WarnDays))
			}
			if r.GraceDays != nil {
				opts = append(opts, verifier.WithGraceDays(*r.GraceDays))
			}
			v := newVerifier(t, keys, c.Product, r.InstallID, r.Now, opts...)
			for _, st := range r.Steps {
				if st.Code != nil {
					v.Verify(*st.Code)
				} else {
					b, _ := hex.DecodeString(st.List)
					v.LoadRevocationList(b)
				}
			}
		}
		st, err := store.Load()
		if err != nil {
			t.Fatal(err)
		}
		out[c.Name] = hex.EncodeToString(state.Marshal(st))
		if st.List == nil && len(st.Generations) > 0 {
			file = hex.EncodeToString(state.Marshal(st))
		}
	}
	return out, file
}
