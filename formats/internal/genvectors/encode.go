package main

import (
	"crypto/ed25519"
	"crypto/sha512"
	"fmt"
	"log"
	"strings"
	"time"

	"filippo.io/edwards25519"
)

// The Activation Code and Registration Key encodings, bit by bit from
// FORMAT.md's definitions: the reference the package is checked against.

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// crc30 is CRC-30/CDMA computed one bit at a time, straight from its
// definition.
func crc30(data []byte) uint32 {
	reg := uint32(0x3FFFFFFF)
	for _, b := range data {
		for i := 7; i >= 0; i-- {
			in := uint32(b>>i) & 1
			top := reg >> 29 & 1
			reg = reg << 1 & 0x3FFFFFFF
			if top^in == 1 {
				reg ^= 0x2030B9C7
			}
		}
	}
	return reg ^ 0x3FFFFFFF
}

// bits is a big-endian bit string.
type bits []byte // one 0/1 per element

func (b *bits) put(v uint64, n int) {
	for i := n - 1; i >= 0; i-- {
		*b = append(*b, byte(v>>i&1))
	}
}

func (b bits) symbols() string {
	var s strings.Builder
	for i := 0; i < len(b); i += 5 {
		v := 0
		for j := 0; j < 5; j++ {
			v <<= 1
			if i+j < len(b) {
				v |= int(b[i+j])
			}
		}
		s.WriteByte(alphabet[v])
	}
	return s.String()
}

func (b bits) bytes() []byte {
	out := make([]byte, (len(b)+7)/8)
	for i, v := range b {
		out[i/8] |= v << (7 - i%8)
	}
	return out
}

type fields struct {
	Product    string `json:"product"`
	Version    int    `json:"version"`
	KeyID      int    `json:"key_id"`
	Edition    int    `json:"edition"`
	Trial      bool   `json:"trial"`
	Bound      bool   `json:"install_bound"`
	Generation int    `json:"generation"`
	Issued     string `json:"issued"`
	Expires    string `json:"expires"`
	Serial     string `json:"serial"`
	reserved   uint64
	sigSpare   uint64
	rawIssued  uint64 // if not 0, the issued field's bits, for days no date names
}

// day is a date's Day (FORMAT.md section 1), computed from the calendar.
func day(s string) uint64 {
	if s == "perpetual" {
		return 0xFFFF
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		log.Fatal(err)
	}
	d := t.Sub(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour)
	if d < 0 || d > 65534 {
		log.Fatalf("date %s is not a Day", s)
	}
	return uint64(d)
}

func serial(s string) uint64 {
	var v uint64
	fmt.Sscan(s, &v)
	return v
}

func b2i(v bool) uint64 {
	if v {
		return 1
	}
	return 0
}

func (f fields) header() bits {
	var b bits
	b.put(uint64(f.Version), 4)
	b.put(uint64(f.KeyID), 8)
	b.put(uint64(f.Edition), 8)
	b.put(b2i(f.Trial), 1)
	b.put(b2i(f.Bound), 1)
	b.put(uint64(f.Generation), 8)
	issued := day(f.Issued)
	if f.rawIssued != 0 {
		issued = f.rawIssued
	}
	b.put(issued, 16)
	b.put(day(f.Expires), 16)
	b.put(serial(f.Serial), 47)
	b.put(f.reserved, 6)
	return b
}

func check(s string) string {
	var b bits
	b.put(uint64(crc30([]byte(s))), 30)
	return b.symbols()
}

func group(product, syms string) string {
	var s strings.Builder
	s.WriteString(product)
	for i := range syms {
		if i == 0 || (i >= 4 && (i-4)%5 == 0) {
			s.WriteByte('-')
		}
		s.WriteByte(syms[i])
	}
	return s.String()
}

func message(f fields, installID string) []byte {
	m := []byte("licmint/activation-code/v1\x00" + f.Product)
	h := f.header()
	h.put(0, 5)
	m = append(m, h.bytes()...)
	if f.Bound {
		m = append(m, installID...)
	}
	return m
}

// encode returns the short and signed forms of f.
func encode(f fields, installID string) (short, signed string, msg []byte) {
	head := f.header().symbols()
	shortSyms := head + check(f.Product+head)
	msg = message(f, installID)
	sig := ed25519.Sign(ed25519.NewKeyFromSeed(testSeed[:]), msg)
	var sb bits
	for _, c := range sig {
		sb.put(uint64(c), 8)
	}
	sb.put(f.sigSpare, 3)
	body := shortSyms + sb.symbols()
	return group(f.Product, shortSyms), group(f.Product, body+check(f.Product+body)), msg
}

func dammCheck(d []byte) byte {
	table := [10][10]byte{
		{0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
		{4, 2, 0, 6, 8, 7, 1, 3, 5, 9}, {1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
		{6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
		{5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
		{9, 4, 3, 8, 6, 1, 7, 2, 0, 5}, {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
	}
	var c byte
	for _, v := range d {
		c = table[c][v-'0']
	}
	return '0' + c
}

func rk(product string, trial bool, serial string) string {
	t := byte('0')
	if trial {
		t = '1'
	}
	d := append([]byte{t}, serial...)
	d = append(d, dammCheck(d))
	return fmt.Sprintf("%s-%s-%s-%s-%s", product, d[0:4], d[4:8], d[8:12], d[12:16])
}

// position is where symbol n (-2 and -1 the product letters) stands in
// the canonical hyphenated form (FORMAT.md section 6.1).
func position(n int) (group, char int) {
	switch {
	case n < 0:
		return 1, n + 3
	case n < 4:
		return 2, n + 1
	}
	return 3 + (n-4)/5, (n-4)%5 + 1
}

// symbols reads input as FORMAT.md section 6 says, stopping at the first
// bad character: the product letters, the canonical symbols, and the
// index of a bad character (-3 if none). Past max symbols, every
// character is bad.
func symbols(input string, max int) (product, syms string, bad int) {
	var p, s []byte
	n := -2
	for i := 0; i < len(input); i++ {
		c := input[i]
		if strings.IndexByte(" \t\r\n-", c) >= 0 {
			continue
		}
		u := c
		if u >= 'a' && u <= 'z' {
			u -= 'a' - 'A'
		}
		switch {
		case n < 0:
			if u < 'A' || u > 'Z' {
				return "", "", n
			}
			p = append(p, u)
		case n >= max:
			return "", "", n
		default:
			switch u {
			case 'O':
				u = '0'
			case 'I', 'L':
				u = '1'
			}
			if strings.IndexByte(alphabet, u) < 0 {
				return "", "", n
			}
			s = append(s, u)
		}
		n++
	}
	return string(p), string(s), -3
}

// checksPass evaluates the short and, for a signed code, the whole-code
// check from their definitions.
func checksPass(product, syms string) bool {
	if check(product+syms[:23]) != syms[23:29] {
		return false
	}
	return len(syms) == 29 || check(product+syms[:132]) == syms[132:]
}

// locateTypo is FORMAT.md section 6.1's search done by brute force: every
// substitution of one symbol, every swap of unequal neighbours and every
// substitution of a product letter; the symbol (-2 and -1 the product
// letters) if exactly one passes, else ok false.
func locateTypo(product, syms string, pass func(product, syms string) bool) (n int, ok bool) {
	hits, at := 0, 0
	try := func(p string, s []byte, n int) {
		if pass(p, string(s)) {
			hits++
			at = n
		}
	}
	for i := range syms {
		for v := range 32 {
			if alphabet[v] != syms[i] {
				s := []byte(syms)
				s[i] = alphabet[v]
				try(product, s, i)
			}
		}
	}
	for i := 0; i+1 < len(syms); i++ {
		if syms[i] != syms[i+1] {
			s := []byte(syms)
			s[i], s[i+1] = s[i+1], s[i]
			try(product, s, i)
		}
	}
	for j := range 2 {
		for c := byte('A'); c <= 'Z'; c++ {
			if c != product[j] {
				p := []byte(product)
				p[j] = c
				try(string(p), []byte(syms), j-2)
			}
		}
	}
	return at, hits == 1
}

// errorPosition is the position a decoder reports for input, which fails
// with kind (FORMAT.md section 6.1); 0, 0 when none is reported.
func errorPosition(input string, signed bool, product, kind string) (group, char int) {
	p, syms, bad := symbols(input, 138)
	switch {
	case bad != -3:
		return position(bad)
	case kind == "wrong_product":
		return 1, 1
	case kind != "typo":
		return 0, 0
	}
	if n, ok := locateTypo(p, syms, checksPass); ok {
		return position(n)
	}
	return 0, 0
}

// signIdentityR signs msg with the test key as FORMAT.md section 10
// refuses: R is the identity (a point of small order) and S = k·a, so
// that the cofactorless equation [S]B = R + [k]A holds and crypto/ed25519
// accepts it, while libsodium, and so every licmint verifier, does not.
func signIdentityR(msg []byte) []byte {
	h := sha512.Sum512(testSeed[:])
	a, err := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	if err != nil {
		log.Fatal(err)
	}
	r := make([]byte, 32)
	r[0] = 1 // the identity, (0, 1)
	d := sha512.New()
	d.Write(r)
	d.Write(testPriv().Public().(ed25519.PublicKey))
	d.Write(msg)
	k, err := edwards25519.NewScalar().SetUniformBytes(d.Sum(nil))
	if err != nil {
		log.Fatal(err)
	}
	sig := append(r, edwards25519.NewScalar().Multiply(k, a).Bytes()...)
	if !ed25519.Verify(testPriv().Public().(ed25519.PublicKey), msg, sig) {
		log.Fatal("signIdentityR: crypto/ed25519 refuses it: the vector would test nothing")
	}
	return sig
}
