package python

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/verifier"
)

// diffCase is one input and what the Go packages answer for it, which
// tests/test_differential.py checks the Python package gives too.
type diffCase struct {
	What   string `json:"what"` // code, reset, rk or list
	Input  string `json:"input_hex"`
	Kind   string `json:"kind"` // "" when accepted
	Group  int    `json:"group"`
	Char   int    `json:"char"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Status string `json:"status"`
	Left   int    `json:"days_left"`
}

// mutate changes s a few times as a hand or a mail program might, and as
// an attacker would: substitutions, swaps, deletions, insertions, case.
func mutate(r *rand.Rand, s []byte) []byte {
	b := bytes.Clone(s)
	const chars = "0123456789ABCDEFGHJKMNPQRSTVWXYZabcxyzOoIiLlUu -\n\r\t\x00\xff"
	for range 1 + r.IntN(3) {
		i := r.IntN(len(b) + 1)
		switch r.IntN(6) {
		case 0, 1:
			if i < len(b) {
				b[i] = chars[r.IntN(len(chars))]
			}
		case 2:
			if i+1 < len(b) {
				b[i], b[i+1] = b[i+1], b[i]
			}
		case 3:
			if i < len(b) {
				b = append(b[:i], b[i+1:]...)
			}
		case 4:
			b = append(b[:i], append([]byte{chars[r.IntN(len(chars))]}, b[i:]...)...)
		case 5:
			if i < len(b) {
				b[i] ^= 0x20
			}
		}
	}
	return b
}

func outcome(c *diffCase, err error) {
	c.Kind = verifier.ErrorKind(err)
	if errors.Is(err, formats.ErrUnknownVersion) {
		c.Kind = "unknown_version"
	}
	if err != nil && c.Kind == "" {
		c.Kind = "other: " + err.Error()
	}
	var fe *formats.FormatError
	if errors.As(err, &fe) {
		c.Group, c.Char, c.Line, c.Column = fe.Group, fe.Char, fe.Line, fe.Column
	}
}

// TestPythonAgreesWithGo feeds the same seeded mutations of codes, reset
// codes, Registration Keys and revocation lists to the Go packages and,
// through pytest, to the Python package, which must answer each the same:
// kind, position, line and column, status and days left.
func TestPythonAgreesWithGo(t *testing.T) {
	py := python(t)
	var suite struct {
		Keys []struct {
			ID     uint8  `json:"id"`
			Public string `json:"public_key_hex"`
		} `json:"keys"`
		Cases []struct {
			Runs []struct {
				Steps []struct {
					Code *string `json:"code"`
					List string  `json:"revocation_list_hex"`
				} `json:"steps"`
			} `json:"runs"`
		} `json:"cases"`
	}
	data, err := os.ReadFile("../../testdata/conformance/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &suite); err != nil {
		t.Fatal(err)
	}
	var keys []verifier.Key
	for _, k := range suite.Keys {
		pub, _ := hex.DecodeString(k.Public)
		keys = append(keys, verifier.Key{ID: k.ID, Public: pub})
	}
	var codes, lists [][]byte
	for _, c := range suite.Cases {
		for _, r := range c.Runs {
			for _, s := range r.Steps {
				if s.Code != nil {
					codes = append(codes, []byte(*s.Code))
				} else if l, err := hex.DecodeString(s.List); err == nil && len(l) > 28 {
					lists = append(lists, l)
				}
			}
		}
	}
	var resets struct {
		Valid []struct {
			Code string `json:"code"`
		} `json:"valid"`
	}
	data, err = os.ReadFile("../../testdata/vectors/reset_codes.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &resets); err != nil {
		t.Fatal(err)
	}
	pc, err := catalog.Default().Product("PC")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(diffSeed(t), 2))
	var cases []diffCase
	for range 1500 {
		in := mutate(r, codes[r.IntN(len(codes))])
		v, err := verifier.New("PC", keys, verifier.WithCatalog(pc), verifier.WithNow(func() time.Time { return now }),
			verifier.WithInstallID("host-7f3a9c0e"))
		if err != nil {
			t.Fatal(err)
		}
		c := diffCase{What: "code", Input: hex.EncodeToString(in)}
		l, err := v.VerifyBytes(in)
		outcome(&c, err)
		if err == nil {
			c.Status, c.Left = l.Status.String(), l.DaysLeft
		}
		cases = append(cases, c)
	}
	for range 500 {
		in := mutate(r, []byte(resets.Valid[r.IntN(len(resets.Valid))].Code))
		c := diffCase{What: "reset", Input: hex.EncodeToString(in)}
		_, err := formats.ParseResetCode(string(in), formats.MustProduct("PC"))
		outcome(&c, err)
		cases = append(cases, c)
	}
	for range 500 {
		in := mutate(r, []byte("PC-0314-1592-6535-8978"))
		c := diffCase{What: "rk", Input: hex.EncodeToString(in)}
		_, err := formats.ParseRegistrationKey(string(in))
		outcome(&c, err)
		cases = append(cases, c)
	}
	for range 500 {
		in := bytes.Clone(lists[r.IntN(len(lists))])
		switch r.IntN(3) {
		case 0:
			in[r.IntN(len(in))] ^= byte(1 << r.IntN(8))
		case 1:
			in = in[:r.IntN(len(in))]
		case 2:
			in[8+r.IntN(20)] = byte(r.IntN(256)) // the header
		}
		v, err := verifier.New("PC", keys)
		if err != nil {
			t.Fatal(err)
		}
		c := diffCase{What: "list", Input: hex.EncodeToString(in)}
		outcome(&c, v.LoadRevocationList(in))
		cases = append(cases, c)
	}
	out, err := json.Marshal(map[string]any{"keys": suite.Keys, "now": now.Format(time.RFC3339), "cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "diff.json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_differential.py")
	cmd.Env = append(env(), "LICMINT_DIFFERENTIAL="+path)
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

// diffSeed is the seed of the differential tests' mutations: fixed, so that
// a failure reproduces, or LICMINT_DIFF_SEED to explore others.
func diffSeed(t *testing.T) uint64 {
	if s := os.Getenv("LICMINT_DIFF_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("LICMINT_DIFF_SEED=%q: %v", s, err)
		}
		return n
	}
	return 20261207
}
