package python

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"filippo.io/edwards25519"

	"github.com/licmint/licmint/internal/torsion"
)

// boundaryCase is a signature at the accepting boundary of Ed25519 and
// crypto/ed25519's verdict on it, which the Python verifier must give.
type boundaryCase struct {
	Name   string `json:"name"`
	Public string `json:"public_key_hex"`
	Msg    string `json:"msg_hex"`
	Sig    string `json:"sig_hex"`
	Valid  bool   `json:"valid"`
}

// groupOrder is l.
var groupOrder, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)

func scalar(label string, seed uint64) *edwards25519.Scalar {
	h := sha512.New()
	h.Write([]byte(label))
	binary.Write(h, binary.LittleEndian, seed)
	s, _ := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	return s
}

// sign makes a signature under the key encA = [a]B + T_ta with the nonce
// [r]B + T_tr (encoded as encR if given): S = r + k·a holds for the prime
// parts, so only the torsion decides crypto/ed25519's verdict.
func sign(a *edwards25519.Scalar, ta int, encA []byte, r *edwards25519.Scalar, tr int, encR, msg []byte) (pub, sig []byte) {
	pts := torsion.Points()
	if encA == nil {
		p := new(edwards25519.Point).ScalarBaseMult(a)
		encA = p.Add(p, pts[ta]).Bytes()
	}
	if encR == nil {
		p := new(edwards25519.Point).ScalarBaseMult(r)
		encR = p.Add(p, pts[tr]).Bytes()
	}
	h := sha512.New()
	h.Write(encR)
	h.Write(encA)
	h.Write(msg)
	k, _ := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	s := edwards25519.NewScalar().MultiplyAdd(k, a, r)
	return bytes.Clone(encA), append(bytes.Clone(encR), s.Bytes()...)
}

// mutants respells S as S + n·l and with its top bits set.
func mutants(sig []byte) [][]byte {
	le := func(b []byte) *big.Int {
		be := bytes.Clone(b)
		for i, j := 0, len(be)-1; i < j; i, j = i+1, j-1 {
			be[i], be[j] = be[j], be[i]
		}
		return new(big.Int).SetBytes(be)
	}
	var out [][]byte
	s := le(sig[32:])
	for _, n := range []int64{1, 2, 15} {
		v := new(big.Int).Add(s, new(big.Int).Mul(big.NewInt(n), groupOrder))
		if v.BitLen() > 256 {
			continue
		}
		m := bytes.Clone(sig)
		clear(m[32:])
		v.FillBytes(m[32:])
		for i, j := 32, 63; i < j; i, j = i+1, j-1 {
			m[i], m[j] = m[j], m[i]
		}
		out = append(out, m)
	}
	for _, bit := range []byte{0x20, 0x80} {
		m := bytes.Clone(sig)
		m[63] |= bit
		out = append(out, m)
	}
	return out
}

// boundaryCases are mixed-order keys and nonces with every torsion,
// small-order keys and nonces in every encoding, and non-canonical S,
// each with crypto/ed25519's verdict.
func boundaryCases() []boundaryCase {
	var cases []boundaryCase
	add := func(name string, pub, msg, sig []byte) {
		cases = append(cases, boundaryCase{Name: name, Public: hex.EncodeToString(pub), Msg: hex.EncodeToString(msg),
			Sig: hex.EncodeToString(sig), Valid: ed25519.Verify(pub, msg, sig)})
		for i, m := range mutants(sig) {
			cases = append(cases, boundaryCase{Name: name + " S mutant " + strconv.Itoa(i), Public: hex.EncodeToString(pub),
				Msg: hex.EncodeToString(msg), Sig: hex.EncodeToString(m), Valid: ed25519.Verify(pub, msg, m)})
		}
	}
	zero := edwards25519.NewScalar()
	for i := range uint64(24) {
		a, r := scalar("a", i), scalar("r", i)
		msg := []byte("mixed " + strconv.FormatUint(i, 10))
		for tr := range 8 {
			pub, sig := sign(a, int(i%8), nil, r, tr, nil, msg)
			add("A mixed, R torsion "+strconv.Itoa(tr), pub, msg, sig)
		}
		pub, sig := sign(a, int(i%8), nil, zero, int(i/3%8), nil, msg)
		add("A mixed, R small", pub, msg, sig)
	}
	for _, e := range torsion.Encodings() {
		name := "small-order encoding " + hex.EncodeToString(e.Bytes)
		for tr := range 8 {
			pub, sig := sign(zero, e.Index, e.Bytes, scalar("r", uint64(tr)), tr, nil, []byte("small A"))
			add(name+" as A", pub, []byte("small A"), sig)
		}
		for ta := range 8 {
			pub, sig := sign(scalar("a", uint64(ta)), ta, nil, zero, e.Index, e.Bytes, []byte("small R"))
			add(name+" as R", pub, []byte("small R"), sig)
		}
	}
	return cases
}

// TestPythonEd25519Boundary writes the boundary cases and runs the pytest
// test that checks the Python verifier's Ed25519 gives each one
// crypto/ed25519's verdict.
func TestPythonEd25519Boundary(t *testing.T) {
	py := python(t)
	cases := boundaryCases()
	valid := 0
	for _, c := range cases {
		if c.Valid {
			valid++
		}
	}
	if valid < 50 || len(cases)-valid < 50 {
		t.Fatalf("%d cases, %d valid: the construction misses the boundary", len(cases), valid)
	}
	data, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "boundary.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_ed25519.py", "-k", "go_boundary")
	cmd.Env = append(env(), "LICMINT_ED25519_BOUNDARY="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pytest: %v\n%s", err, out)
	}
	t.Logf("%d cases (%d valid): %s", len(cases), valid, bytes.TrimSpace(out))
}
