package python

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/formats/renewal"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/licjwt"
	"github.com/licmint/licmint/verifier/state"
)

// textCase is a text input and the Go packages' answer: the kind of
// refusal ("" when accepted) and, when accepted, what was read.
type textCase struct {
	What  string `json:"what"` // token, state, catalog, keyring or request
	Input string `json:"input_hex"`
	Kind  string `json:"kind"`
	Read  string `json:"read"` // a canonical rendering of what was read
}

// mutateJSON changes a JSON text a few times, with the bytes that matter
// to a JSON reader.
func mutateJSON(r *rand.Rand, s []byte) []byte {
	b := bytes.Clone(s)
	pieces := []string{`{`, `}`, `[`, `]`, `"`, `:`, `,`, `null`, `0`, `1.5`, `-`, `e9`, ` `, `\n`, `\u0000`, `"exp":1,`,
		`"EXP":1,`, `"ſub":"x",`, "\r", "a", "Z", "ſ", "\xff"}
	for range 1 + r.IntN(3) {
		i := r.IntN(len(b) + 1)
		switch r.IntN(4) {
		case 0:
			b = append(b[:i], append([]byte(pieces[r.IntN(len(pieces))]), b[i:]...)...)
		case 1:
			if i < len(b) {
				b = append(b[:i], b[min(len(b), i+1+r.IntN(4)):]...)
			}
		case 2:
			if i < len(b) {
				b[i] = pieces[r.IntN(len(pieces))][0]
			}
		case 3: // a member repeated
			if j := bytes.IndexByte(b[i:], ','); j > 0 {
				k := bytes.LastIndexByte(b[:i], ',')
				if k >= 0 {
					b = append(b[:i+j], append(bytes.Clone(b[k:i+j]), b[i+j:]...)...)
				}
			}
		}
	}
	return b
}

// TestPythonAgreesWithGoOnJSONAndText feeds seeded mutations of license
// tokens (re-signed, so that they reach the claim checks), state bytes,
// catalogs, keyrings and renewal requests to the Go packages and to the
// Python package. It runs only when the Go packages read JSON and times
// as FORMAT.md now specifies (repeated members, nulls and folded names
// refused), which it probes first.
func TestPythonAgreesWithGoOnJSONAndText(t *testing.T) {
	py := python(t)
	if _, err := catalog.Parse([]byte(`{"products":{"PC":{"name":null,"editions":[{"name":"a","number":1}]}}}`)); err == nil {
		t.Skip("the Go packages here read JSON leniently (a null name passes): FORMAT.md's stricter rules are not in them yet")
	}
	var keyFiles struct {
		TestKey struct {
			Seed string `json:"seed_hex"`
		} `json:"test_key"`
		Valid []struct {
			Text string `json:"text"`
		} `json:"valid"`
	}
	var jwts struct {
		Valid []struct {
			Claims json.RawMessage `json:"claims"`
		} `json:"valid"`
	}
	var cats, reqs struct {
		Valid []struct {
			JSON string `json:"json"`
			Text string `json:"text"`
		} `json:"valid"`
	}
	for name, into := range map[string]any{"key_files": &keyFiles, "jwts": &jwts, "catalogs": &cats, "renewal_requests": &reqs} {
		data, err := os.ReadFile("../../testdata/vectors/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, into); err != nil {
			t.Fatal(err)
		}
	}
	seed, _ := hex.DecodeString(keyFiles.TestKey.Seed)
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	pc, err := catalog.Default().Product("PC")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	v, err := verifier.New("PC", []verifier.Key{{ID: 1, Public: pub}}, verifier.WithCatalog(pc),
		verifier.WithNow(func() time.Time { return now }), verifier.WithInstallID("host-7f3a9c0e"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := licjwt.New(v)
	enc := base64.RawURLEncoding.EncodeToString
	r := rand.New(rand.NewPCG(diffSeed(t), 3))
	var cases []textCase
	add := func(what string, in []byte, kind, read string) {
		cases = append(cases, textCase{What: what, Input: hex.EncodeToString(in), Kind: kind, Read: read})
	}
	for range 600 {
		claims := mutateJSON(r, jwts.Valid[r.IntN(len(jwts.Valid))].Claims)
		head := enc([]byte(`{"alg":"EdDSA","kid":"1","typ":"JWT"}`)) + "." + enc(claims)
		tok := head + "." + enc(ed25519.Sign(priv, []byte(head)))
		kind, read := "", ""
		l, err := tokens.Verify(tok)
		for _, k := range []struct {
			err  error
			kind string
		}{{verifier.ErrUnknownKey, "unknown_key"}, {verifier.ErrBadSignature, "bad_signature"},
			{verifier.ErrInstallMismatch, "install_mismatch"}, {verifier.ErrWrongProduct, "wrong_product"}, {licjwt.ErrBadToken, "bad_token"}} {
			if errors.Is(err, k.err) {
				kind = k.kind
				break
			}
		}
		if err != nil && kind == "" {
			kind = "other: " + err.Error()
		}
		if err == nil {
			read = l.Status.String() + " " + l.Serial.String()
		}
		add("token", []byte(tok), kind, read)
	}
	for range 600 {
		in := mutateJSON(r, stateSeed())
		kind, read := "", ""
		if st, err := state.Unmarshal(in); err != nil {
			kind = "corrupt"
		} else {
			read = hex.EncodeToString(state.Marshal(st))
		}
		add("state", in, kind, read)
	}
	for range 400 {
		in := mutateJSON(r, []byte(cats.Valid[r.IntN(len(cats.Valid))].JSON))
		kind, read := "", ""
		if c, err := catalog.Parse(in); err != nil {
			kind = "invalid"
		} else {
			read = catalogString(c)
		}
		add("catalog", in, kind, read)
	}
	for range 400 {
		in := mutateJSON(r, []byte(keyFiles.Valid[r.IntN(len(keyFiles.Valid))].Text))
		kind, read := "", ""
		if ring, err := keyring.Parse(in); errors.Is(err, keyring.ErrNoKeyID) {
			kind = "no_key_id"
		} else if err != nil {
			kind = "invalid"
		} else {
			for _, k := range ring.Keys() {
				read += hex.EncodeToString([]byte{k.ID}) + hex.EncodeToString(k.Public) + " "
			}
		}
		add("keyring", in, kind, read)
	}
	for range 400 {
		in := mutateJSON(r, []byte(reqs.Valid[r.IntN(len(reqs.Valid))].Text))
		kind, read := "", ""
		if q, err := renewal.Parse(in); err != nil {
			kind = "malformed"
		} else {
			read = q.Code.String() + " " + q.InstallID + " " + q.Time.UTC().Format(time.RFC3339)
		}
		add("request", in, kind, read)
	}
	out, err := json.Marshal(map[string]any{"public_key_hex": hex.EncodeToString(pub), "now": now.Format(time.RFC3339), "cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "text.json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_differential.py", "-k", "text")
	cmd.Env = append(env(), "LICMINT_DIFFERENTIAL_TEXT="+path)
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pytest: %v\n%s", err, res)
	}
	accepted := 0
	for _, c := range cases {
		if c.Kind == "" {
			accepted++
		}
	}
	t.Logf("%d inputs (%d accepted), no difference: %s", len(cases), accepted, bytes.TrimSpace(res))
}

// stateSeed is a state as one byte string, every line kind in it.
func stateSeed() []byte {
	return state.Marshal(state.State{LastSeen: time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC), ListSequence: 3,
		List: []byte("a list"), Generations: map[formats.Serial]uint8{31415926535897: 2, 7: 0},
		Resets: map[string]time.Time{"0123456789abcdef0123": time.Date(2036, 11, 29, 0, 0, 0, 0, time.UTC)}})
}

// catalogString renders what a catalog says, as the Python test does.
func catalogString(c *catalog.Catalog) string {
	var b strings.Builder
	for _, code := range slices.Sorted(maps.Keys(c.Products)) {
		p := c.Products[code]
		fmt.Fprintf(&b, "%s %q", code, p.Name)
		for _, e := range p.Editions {
			fmt.Fprintf(&b, ";%q %d %q", e.Name, e.Number, strings.Join(e.Features, ","))
		}
		fmt.Fprintf(&b, ";%d %d %d %d\n", p.Trial(), p.Maintenance(), p.Warning(), p.Grace())
	}
	return b.String()
}
