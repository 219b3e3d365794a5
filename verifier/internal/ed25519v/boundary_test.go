package ed25519v

// The tests in this file build signatures at the accepting boundary of
// Ed25519 verification, where implementations differ (Chalkias, Garillot,
// Nikolaenko, "Taming the many EdDSAs", 2020): keys and nonces with a
// torsion component, small-order points in every encoding, and scalars
// around l. Each must get crypto/ed25519.Verify's verdict from ed25519v.
//
// A key is A = [a]B + T_ta and a nonce R = [r]B + T_tr, where T_i is
// torsion.Points()[i] = [i]T for a point T of order 8. With k = H(R||A||M)
// and S = r + k·a mod l, [S]B - [k]A - R = -([k]T_ta + T_tr), so the
// cofactored equation [8][S]B = [8]R + [8][k]A always holds, and the
// cofactorless one that crypto/ed25519 checks (by comparing encodings of
// R) holds exactly when tr + k·ta ≡ 0 mod 8 and R is encoded canonically.

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/binary"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"filippo.io/edwards25519"

	"github.com/licmint/licmint/internal/torsion"
)

var (
	torsionPoints = torsion.Points()
	// groupOrder is l = 2^252 + 27742317777372353535851937790883648493.
	groupOrder, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
)

// scalarFrom derives a scalar from a seed and a domain label.
func scalarFrom(label string, seed uint64) *edwards25519.Scalar {
	h := sha512.New()
	h.Write([]byte(label))
	binary.Write(h, binary.LittleEndian, seed)
	s, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	if err != nil {
		panic(err)
	}
	return s
}

// minusOne is l - 1, the largest canonical scalar.
func minusOne() *edwards25519.Scalar {
	one := [32]byte{1}
	s, err := edwards25519.NewScalar().SetCanonicalBytes(one[:])
	if err != nil {
		panic(err)
	}
	return s.Negate(s)
}

// mixed returns [s]B + T_t.
func mixed(s *edwards25519.Scalar, t int) *edwards25519.Point {
	p := new(edwards25519.Point).ScalarBaseMult(s)
	return p.Add(p, torsionPoints[t%8])
}

// challenge is k = SHA-512(R || A || M) mod l, as RFC 8032 computes it.
func challenge(encR, encA, msg []byte) *edwards25519.Scalar {
	h := sha512.New()
	h.Write(encR)
	h.Write(encA)
	h.Write(msg)
	k, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	if err != nil {
		panic(err)
	}
	return k
}

// boundarySig is a signature built as the file comment describes.
type boundarySig struct {
	pub, msg, sig []byte
	// cofactorless: the equation crypto/ed25519 checks holds, for the
	// points; the encodings may still make it reject.
	cofactorless bool
}

// build signs msg under the key encA, which decodes to [a]B + T_ta, with
// the nonce point [r]B + T_tr encoded as encR (canonically if nil).
func build(a *edwards25519.Scalar, ta int, encA []byte, r *edwards25519.Scalar, tr int, encR, msg []byte) boundarySig {
	if encA == nil {
		encA = mixed(a, ta).Bytes()
	}
	if encR == nil {
		encR = mixed(r, tr).Bytes()
	}
	k := challenge(encR, encA, msg)
	s := edwards25519.NewScalar().MultiplyAdd(k, a, r)
	// [k]T_ta = T_(k·ta mod 8): T has order 8, and k's low 3 bits are k mod 8.
	kmod8 := int(k.Bytes()[0] & 7)
	return boundarySig{
		pub:          bytes.Clone(encA),
		msg:          msg,
		sig:          append(bytes.Clone(encR), s.Bytes()...),
		cofactorless: (tr+kmod8*ta)%8 == 0,
	}
}

// solve is build with tr chosen, if one of the 8 works, so that the
// cofactorless equation holds; k depends on R, so each is tried. It
// reports false, with the last try, if none works.
func solve(a *edwards25519.Scalar, ta int, encA []byte, r *edwards25519.Scalar, msg []byte) (boundarySig, bool) {
	var b boundarySig
	for tr := range 8 {
		if b = build(a, ta, encA, r, tr, nil, msg); b.cofactorless {
			return b, true
		}
	}
	return b, false
}

// solveMsg is solve, extending msg with a counter until it succeeds: for a
// nonce with no prime-order part, which leaves nothing else to vary.
func solveMsg(t *testing.T, a *edwards25519.Scalar, ta int, encA []byte, r *edwards25519.Scalar, msg []byte) boundarySig {
	t.Helper()
	for i := range 1000 {
		if b, ok := solve(a, ta, encA, r, strconv.AppendInt(bytes.Clone(msg), int64(i), 10)); ok {
			return b
		}
	}
	t.Fatal("no message solves the cofactorless equation")
	return boundarySig{}
}

// expect checks that crypto/ed25519 and ed25519v both return want.
func expect(t *testing.T, name string, b boundarySig, want bool) {
	t.Helper()
	if got := check(t, b.pub, b.msg, b.sig); got != want {
		t.Errorf("%s: pub=%x sig=%x: both verify=%v, want %v", name, b.pub, b.sig, got, want)
	}
}

// withS returns sig with its S replaced by the 32-byte little-endian n,
// or false if n does not fit.
func withS(sig []byte, n *big.Int) ([]byte, bool) {
	if n.BitLen() > 256 {
		return nil, false
	}
	out := bytes.Clone(sig)
	clear(out[32:])
	n.FillBytes(out[32:])
	slicesReverse(out[32:])
	return out, true
}

func slicesReverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}

func scalarInt(le []byte) *big.Int {
	be := bytes.Clone(le)
	slicesReverse(be)
	return new(big.Int).SetBytes(be)
}

// expectScalarMutants checks that non-canonical spellings of a
// signature's S are rejected: S + l, S + 2l and S + n·l for the largest n
// that fits in 32 bytes (14 or 15), and S with each of its top three bits
// set.
func expectScalarMutants(t *testing.T, name string, b boundarySig) {
	t.Helper()
	s := scalarInt(b.sig[32:])
	for _, n := range []int64{1, 2, 14, 15} {
		sig, ok := withS(b.sig, new(big.Int).Add(s, new(big.Int).Mul(big.NewInt(n), groupOrder)))
		if !ok {
			if n < 15 {
				t.Fatalf("%s: S + %dl does not fit in 32 bytes", name, n)
			}
			continue
		}
		expect(t, name+" S+"+strconv.FormatInt(n, 10)+"l", boundarySig{pub: b.pub, msg: b.msg, sig: sig}, false)
	}
	for _, bit := range []byte{0x20, 0x40, 0x80} {
		sig := bytes.Clone(b.sig)
		sig[63] |= bit
		expect(t, name+" S top bit", boundarySig{pub: b.pub, msg: b.msg, sig: sig}, false)
	}
}

// TestMixedOrder: keys and nonces with a torsion component (mixed order),
// with S computed so that the cofactorless equation holds (accepted) or
// only the cofactored one (rejected by crypto/ed25519, so by ed25519v).
func TestMixedOrder(t *testing.T) {
	accepted, rejected := 0, 0
	for i := range uint64(64) {
		a, r := scalarFrom("a", i), scalarFrom("r", i)
		ta := int(i % 8)
		msg := []byte("mixed " + strconv.FormatUint(i, 10))

		// A and R mixed, R's torsion solving the cofactorless equation.
		if b, ok := solve(a, ta, nil, r, msg); ok {
			expect(t, "A mixed, R mixed, solved", b, true)
			expectScalarMutants(t, "A mixed, R mixed", b)
			accepted++
		}
		// Every other torsion for R: cofactored-only, rejected.
		for tr := range 8 {
			b := build(a, ta, nil, r, tr, nil, msg)
			expect(t, "A mixed, R mixed", b, b.cofactorless)
			if !b.cofactorless {
				rejected++
			}
		}
		// A small (a = 0), R mixed: S = r.
		if ta != 0 {
			if b, ok := solve(edwards25519.NewScalar(), ta, nil, r, msg); ok {
				expect(t, "A small, R mixed, solved", b, true)
				accepted++
			}
		}
		// A mixed, R small (r = 0): S = k·a.
		b := solveMsg(t, a, ta, nil, edwards25519.NewScalar(), msg)
		expect(t, "A mixed, R small, solved", b, true)
		expectScalarMutants(t, "A mixed, R small", b)
		accepted++
		// A honest (prime order), R mixed: only the cofactored equation
		// can hold.
		b = build(a, 0, nil, r, 1+int(i%7), nil, msg)
		expect(t, "A honest, R mixed", b, false)
		rejected++
	}
	if accepted < 100 || rejected < 100 {
		t.Errorf("%d accepted and %d rejected cases: the construction misses the boundary", accepted, rejected)
	}
}

// TestSmallOrderAsKey: every small-order point, in each of its encodings,
// as the public key. crypto/ed25519 accepts them all (so ed25519v does; the
// verifier refuses them when it loads keys), and signatures under them
// need no private key: S = 0 with a small R, or S = r with R = [r]B + T.
func TestSmallOrderAsKey(t *testing.T) {
	for _, e := range torsion.Encodings() {
		name := "A=" + strconv.Itoa(e.Index) + " canonical=" + strconv.FormatBool(e.Canonical)
		zero := edwards25519.NewScalar()
		b := solveMsg(t, zero, e.Index, e.Bytes, zero, []byte("S=0 under "))
		if !bytes.Equal(b.sig[32:], make([]byte, 32)) {
			t.Fatalf("%s: S = %x, want 0", name, b.sig[32:])
		}
		expect(t, name+", R small, S=0", b, true)
		expectScalarMutants(t, name+", R small, S=0", b) // S = l, 2l, …
		for i := range uint64(4) {
			r := scalarFrom("r", i)
			if b, ok := solve(zero, e.Index, e.Bytes, r, []byte("R mixed")); ok {
				expect(t, name+", R mixed", b, true)
				expectScalarMutants(t, name+", R mixed", b)
			}
			for tr := range 8 {
				b := build(zero, e.Index, e.Bytes, r, tr, nil, []byte("R mixed"))
				expect(t, name+", R mixed, any torsion", b, b.cofactorless)
			}
		}
		// S = l - 1, the largest canonical S: R = [l-1]B + T, A small.
		b, ok := solve(zero, e.Index, e.Bytes, minusOne(), []byte("S = l-1"))
		if !ok {
			b = solveMsg(t, zero, e.Index, e.Bytes, minusOne(), []byte("S = l-1 "))
		}
		if scalarInt(b.sig[32:]).Cmp(new(big.Int).Sub(groupOrder, big.NewInt(1))) != 0 {
			t.Fatalf("%s: S = %x, want l-1", name, b.sig[32:])
		}
		expect(t, name+", S=l-1", b, true)
		expectScalarMutants(t, name+", S=l-1", b)
	}
}

// TestSmallOrderAsNonce: every small-order point, in each of its
// encodings, as R, with a mixed-order key whose torsion makes the
// cofactorless equation hold for the point. crypto/ed25519 compares R's
// encoding with the canonical one it computes, so it accepts exactly the
// canonical encodings; ed25519v must do the same.
func TestSmallOrderAsNonce(t *testing.T) {
	zero := edwards25519.NewScalar()
	for _, e := range torsion.Encodings() {
		name := "R=" + strconv.Itoa(e.Index) + " canonical=" + strconv.FormatBool(e.Canonical)
		found := 0
		for i := uint64(0); found < 4 && i < 1000; i++ {
			a := scalarFrom("a", i)
			for ta := range 8 {
				b := build(a, ta, nil, zero, e.Index, e.Bytes, []byte("small R"))
				expect(t, name, b, b.cofactorless && e.Canonical)
				if b.cofactorless {
					found++
					if e.Canonical {
						expectScalarMutants(t, name, b)
					}
				}
			}
		}
		if found == 0 {
			t.Errorf("%s: no key solves the cofactorless equation", name)
		}
	}
}

// TestHonestKeyScalarBoundary: an honest key's valid signature with S
// spelt as S + n·l or with top bits set, and S replaced by l - 1 and l.
func TestHonestKeyScalarBoundary(t *testing.T) {
	for i := range uint64(16) {
		priv := ed25519.NewKeyFromSeed(scalarFrom("seed", i).Bytes())
		msg := []byte("honest " + strconv.FormatUint(i, 10))
		b := boundarySig{pub: priv.Public().(ed25519.PublicKey), msg: msg, sig: ed25519.Sign(priv, msg)}
		expect(t, "honest", b, true)
		expectScalarMutants(t, "honest", b)
		for _, s := range []*big.Int{new(big.Int).Sub(groupOrder, big.NewInt(1)), groupOrder, big.NewInt(0)} {
			sig, _ := withS(b.sig, s)
			expect(t, "honest, S="+s.String(), boundarySig{pub: b.pub, msg: msg, sig: sig}, false)
		}
	}
}

// speccheckWant is crypto/ed25519's verdict on each of the 12 cases of
// "Taming the many EdDSAs", as the paper's repository records it for Go
// (testdata/speccheck/README.md): cases 0-3 (small or mixed A and R,
// S = 0 or not, cofactorless equation holds) and 11 (non-canonical A) are
// accepted; 4-5 (cofactored equation only), 6-7 (S >= l), 8 (the
// pre-reduced challenge) and 9-10 (non-canonical R) rejected.
var speccheckWant = [12]bool{true, true, true, true, false, false, false, false, false, false, false, true}

func TestSpeccheck(t *testing.T) {
	f, err := os.Open(filepath.Join(testdataDir, "speccheck", "cases.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() || sc.Text() != "12" {
		t.Fatalf("first line %q, want 12", sc.Text())
	}
	var fields []string
	for sc.Scan() {
		fields = append(fields, sc.Text())
	}
	if len(fields) != 36 {
		t.Fatalf("%d lines of cases, want 36", len(fields))
	}
	for i := range 12 {
		var vals [3][]byte
		for j, key := range []string{"msg=", "pbk=", "sig="} {
			v, ok := strings.CutPrefix(fields[3*i+j], key)
			if !ok {
				t.Fatalf("case %d: line %q, want %s", i, fields[3*i+j], key)
			}
			vals[j] = mustHex(t, v)
		}
		msg, pub, sig := vals[0], vals[1], vals[2]
		if std := ed25519.Verify(pub, msg, sig); std != speccheckWant[i] {
			t.Errorf("case %d: crypto/ed25519 = %v, the paper records %v", i, std, speccheckWant[i])
		}
		if got := check(t, pub, msg, sig); got != speccheckWant[i] {
			t.Errorf("case %d: ed25519v = %v, want %v", i, got, speccheckWant[i])
		}
	}
}

// FuzzVerifyBoundary builds signatures from structured inputs near the
// accepting boundary, so that the fuzzer explores signatures that verify
// (which random bytes almost never do), and compares ed25519v with
// crypto/ed25519. mode's bits: 1 key of small order (a = 0), 2 nonce of
// small order (r = 0), 4 solve the nonce's torsion for the cofactorless
// equation, 8 encode a small-order key non-canonically when it can be,
// 16 the same for the nonce, 32 add a multiple of l to S, 64 set a top
// bit of S, 128 r = l - 1 (so S = l - 1 when a = 0).
func FuzzVerifyBoundary(f *testing.F) {
	for mode := range 256 {
		if mode&(32|64) == 0 || mode == 32|64 {
			f.Add(uint64(mode), uint64(mode)*7, uint8(mode), uint8(mode>>3), uint8(mode), []byte("licmint"))
		}
	}
	f.Fuzz(func(t *testing.T, aSeed, rSeed uint64, ta, tr, mode uint8, msg []byte) {
		a, r := scalarFrom("a", aSeed), scalarFrom("r", rSeed)
		if mode&1 != 0 {
			a = edwards25519.NewScalar()
		}
		switch {
		case mode&2 != 0:
			r = edwards25519.NewScalar()
		case mode&128 != 0:
			r = minusOne()
		}
		ti, tn := int(ta%8), int(tr%8)
		var encA, encR []byte
		if mode&8 != 0 && mode&1 != 0 {
			encA = otherEncoding(ti, aSeed)
		}
		if mode&16 != 0 && mode&2 != 0 {
			encR = otherEncoding(tn, rSeed)
		}
		b := build(a, ti, encA, r, tn, encR, msg)
		if mode&4 != 0 && encR == nil {
			if s, ok := solve(a, ti, encA, r, msg); ok {
				b = s
			}
		}
		canonicalR := encR == nil || bytes.Equal(encR, mixed(r, tn).Bytes())
		want := b.cofactorless && canonicalR
		if mode&32 != 0 {
			n := new(big.Int).Mul(big.NewInt(int64(1+rSeed%15)), groupOrder)
			if sig, ok := withS(b.sig, n.Add(n, scalarInt(b.sig[32:]))); ok {
				b.sig, want = sig, false
			}
		}
		if mode&64 != 0 {
			b.sig[63] |= 0x20 << (rSeed % 3)
			want = false
		}
		if got := check(t, b.pub, b.msg, b.sig); got != want {
			t.Fatalf("pub=%x msg=%x sig=%x: both verify=%v, the construction says %v", b.pub, b.msg, b.sig, got, want)
		}
	})
}

// otherEncoding returns an encoding of small-order point i, a
// non-canonical one if there is one (chosen by seed), else the canonical.
func otherEncoding(i int, seed uint64) []byte {
	var alts [][]byte
	canonical := torsionPoints[i].Bytes()
	for _, e := range torsion.Encodings() {
		if e.Index == i && !e.Canonical {
			alts = append(alts, e.Bytes)
		}
	}
	if len(alts) == 0 {
		return canonical
	}
	return alts[seed%uint64(len(alts))]
}

// TestPrimeOrder: keys a generator makes are of prime order; each of them
// plus a small-order point is not, nor is a small-order point itself.
func TestPrimeOrder(t *testing.T) {
	seed := make([]byte, ed25519.SeedSize)
	for i := range 50 {
		seed[0] = byte(i)
		k, err := NewPublicKey(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
		if err != nil || !k.PrimeOrder() {
			t.Fatalf("seed %d: PrimeOrder = false (%v), want true", i, err)
		}
	}
	weak := torsion.MixedOrder()
	for _, e := range torsion.Encodings() {
		weak = append(weak, e.Bytes)
	}
	for _, b := range weak {
		k, err := NewPublicKey(b)
		if err != nil {
			t.Fatalf("%x: %v", b, err)
		}
		if k.PrimeOrder() {
			t.Errorf("%x: PrimeOrder = true, want false", b)
		}
	}
	if new(PublicKey).PrimeOrder() {
		t.Error("zero PublicKey: PrimeOrder = true")
	}
}
