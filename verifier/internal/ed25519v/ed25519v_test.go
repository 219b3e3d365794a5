package ed25519v

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// testdata lives at the module root, shared with other packages.
var testdataDir = filepath.Join("..", "..", "..", "testdata")

type vector struct {
	name          string
	pub, msg, sig []byte
	valid         bool
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func wycheproofVectors(t testing.TB) []vector {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testdataDir, "wycheproof", "ed25519_test.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		TestGroups []struct {
			PublicKey struct {
				PK string `json:"pk"`
			} `json:"publicKey"`
			Tests []struct {
				TcID    int    `json:"tcId"`
				Comment string `json:"comment"`
				Msg     string `json:"msg"`
				Sig     string `json:"sig"`
				Result  string `json:"result"`
			} `json:"tests"`
		} `json:"testGroups"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	var vs []vector
	for _, g := range file.TestGroups {
		pub := mustHex(t, g.PublicKey.PK)
		for _, tc := range g.Tests {
			if tc.Result != "valid" && tc.Result != "invalid" {
				t.Fatalf("tcId %d: unexpected result %q", tc.TcID, tc.Result)
			}
			vs = append(vs, vector{
				name:  "tcId" + strconv.Itoa(tc.TcID) + " " + tc.Comment,
				pub:   pub,
				msg:   mustHex(t, tc.Msg),
				sig:   mustHex(t, tc.Sig),
				valid: tc.Result == "valid",
			})
		}
	}
	return vs
}

type rfcVector struct {
	name                string
	seed, pub, msg, sig []byte
}

func rfc8032Vectors(t testing.TB) []rfcVector {
	t.Helper()
	f, err := os.Open(filepath.Join(testdataDir, "rfc8032", "ed25519_7_1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []rfcVector
	var cur rfcVector
	flush := func() {
		if cur.name != "" {
			vs = append(vs, cur)
		}
		cur = rfcVector{}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		val = strings.TrimSpace(val)
		switch {
		case key == "NAME":
			cur.name = strings.TrimLeft(val, "-")
		case key == "SECRET KEY":
			cur.seed = mustHex(t, val)
		case key == "PUBLIC KEY":
			cur.pub = mustHex(t, val)
		case strings.HasPrefix(key, "MESSAGE"):
			cur.msg = mustHex(t, val)
		case key == "SIGNATURE":
			cur.sig = mustHex(t, val)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	flush()
	return vs
}

// stdlibAcceptsKey reports whether crypto/ed25519 can parse pub. The
// stdlib parses the key before checking the signature length, so a nil
// signature yields a key error or a length error; the string match is
// only a test oracle.
func stdlibAcceptsKey(pub []byte) bool {
	err := ed25519.VerifyWithOptions(pub, nil, nil, &ed25519.Options{})
	return err != nil && strings.Contains(err.Error(), "signature length")
}

// check asserts that ed25519v and crypto/ed25519 agree on (pub, msg, sig)
// and returns the common verdict.
func check(t testing.TB, pub, msg, sig []byte) bool {
	t.Helper()
	k, err := NewPublicKey(pub)
	if len(pub) != PublicKeySize {
		if err == nil {
			t.Fatalf("NewPublicKey accepted %d-byte key", len(pub))
		}
		return false // the stdlib panics on wrong-length keys
	}
	if (err == nil) != stdlibAcceptsKey(pub) {
		t.Fatalf("key %x: NewPublicKey err=%v, stdlib accepts=%v", pub, err, stdlibAcceptsKey(pub))
	}
	want := ed25519.Verify(pub, msg, sig)
	got := false
	if err == nil {
		got = k.Verify(msg, sig)
	}
	if got != want {
		t.Fatalf("pub=%x msg=%x sig=%x: ed25519v=%v stdlib=%v", pub, msg, sig, got, want)
	}
	return got
}

func TestWycheproof(t *testing.T) {
	vs := wycheproofVectors(t)
	if len(vs) != 151 {
		t.Fatalf("got %d Wycheproof vectors, want 151", len(vs))
	}
	for _, v := range vs {
		k, err := NewPublicKey(v.pub)
		if err != nil && v.valid {
			t.Errorf("%s: NewPublicKey rejected key of valid vector: %v", v.name, err)
			continue
		}
		got := err == nil && k.Verify(v.msg, v.sig)
		if got != v.valid {
			t.Errorf("%s: Verify=%v, want %v", v.name, got, v.valid)
		}
		if std := ed25519.Verify(v.pub, v.msg, v.sig); std != got {
			t.Errorf("%s: Verify=%v, stdlib=%v", v.name, got, std)
		}
	}
}

func TestRFC8032(t *testing.T) {
	vs := rfc8032Vectors(t)
	if len(vs) != 5 {
		t.Fatalf("got %d RFC 8032 7.1 vectors, want 5", len(vs))
	}
	for _, v := range vs {
		priv := ed25519.NewKeyFromSeed(v.seed)
		if pub := priv.Public().(ed25519.PublicKey); !bytes.Equal(pub, v.pub) {
			t.Fatalf("%s: derived public key %x, want %x", v.name, pub, v.pub)
		}
		if sig := ed25519.Sign(priv, v.msg); !bytes.Equal(sig, v.sig) {
			t.Fatalf("%s: signature %x, want %x", v.name, sig, v.sig)
		}
		k, err := NewPublicKey(v.pub)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		if !k.Verify(v.msg, v.sig) {
			t.Fatalf("%s: Verify rejected valid signature", v.name)
		}
		// Every single-bit flip of the signature or message must be rejected.
		sig := bytes.Clone(v.sig)
		for i := range len(sig) * 8 {
			sig[i/8] ^= 1 << (i % 8)
			if k.Verify(v.msg, sig) {
				t.Errorf("%s: accepted signature with bit %d flipped", v.name, i)
			}
			sig[i/8] ^= 1 << (i % 8)
		}
		msg := bytes.Clone(v.msg)
		for i := range len(msg) * 8 {
			msg[i/8] ^= 1 << (i % 8)
			if k.Verify(msg, v.sig) {
				t.Errorf("%s: accepted message with bit %d flipped", v.name, i)
			}
			msg[i/8] ^= 1 << (i % 8)
		}
	}
}

func TestWrongLengths(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub := priv.Public().(ed25519.PublicKey)
	msg := []byte("licmint")
	sig := ed25519.Sign(priv, msg)
	k, err := NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 101)
	for n := 0; n <= 100; n++ {
		if n != PublicKeySize {
			if k, err := NewPublicKey(buf[:n]); err == nil || k != nil {
				t.Errorf("NewPublicKey(%d bytes) = %v, %v; want nil, error", n, k, err)
			}
		}
		if n != SignatureSize {
			// Longer inputs start with the valid signature and shorter ones
			// are its prefix, so only the length check rejects them.
			s := append(bytes.Clone(sig), buf...)[:n]
			if k.Verify(msg, s) {
				t.Errorf("Verify accepted %d-byte signature", n)
			}
		}
	}
	if k.Verify(msg, nil) {
		t.Error("Verify accepted nil signature")
	}
	if k, err := NewPublicKey(nil); err == nil || k != nil {
		t.Error("NewPublicKey(nil) succeeded")
	}
}

func TestBytesIsCopy(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	k, err := NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	b := k.Bytes()
	if !bytes.Equal(b, pub) {
		t.Fatalf("Bytes = %x, want %x", b, pub)
	}
	b[0] ^= 0xff
	if !bytes.Equal(k.Bytes(), pub) {
		t.Fatal("mutating Bytes result changed the key")
	}
	orig := bytes.Clone(pub)
	pub[0] ^= 0xff // NewPublicKey must have copied its input too
	if !bytes.Equal(k.Bytes(), orig) {
		t.Fatal("key aliases the caller's slice")
	}
}

// addL returns the 32-byte little-endian encoding of s + l, a
// non-canonical encoding of the same scalar (it fits: s < l < 2^253).
func addL(s []byte) []byte {
	// l = 2^252 + 27742317777372353535851937790883648493, little-endian.
	l := [32]byte{
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
		0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	}
	out := make([]byte, 32)
	var carry uint16
	for i := range out {
		v := uint16(s[i]) + uint16(l[i]) + carry
		out[i] = byte(v)
		carry = v >> 8
	}
	return out
}

// TestDifferential compares against crypto/ed25519.Verify on random keys
// and messages, valid signatures and targeted mutations of them.
func TestDifferential(t *testing.T) {
	rng := rand.New(rand.NewChaCha8([32]byte{'l', 'i', 'c', 'm', 'i', 'n', 't'}))
	n := 300
	if testing.Short() {
		n = 50
	}
	seed := make([]byte, ed25519.SeedSize)
	for i := range n {
		for j := range seed {
			seed[j] = byte(rng.Uint32())
		}
		priv := ed25519.NewKeyFromSeed(seed)
		pub := priv.Public().(ed25519.PublicKey)
		msg := make([]byte, rng.IntN(300))
		for j := range msg {
			msg[j] = byte(rng.Uint32())
		}
		sig := ed25519.Sign(priv, msg)
		if !check(t, pub, msg, sig) {
			t.Fatalf("iteration %d: valid signature rejected", i)
		}

		mutants := [][]byte{
			// S + l: same scalar mod l, but non-canonical; must be rejected.
			append(bytes.Clone(sig[:32]), addL(sig[32:])...),
			// S with high bits set (fails the early 224 mask check).
			func() []byte { s := bytes.Clone(sig); s[63] |= 0x80; return s }(),
			// R with the sign bit flipped.
			func() []byte { s := bytes.Clone(sig); s[31] ^= 0x80; return s }(),
			// R replaced by a non-canonical encoding (y >= p).
			func() []byte {
				s := bytes.Clone(sig)
				copy(s, bytes.Repeat([]byte{0xff}, 31))
				s[0], s[31] = 0xee-byte(rng.IntN(19)), 0x7f
				return s
			}(),
			// R replaced by the identity, S zero.
			append(append([]byte{1}, make([]byte, 31)...), make([]byte, 32)...),
			// random single-byte corruption.
			func() []byte { s := bytes.Clone(sig); s[rng.IntN(64)] ^= byte(1 + rng.IntN(255)); return s }(),
			// fully random signature.
			func() []byte {
				s := make([]byte, 64)
				for j := range s {
					s[j] = byte(rng.Uint32())
				}
				return s
			}(),
		}
		for _, m := range mutants {
			if check(t, pub, msg, m) {
				t.Fatalf("iteration %d: mutated signature %x accepted", i, m)
			}
		}
		// A valid signature with a different message or key.
		if len(msg) > 0 {
			m := bytes.Clone(msg)
			m[rng.IntN(len(m))] ^= 1
			check(t, pub, m, sig)
		}
		check(t, append(bytes.Clone(pub[:31]), pub[31]^0x80), msg, sig)

		// Random 32-byte strings as keys: about half are not valid points,
		// so this exercises NewPublicKey's accept/reject agreement.
		rk := make([]byte, 32)
		for j := range rk {
			rk[j] = byte(rng.Uint32())
		}
		check(t, rk, msg, sig)
	}
}

// TestEdgeKeys covers encodings where strictness policies differ between
// implementations: non-canonical y, x = 0 with the sign bit set, small order.
func TestEdgeKeys(t *testing.T) {
	identity := append([]byte{1}, make([]byte, 31)...)
	p := append([]byte{0xed}, bytes.Repeat([]byte{0xff}, 30)...)
	p = append(p, 0x7f)
	pPlus1 := bytes.Clone(p)
	pPlus1[0]++ // y = p+1 ≡ 1: non-canonical identity, accepted by the stdlib
	negZeroIdentity := bytes.Clone(identity)
	negZeroIdentity[31] |= 0x80 // x = 0 with sign bit: accepted by the stdlib
	keys := [][]byte{
		identity, pPlus1, negZeroIdentity, p, make([]byte, 32),
		bytes.Repeat([]byte{0xff}, 32),
		append(bytes.Repeat([]byte{0xff}, 31), 0x7f),
		mustHex(t, "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // y = -1
		mustHex(t, "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), // order 8
		mustHex(t, "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), // order 8
	}
	// The identity-R, zero-S signature verifies under any small-order key
	// whose hashed k·A happens to vanish; in particular under the identity
	// in any encoding, which also checks non-canonical keys are accepted.
	zeroSig := append(bytes.Clone(identity), make([]byte, 32)...)
	for _, key := range keys {
		for _, msg := range [][]byte{nil, []byte("a"), bytes.Repeat([]byte{7}, 200)} {
			check(t, key, msg, zeroSig)
			var s [64]byte
			copy(s[:], key)
			check(t, key, msg, s[:])
		}
	}
	for _, key := range [][]byte{identity, pPlus1, negZeroIdentity} {
		k, err := NewPublicKey(key)
		if err != nil {
			t.Fatalf("key %x rejected: %v", key, err)
		}
		if !k.Verify([]byte("m"), zeroSig) {
			t.Fatalf("key %x: identity signature rejected", key)
		}
	}
}

func TestVerifyAllocs(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	k, err := NewPublicKey(priv.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 64, 4096} {
		msg := make([]byte, n)
		sig := ed25519.Sign(priv, msg)
		bad := bytes.Clone(sig)
		bad[0] ^= 1
		if a := testing.AllocsPerRun(100, func() {
			if !k.Verify(msg, sig) || k.Verify(msg, bad) {
				t.Fatal("wrong result")
			}
		}); a != 0 {
			t.Errorf("Verify of %d-byte message: %v allocs, want 0", n, a)
		}
	}
}

func TestConcurrentVerify(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	k, err := NewPublicKey(priv.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			msg := []byte{byte(g)}
			sig := ed25519.Sign(priv, msg)
			for range 20 {
				if !k.Verify(msg, sig) || k.Verify(msg[:0], sig) {
					t.Error("wrong result under concurrency")
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzVerify checks that Verify never panics and agrees with
// crypto/ed25519 on every input, including key acceptance.
func FuzzVerify(f *testing.F) {
	for _, v := range wycheproofVectors(f) {
		f.Add(v.pub, v.msg, v.sig)
	}
	for _, v := range rfc8032Vectors(f) {
		f.Add(v.pub, v.msg, v.sig)
	}
	f.Fuzz(func(t *testing.T, pub, msg, sig []byte) {
		check(t, pub, msg, sig)
	})
}

func BenchmarkVerify(b *testing.B) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x42}, ed25519.SeedSize))
	pub := priv.Public().(ed25519.PublicKey)
	msg := []byte("licmint license payload: 64 bytes of claims to sign & verify!!!!")
	sig := ed25519.Sign(priv, msg)
	k, err := NewPublicKey(pub)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("stdlib", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !ed25519.Verify(pub, msg, sig) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("ed25519v", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !k.Verify(msg, sig) {
				b.Fatal("invalid")
			}
		}
	})
}

// BenchmarkNewPublicKey measures the one-off per-key precomputation.
func BenchmarkNewPublicKey(b *testing.B) {
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x42}, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewPublicKey(pub); err != nil {
			b.Fatal(err)
		}
	}
}
