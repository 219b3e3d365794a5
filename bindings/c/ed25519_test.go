//go:build cgo

package c

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/edwards25519"
	"github.com/licmint/licmint/formats"
)

type sigCase struct {
	name          string
	pub, msg, sig []byte
}

// goAccepts is FORMAT.md section 10's rule in Go: a key that
// formats.CheckPublicKey takes and of prime order ([L]A the identity), an
// R not of small order, and crypto/ed25519.Verify.
func goAccepts(c sigCase) bool {
	if len(c.pub) != 32 || len(c.sig) != 64 || formats.CheckPublicKey(c.pub) != nil {
		return false
	}
	a, err := new(edwards25519.Point).SetBytes(c.pub)
	if err != nil {
		return false
	}
	l := [32]byte{0xec, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 31: 0x10}
	lm1, _ := edwards25519.NewScalar().SetCanonicalBytes(l[:]) // L-1
	la := new(edwards25519.Point).ScalarMult(lm1, a)
	if la.Add(la, a).Equal(edwards25519.NewIdentityPoint()) != 1 {
		return false
	}
	// The 8 small-order points' canonical encodings: R's that FORMAT.md
	// refuses (a non-canonical R never matches the recomputed one).
	if formats.CheckPublicKey(c.sig[:32]) != nil {
		if r, err := new(edwards25519.Point).SetBytes(c.sig[:32]); err == nil &&
			bytes.Equal(r.Bytes(), c.sig[:32]) && new(edwards25519.Point).MultByCofactor(r).Equal(edwards25519.NewIdentityPoint()) == 1 {
			return false
		}
	}
	return ed25519.Verify(c.pub, c.msg, c.sig)
}

// TestEd25519Vectors gives the Wycheproof, RFC 8032 (with every one-bit
// change of each signature) and "Taming the many EdDSAs" vectors to the C
// library's key check and signature check (libsodium), and fails where it
// answers otherwise than FORMAT.md's rule in Go.
func TestEd25519Vectors(t *testing.T) {
	builtLibrary(t)
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	bin := filepath.Join(t.TempDir(), "ed25519")
	// The library's parts that check keys and signatures, compiled with
	// it: in the library they are static, in one translation unit.
	run(t, exec.Command(cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Os", "-I.", "runner/ed25519.c",
		"src/crypto.c", "src/curve.c", "-lsodium", "-o", bin))

	var cases []sigCase
	var wy struct {
		TestGroups []struct {
			PublicKey struct {
				PK string `json:"pk"`
			} `json:"publicKey"`
			Key struct {
				PK string `json:"pk"`
			} `json:"key"`
			Tests []struct {
				TcID int    `json:"tcId"`
				Msg  string `json:"msg"`
				Sig  string `json:"sig"`
			} `json:"tests"`
		} `json:"testGroups"`
	}
	b, err := os.ReadFile("../../testdata/wycheproof/ed25519_test.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &wy); err != nil {
		t.Fatal(err)
	}
	for _, g := range wy.TestGroups {
		pk := g.PublicKey.PK
		if pk == "" {
			pk = g.Key.PK
		}
		pub, _ := hex.DecodeString(pk)
		for _, tc := range g.Tests {
			msg, _ := hex.DecodeString(tc.Msg)
			sig, _ := hex.DecodeString(tc.Sig)
			cases = append(cases, sigCase{fmt.Sprintf("wycheproof %d", tc.TcID), pub, msg, sig})
		}
	}

	b, err = os.ReadFile("../../testdata/rfc8032/ed25519_7_1.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range strings.Split(string(b), "\n\n") {
		var c sigCase
		for _, line := range strings.Split(block, "\n") {
			k, v, _ := strings.Cut(line, ": ")
			switch {
			case strings.HasPrefix(k, "NAME"):
				c.name = "RFC 8032 " + strings.TrimLeft(v, "-")
			case k == "PUBLIC KEY":
				c.pub, _ = hex.DecodeString(v)
			case strings.HasPrefix(k, "MESSAGE"):
				c.msg, _ = hex.DecodeString(strings.TrimSpace(v))
			case k == "SIGNATURE":
				c.sig, _ = hex.DecodeString(v)
			}
		}
		if c.sig == nil {
			continue
		}
		cases = append(cases, c)
		for i := range 512 {
			sig := bytes.Clone(c.sig)
			sig[i/8] ^= 1 << (i % 8)
			cases = append(cases, sigCase{fmt.Sprintf("%s, bit %d flipped", c.name, i), c.pub, c.msg, sig})
		}
	}

	f, err := os.Open("../../testdata/speccheck/cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var c sigCase
	for n := 0; sc.Scan(); {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		d, _ := hex.DecodeString(v)
		switch k {
		case "msg":
			c = sigCase{name: fmt.Sprintf("speccheck %d", n), msg: d}
		case "pbk":
			c.pub = d
		case "sig":
			c.sig = d
			cases = append(cases, c)
			n++
		}
	}

	var in strings.Builder
	for _, c := range cases {
		m := hex.EncodeToString(c.msg)
		if m == "" {
			m = "-"
		}
		pub := c.pub
		if len(pub) != 32 {
			pub = make([]byte, 32) // a length no verifier takes; Go refuses it too
		}
		sig := hex.EncodeToString(c.sig)
		if sig == "" {
			sig = "-"
		}
		fmt.Fprintf(&in, "%x %s %s\n", pub, m, sig)
	}
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(in.String())
	out := strings.Fields(run(t, cmd))
	if len(out) != len(cases) {
		t.Fatalf("%d answers for %d cases", len(out), len(cases))
	}
	accepted := 0
	for i, c := range cases {
		want := goAccepts(c)
		if want {
			accepted++
		}
		if got := out[i] == "1"; got != want {
			t.Errorf("%s: C %v, Go (FORMAT.md) %v", c.name, got, want)
		}
	}
	t.Logf("%d signatures, %d accepted by both", len(cases), accepted)
}
