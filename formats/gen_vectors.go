//go:build ignore

// gen_vectors writes the language-neutral test vectors in testdata/vectors.
// It encodes with its own bit-serial implementation of FORMAT.md, written
// apart from the package's table-driven one, and cross-checks the two, so
// the vectors test the spec and not just the package against itself.
//
//	go run gen_vectors.go
package main

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/licmint/licmint/formats"
)

const outDir = "../testdata/vectors/"

// testSeed is the TEST ONLY signing key's seed, derived from a public string
// so that anyone can rebuild it. Never sign a real license with it.
var testSeed = sha256.Sum256([]byte("licmint TEST ONLY signing key - never use for real licenses"))

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

type validVector struct {
	Comment      string   `json:"comment"`
	Registration string   `json:"registration_key"`
	InstallID    string   `json:"install_id,omitempty"`
	Fields       fields   `json:"fields"`
	MessageHex   string   `json:"message_hex"`
	Short        string   `json:"short"`
	Signed       string   `json:"signed"`
	Spellings    []string `json:"other_spellings"`
}

type invalidVector struct {
	Comment string `json:"comment"`
	Input   string `json:"input"`
	// Want is "signed" when the signed form is required, "any" otherwise.
	Want    string `json:"want"`
	Product string `json:"product,omitempty"`
	Error   string `json:"error"`
	Group   int    `json:"group,omitempty"`
	Char    int    `json:"char,omitempty"`
}

type rkVector struct {
	Input     string `json:"input"`
	Canonical string `json:"canonical,omitempty"`
	Product   string `json:"product,omitempty"`
	Trial     bool   `json:"trial,omitempty"`
	Serial    string `json:"serial,omitempty"`
	Error     string `json:"error,omitempty"`
	Comment   string `json:"comment,omitempty"`
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
// index of a bad character (-3 if none).
func symbols(input string) (product, syms string, bad int) {
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
		case n >= 138:
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
// substitution of a product letter; a position only if exactly one passes.
func locateTypo(product, syms string) (group, char int) {
	hits, at := 0, 0
	try := func(p string, s []byte, n int) {
		if checksPass(p, string(s)) {
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
	if hits != 1 {
		return 0, 0
	}
	return position(at)
}

// errorPosition is the position a decoder reports for input, which fails
// with kind (FORMAT.md section 6.1); 0, 0 when none is reported.
func errorPosition(input string, signed bool, product, kind string) (group, char int) {
	p, syms, bad := symbols(input)
	switch {
	case bad != -3:
		return position(bad)
	case kind == "wrong_product":
		return 1, 1
	case kind != "typo":
		return 0, 0
	}
	return locateTypo(p, syms)
}

func writeJSON(name string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(outDir+name, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

func main() {
	pub := ed25519.NewKeyFromSeed(testSeed[:]).Public().(ed25519.PublicKey)
	type reg struct {
		comment, product string
		trial            bool
		serial           string
		f                fields
		installID        string
	}
	base := fields{Product: "PC", Version: 1, KeyID: 1, Edition: 1, Issued: "2026-11-27", Expires: "2027-11-27"}
	with := func(mod func(*fields)) fields { f := base; mod(&f); return f }
	regs := []reg{
		{"full key, standard edition, one year", "PC", false, "31415926535897", base, ""},
		{"trial key, 30 days", "PC", true, "27182818284590", with(func(f *fields) { f.Trial = true; f.Expires = "2026-12-27" }), ""},
		{"premium edition, key id 2", "PC", false, "16180339887498", with(func(f *fields) { f.Edition = 2; f.KeyID = 2 }), ""},
		{"install-bound", "PC", false, "14142135623730", with(func(f *fields) { f.Bound = true }), "host-7f3a9c0e"},
		{"replacement of a stolen code, generation 1", "PC", false, "31415926535897", with(func(f *fields) { f.Generation = 1 }), ""},
		{"perpetual", "PC", false, "00000000000001", with(func(f *fields) { f.Expires = "perpetual" }), ""},
		{"largest values in every field", "ZZ", true, "99999999999999", fields{Product: "ZZ", Version: 1, KeyID: 255, Edition: 255, Trial: true, Bound: true, Generation: 255, Issued: "2199-06-01", Expires: "2199-06-02"}, strings.Repeat("x", 255)},
		{"smallest values", "AA", false, "00000000000000", fields{Product: "AA", Version: 1, Issued: "2020-01-01", Expires: "2020-01-02"}, ""},
		{"another product", "PD", false, "57721566490153", with(func(f *fields) { f.Product = "PD" }), ""},
		{"expires on the largest day, 65534", "PC", false, "31415926535897", with(func(f *fields) { f.Issued = "2199-06-04"; f.Expires = "2199-06-05" }), ""},
		{"issued on the largest day, perpetual", "PC", false, "31415926535897", with(func(f *fields) { f.Issued = "2199-06-05"; f.Expires = "perpetual" }), ""},
		{"perpetual trial: the format allows it, licmint's signer never issues it", "PC", true, "27182818284590", with(func(f *fields) { f.Trial = true; f.Expires = "perpetual" }), ""},
		{"install id in UTF-8, not normalised", "PC", false, "14142135623730", with(func(f *fields) { f.Bound = true }), "h\u00f4te-\u6a5f\u68b0-e\u0301"},
	}

	var valid []validVector
	var rks []rkVector
	for _, r := range regs {
		r.f.Serial = r.serial
		short, signed, msg := encode(r.f, r.installID)
		// Cross-check against the package.
		c, err := formats.ParseActivationCode(signed)
		if err != nil || c.String() != signed || c.ShortForm() != short {
			log.Fatalf("%s: package disagrees: %v %q", r.comment, err, c.String())
		}
		m, err := c.AppendMessage(nil, r.installID)
		if err != nil || string(m) != string(msg) {
			log.Fatalf("%s: message disagrees: %v", r.comment, err)
		}
		lower := strings.ToLower(signed)
		spaced := strings.ReplaceAll(signed, "-", " ")
		wrapped := signed[:60] + "\r\n  " + signed[60:120] + "\n" + signed[120:]
		nohyphen := strings.ReplaceAll(signed, "-", "")
		aliased := strings.NewReplacer("0", "O", "1", "l").Replace(signed[2:])
		valid = append(valid, validVector{
			Comment: r.comment, Registration: rk(r.product, r.trial, r.serial), InstallID: r.installID,
			Fields: r.f, MessageHex: hex.EncodeToString(msg), Short: short, Signed: signed,
			Spellings: []string{lower, spaced, wrapped, nohyphen, signed[:2] + aliased},
		})
		rks = append(rks, rkVector{Input: rk(r.product, r.trial, r.serial), Canonical: rk(r.product, r.trial, r.serial),
			Product: r.product, Trial: r.trial, Serial: r.serial, Comment: r.comment})
	}

	good := valid[0].Signed
	goodShort := valid[0].Short
	var bad []invalidVector
	// add records an invalid input; the position a decoder reports comes
	// from errorPosition, and group and char, where not 0, are what the
	// vector was written to show.
	add := func(comment, input, want, product, kind string, group, char int) {
		g, c := errorPosition(input, want == "signed", product, kind)
		if group != 0 && (g != group || c != char) {
			log.Fatalf("%s: position group %d char %d, meant %d %d", comment, g, c, group, char)
		}
		bad = append(bad, invalidVector{comment, input, want, product, kind, g, c})
	}
	// One symbol changed: group 4 character 2 is symbol index 10.
	sub := []byte(good)
	idx := 3 + 5 + 6 + 1 // "PC-" + 4 + "-" + 5 + "-" + 1 -> group 4 char 2
	if sub[idx] == 'X' {
		sub[idx] = 'Y'
	} else {
		sub[idx] = 'X'
	}
	add("one symbol mistyped in group 4", string(sub), "any", "", "typo", 4, 2)
	sw := []byte(good)
	for j := 40; ; j++ { // first unequal neighbours within a group after position 40
		if sw[j] != '-' && sw[j+1] != '-' && sw[j] != sw[j+1] {
			sw[j], sw[j+1] = sw[j+1], sw[j]
			break
		}
	}
	add("two neighbours swapped in the signature", string(sw), "any", "", "typo", 0, 0)
	last := []byte(good)
	last[len(last)-1] = alphabet[(strings.IndexByte(alphabet, last[len(last)-1])+1)%32]
	add("last check symbol mistyped", string(last), "any", "", "typo", 29, 4)
	add("product letter mistyped", "PX"+good[2:], "any", "", "typo", 1, 2)
	shortTypo := goodShort[:len(goodShort)-1] + string(alphabet[(strings.IndexByte(alphabet, goodShort[len(goodShort)-1])+1)%32])
	add("short form with a typo", shortTypo, "any", "", "typo", 7, 5)
	add("FORMAT.md 6.1's worked example: P typed as R", strings.Replace(goodShort, "0PHSS", "0RHSS", 1), "any", "", "typo", 4, 2)
	add("short form with a typo where a signed code is needed: unsigned comes first", shortTypo, "signed", "", "unsigned", 0, 0)
	add("U is never a symbol", good[:10]+"U"+good[11:], "any", "", "malformed", 3, 3)
	add("punctuation", good[:10]+"*"+good[11:], "any", "", "malformed", 3, 3)
	add("one symbol missing", good[:len(good)-1], "any", "", "malformed", 0, 0)
	add("one symbol too many", good+"0", "any", "", "malformed", 0, 0)
	add("empty", "", "any", "", "malformed", 0, 0)
	add("product code not letters", "12"+good[2:], "any", "", "malformed", 1, 1)
	add("two codes pasted together", good+" "+good, "any", "", "malformed", 0, 0)
	add("short form where a signed code is needed", goodShort, "signed", "", "unsigned", 0, 0)
	add("another product's code", valid[8].Signed, "signed", "PC", "wrong_product", 1, 1)

	// Codes with valid checks but bits no encoder writes.
	odd := func(comment, kind string, mod func(*fields)) {
		f := base
		f.Serial = "31415926535897"
		mod(&f)
		_, signed, _ := encode(f, "")
		add(comment, signed, "any", "", kind, 0, 0)
	}
	odd("format version 2", "unknown_version", func(f *fields) { f.Version = 2 })
	odd("format version 0", "unknown_version", func(f *fields) { f.Version = 0 })
	odd("reserved bits set", "malformed", func(f *fields) { f.reserved = 1 })
	odd("signature spare bits set", "malformed", func(f *fields) { f.sigSpare = 4 })
	odd("expires before issued", "malformed", func(f *fields) { f.Expires = "2026-11-26" })
	odd("expires on the issue day", "malformed", func(f *fields) { f.Expires = f.Issued })
	odd("serial of 15 digits", "malformed", func(f *fields) { f.Serial = "100000000000000" })
	odd("issued 65535, which is no day", "malformed", func(f *fields) { f.rawIssued = 0xFFFF; f.Expires = "perpetual" })

	writeJSON("activation_codes.json", map[string]any{
		"comment": "Activation Code vectors (FORMAT.md). Written by formats/gen_vectors.go; do not edit.",
		"test_key": map[string]string{
			"warning":        "TEST ONLY: this key's seed is public; never sign or trust real licenses with it",
			"seed_hex":       hex.EncodeToString(testSeed[:]),
			"public_key_hex": hex.EncodeToString(pub),
		},
		"valid":   valid,
		"invalid": bad,
	})

	first := rks[0].Canonical
	flip := []byte(first)
	flip[9] = '0' + (flip[9]-'0'+1)%10
	swapped := []byte(first)
	swapped[5], swapped[6] = swapped[6], swapped[5]
	if swapped[5] == swapped[6] {
		log.Fatal("pick another swap")
	}
	rks = append(rks,
		rkVector{Input: strings.ToLower("pc 0314 1592 6535 8979"), Error: "", Comment: "spaces and lower case, check digit recomputed below"},
		rkVector{Input: string(flip), Error: "typo", Comment: "one digit mistyped"},
		rkVector{Input: string(swapped), Error: "typo", Comment: "two neighbours swapped"},
		rkVector{Input: first[:len(first)-1], Error: "malformed", Comment: "a digit missing"},
		rkVector{Input: first + "1", Error: "malformed", Comment: "a digit too many"},
		rkVector{Input: "P1-0314-1592-6535-8979", Error: "malformed", Comment: "product code not letters"},
		rkVector{Input: "PC-03A4-1592-6535-8979", Error: "malformed", Comment: "a letter among the digits"},
		rkVector{Input: rk("PC", false, "31415926535897")[:3] + "2" + rk("PC", false, "31415926535897")[4:], Error: "typo", Comment: "type digit changed: caught by the check digit"},
	)
	// Fix up the lower-case vector: it spells the first key.
	lc := &rks[len(regs)]
	lc.Input = strings.ToLower(strings.ReplaceAll(first, "-", " "))
	lc.Canonical, lc.Product, lc.Serial = first, "PC", rks[0].Serial
	// A key with a valid check digit but type digit 2.
	d := []byte("2" + "31415926535897")
	d = append(d, dammCheck(d))
	rks = append(rks, rkVector{Input: fmt.Sprintf("PC-%s-%s-%s-%s", d[0:4], d[4:8], d[8:12], d[12:16]), Error: "malformed", Comment: "unknown type digit 2 with a valid check digit"})

	writeJSON("registration_keys.json", map[string]any{
		"comment": "Registration Key vectors (FORMAT.md). Written by formats/gen_vectors.go; do not edit.",
		"vectors": rks,
	})

	genRevocationLists()
	genRenewalRequests(valid)
	genCatalogs()
	genKeyFiles()
	genJWTs(valid)
	resetVectors(pub)
}

// testKeyJSON describes the TEST ONLY key in every vector file.
func testKeyJSON() map[string]string {
	return map[string]string{
		"warning":        "TEST ONLY: this key's seed is public; never sign or trust real licenses with it",
		"seed_hex":       hex.EncodeToString(testSeed[:]),
		"public_key_hex": hex.EncodeToString(ed25519.NewKeyFromSeed(testSeed[:]).Public().(ed25519.PublicKey)),
	}
}

func testPriv() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(testSeed[:]) }

// otherSeed is a second TEST ONLY key: a key the verifiers do not trust,
// and the second key of keyring vectors.
var otherSeed = sha256.Sum256([]byte("licmint TEST ONLY second key - never use for real licenses"))

// ---- Revocation lists (FORMAT.md section 11) ----

type listEntry struct {
	Serial string `json:"serial"`
	Below  int    `json:"below"`
}

type listCheck struct {
	Serial     string `json:"serial"`
	Generation int    `json:"generation"`
	Revoked    bool   `json:"revoked"`
}

type listVector struct {
	Comment string `json:"comment"`
	Name    string `json:"name"`
	Hex     string `json:"hex"`
	// SignedFrom is what the encoder was given, in that order, when it is
	// not the entries themselves.
	SignedFrom []listEntry `json:"signed_from,omitempty"`
	Product    string      `json:"product"`
	KeyID      int         `json:"key_id"`
	Sequence   uint64      `json:"sequence"`
	Issued     string      `json:"issued"`
	Entries    []listEntry `json:"entries"`
	Checks     []listCheck `json:"checks"`
}

type badListVector struct {
	Comment string `json:"comment"`
	Hex     string `json:"hex"`
	// Product is the verifier's product.
	Product string `json:"product"`
	Error   string `json:"error"`
}

type listFields struct {
	product  string
	keyID    byte
	reserved [3]byte // bytes 11, 22 and 23
	seq      uint64
	issued   uint64
	version  uint32
	entries  []listEntry
}

// encodeList writes a list from its definition, entries in the order
// given, signed with key.
func encodeList(f listFields, key ed25519.PrivateKey) []byte {
	b := []byte("LMRL")
	b = binary.BigEndian.AppendUint32(b, f.version)
	b = append(b, f.product...)
	b = append(b, f.keyID, f.reserved[0])
	b = binary.BigEndian.AppendUint64(b, f.seq)
	b = binary.BigEndian.AppendUint16(b, uint16(f.issued))
	b = append(b, f.reserved[1], f.reserved[2])
	b = binary.BigEndian.AppendUint32(b, uint32(len(f.entries)))
	for _, e := range f.entries {
		b = binary.BigEndian.AppendUint64(b, serial(e.Serial)<<8|uint64(e.Below))
	}
	msg := append([]byte("licmint/revocation-list/v1\x00"), b...)
	return append(b, ed25519.Sign(key, msg)...)
}

// mergeEntries is what an encoder does with the entries it is given:
// ascending by serial, a repeated serial kept once with its strictest
// bound (0, else the highest).
func mergeEntries(in []listEntry) []listEntry {
	bySerial := map[string]int{}
	var out []listEntry
	for _, e := range in {
		i, ok := bySerial[e.Serial]
		if !ok {
			bySerial[e.Serial] = len(out)
			out = append(out, e)
			continue
		}
		if out[i].Below != 0 && (e.Below == 0 || e.Below > out[i].Below) {
			out[i].Below = e.Below
		}
	}
	for i := range out { // insertion sort: a handful of entries
		for j := i; j > 0 && serial(out[j].Serial) < serial(out[j-1].Serial); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func genRevocationLists() {
	key := testPriv()
	given := []listEntry{
		{"27182818284590", 3}, {"31415926535897", 1}, {"27182818284590", 0},
		{"99999999999999", 7}, {"99999999999999", 255}, {"00000000000001", 2}, {"00000000000001", 1},
	}
	checks := []listCheck{
		{"31415926535897", 0, true}, {"31415926535897", 1, false}, {"31415926535897", 2, false},
		{"27182818284590", 0, true}, {"27182818284590", 255, true},
		{"99999999999999", 254, true}, {"99999999999999", 255, false},
		{"00000000000001", 1, true}, {"00000000000001", 2, false},
		{"14142135623730", 0, false}, {"00000000000000", 0, false},
	}
	mk := func(comment, name string, f listFields, from []listEntry, checks []listCheck) listVector {
		f.version = 1
		data := encodeList(f, key)
		issued := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f.issued)).Format(time.DateOnly)
		if f.entries == nil {
			f.entries = []listEntry{}
		}
		return listVector{Comment: comment, Name: name, Hex: hex.EncodeToString(data), SignedFrom: from,
			Product: f.product, KeyID: int(f.keyID), Sequence: f.seq, Issued: issued, Entries: f.entries, Checks: checks}
	}
	base := listFields{product: "PC", keyID: 1, seq: 7, issued: day("2027-01-15"), entries: mergeEntries(given)}
	seven := mk("sequence 7; the encoder was given repeated serials, and kept each once with its strictest bound", "seq7", base, given, checks)
	older := base
	older.seq, older.issued, older.entries = 6, day("2027-01-08"), []listEntry{{"27182818284590", 0}}
	six := mk("sequence 6: valid alone, refused once sequence 7 has been accepted", "seq6", older,
		nil, []listCheck{{"27182818284590", 0, true}, {"31415926535897", 0, false}})
	empty := listFields{product: "PC", keyID: 1, seq: 8, issued: day("2199-06-05")}
	eight := mk("sequence 8: no entries, issued on the largest day", "seq8", empty, nil, []listCheck{{"31415926535897", 0, false}})
	valid := []listVector{seven, six, eight}

	good, _ := hex.DecodeString(seven.Hex)
	var bad []badListVector
	add := func(comment string, data []byte, product, kind string) {
		bad = append(bad, badListVector{comment, hex.EncodeToString(data), product, kind})
	}
	resign := func(mod func(*listFields)) []byte {
		f := base
		f.version = 1
		f.entries = append([]listEntry(nil), base.entries...)
		mod(&f)
		return encodeList(f, key)
	}
	tampered := append([]byte(nil), good...)
	tampered[28+7] ^= 0x01 // the first entry's bound
	add("tampered: one bit of an entry changed", tampered, "PC", "bad_signature")
	f := base
	f.version = 1
	add("signed by another key under a trusted key id", encodeList(f, ed25519.NewKeyFromSeed(otherSeed[:])), "PC", "bad_signature")
	add("signed with key id 9, which the verifier does not trust", resign(func(f *listFields) { f.keyID = 9 }), "PC", "unknown_key")
	add("a list for product PD", resign(func(f *listFields) { f.product = "PD" }), "PC", "wrong_product")
	add("truncated by one byte", good[:len(good)-1], "PC", "malformed")
	add("one byte appended", append(append([]byte(nil), good...), 0), "PC", "malformed")
	add("shorter than any list", good[:91], "PC", "malformed")
	add("format version 2", resign(func(f *listFields) { f.version = 2 }), "PC", "malformed")
	add("reserved byte 11 set", resign(func(f *listFields) { f.reserved[0] = 1 }), "PC", "malformed")
	add("reserved byte 23 set", resign(func(f *listFields) { f.reserved[2] = 1 }), "PC", "malformed")
	add("issue day 65535", resign(func(f *listFields) { f.issued = 0xFFFF }), "PC", "malformed")
	add("entries out of order", resign(func(f *listFields) { f.entries[0], f.entries[1] = f.entries[1], f.entries[0] }), "PC", "malformed")
	add("a serial repeated", resign(func(f *listFields) { f.entries[1] = listEntry{f.entries[0].Serial, 5} }), "PC", "malformed")
	add("a serial of 15 digits", resign(func(f *listFields) { f.entries[len(f.entries)-1].Serial = "100000000000000" }), "PC", "malformed")
	add("product code not letters", resign(func(f *listFields) { f.product = "P1" }), "PC", "malformed")

	type replay struct {
		Comment  string `json:"comment"`
		Accepted string `json:"accepted"`
		Then     string `json:"then"`
		Error    string `json:"error,omitempty"`
	}
	writeJSON("revocation_lists.json", map[string]any{
		"comment":  "Revocation list vectors (FORMAT.md section 11), as hex. Written by formats/gen_vectors.go; do not edit. The verifier trusts the test key under key id 1.",
		"test_key": testKeyJSON(),
		"valid":    valid,
		"invalid":  bad,
		"replays": []replay{
			{"an older sequence after a newer one is refused", "seq7", "seq6", "replayed"},
			{"the same sequence again is accepted (products load their list at every start)", "seq7", "seq7", ""},
			{"a newer sequence replaces an older one", "seq6", "seq7", ""},
		},
	})
}

// ---- Renewal requests (FORMAT.md section 12) ----

func genRenewalRequests(codes []validVector) {
	const begin, end = "-----BEGIN LICMINT RENEWAL REQUEST-----", "-----END LICMINT RENEWAL REQUEST-----"
	block := func(lines ...string) string {
		return begin + "\n" + strings.Join(lines, "\n") + "\n" + end + "\n"
	}
	unbound, bound := codes[0], codes[3]
	type req struct {
		Comment   string `json:"comment"`
		Text      string `json:"text"`
		Product   string `json:"product"`
		Code      string `json:"code"`
		InstallID string `json:"install_id"`
		Time      string `json:"time"`
		// Canonical is the request as an encoder writes it.
		Canonical string `json:"canonical"`
	}
	canon := block("product: PC", "code: "+unbound.Signed, "time: 2027-10-01T09:30:00Z")
	canonBound := block("product: PC", "code: "+bound.Signed, "install-id: "+bound.InstallID, "time: 2027-10-01T09:30:00Z")
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	valid := []req{
		{"unbound code, as an encoder writes it", canon, "PC", unbound.Signed, "", "2027-10-01T09:30:00Z", canon},
		{"install-bound code", canonBound, "PC", bound.Signed, bound.InstallID, "2027-10-01T09:30:00Z", canonBound},
		{"quoted in an e-mail with CRLF line ends, fields in another order, spaces around names and values",
			crlf("Hello,\nplease renew:\n\n" + begin + "\n  time :  2027-10-01T09:30:00Z \ninstall-id: " + bound.InstallID +
				"\n\ncode: " + bound.Signed + "\nproduct: PC\n" + end + "\nThanks\n"),
			"PC", bound.Signed, bound.InstallID, "2027-10-01T09:30:00Z", canonBound},
		{"time with an offset and a fraction: read in UTC, to the second",
			block("product: PC", "code: "+unbound.Signed, "time: 2027-10-01T11:30:00.75+02:00"),
			"PC", unbound.Signed, "", "2027-10-01T09:30:00Z", canon},
		{"code in lower case with spaces for hyphens",
			block("product: PC", "code: "+strings.ToLower(strings.ReplaceAll(unbound.Signed, "-", " ")), "time: 2027-10-01T09:30:00Z"),
			"PC", unbound.Signed, "", "2027-10-01T09:30:00Z", canon},
	}
	type badReq struct {
		Comment string `json:"comment"`
		Text    string `json:"text"`
		Error   string `json:"error"`
	}
	codeLine := "code: " + unbound.Signed
	typo := []byte(unbound.Signed)
	typo[len(typo)-1] = alphabet[(strings.IndexByte(alphabet, typo[len(typo)-1])+1)%32]
	bad := []badReq{
		{"empty", "", "malformed"},
		{"no END line", begin + "\nproduct: PC\n" + codeLine + "\ntime: 2027-10-01T09:30:00Z\n", "malformed"},
		{"no time", block("product: PC", codeLine), "malformed"},
		{"no product", block(codeLine, "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"no code", block("product: PC", "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"product disagrees with the code", block("product: PD", codeLine, "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"a field twice", block("product: PC", codeLine, codeLine, "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"unknown field", block("product: PC", codeLine, "colour: blue", "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"a line without a colon", block("product: PC", codeLine, "renew please", "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"short form instead of the signed code", block("product: PC", "code: "+unbound.Short, "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"code with a typo", block("product: PC", "code: "+string(typo), "time: 2027-10-01T09:30:00Z"), "malformed"},
		{"time not RFC 3339", block("product: PC", codeLine, "time: 2027-10-01 09:30"), "malformed"},
		{"install id of 256 bytes", block("product: PC", "code: "+bound.Signed, "install-id: "+strings.Repeat("x", 256), "time: 2027-10-01T09:30:00Z"), "malformed"},
	}
	writeJSON("renewal_requests.json", map[string]any{
		"comment": "Renewal request vectors (FORMAT.md section 12). Written by formats/gen_vectors.go; do not edit.",
		"valid":   valid,
		"invalid": bad,
	})
}

// ---- Catalogs (FORMAT.md section 9) ----

func genCatalogs() {
	type edition struct {
		Name     string   `json:"name"`
		Number   int      `json:"number"`
		Features []string `json:"features"`
	}
	// product is a catalog entry with its terms as they apply, defaults
	// filled in.
	type product struct {
		Name            string    `json:"name"`
		Editions        []edition `json:"editions"`
		TrialDays       int       `json:"trial_days"`
		MaintenanceDays int       `json:"maintenance_days"`
		WarningDays     int       `json:"warning_days"`
		GraceDays       int       `json:"grace_days"`
	}
	type vec struct {
		Comment  string             `json:"comment"`
		JSON     string             `json:"json"`
		Products map[string]product `json:"products"`
	}
	std := []edition{{"standard", 1, []string{"update", "scan"}}, {"premium", 2, []string{"update", "scan"}}}
	valid := []vec{
		{"the built-in catalog: default terms", `{
  "products": {
    "PC": {
      "name": "Example product",
      "editions": [
        {"name": "standard", "number": 1, "features": ["update", "scan"]},
        {"name": "premium", "number": 2, "features": ["update", "scan"]}
      ]
    }
  }
}
`, map[string]product{"PC": {"Example product", std, 30, 365, 60, 30}}},
		{"two products, every term given, 0 meaning the default, editions 0 and 255, no features", `{"products": {
  "PC": {"name": "Example product", "editions": [{"name": "standard", "number": 1, "features": ["update", "scan"]}, {"name": "premium", "number": 2, "features": ["update", "scan"]}],
         "trial_days": 14, "maintenance_days": 730, "warning_days": 0, "grace_days": 36500},
  "ZZ": {"name": "", "editions": [{"name": "free", "number": 0}, {"name": "site licence", "number": 255, "features": []}],
         "trial_days": 1, "maintenance_days": 1, "warning_days": 1, "grace_days": 1}
}}`, map[string]product{
			"PC": {"Example product", std, 14, 730, 60, 36500},
			"ZZ": {"", []edition{{"free", 0, []string{}}, {"site licence", 255, []string{}}}, 1, 1, 1, 1},
		}},
	}
	type badVec struct {
		Comment string `json:"comment"`
		JSON    string `json:"json"`
		Error   string `json:"error"`
	}
	one := func(productJSON string) string { return `{"products": {"PC": ` + productJSON + `}}` }
	ed := `"editions": [{"name": "standard", "number": 1}]`
	bad := []badVec{
		{"not JSON", `products: PC`, "invalid"},
		{"no products", `{"products": {}}`, "invalid"},
		{"unknown field (a misspelt term)", one(`{"name": "x", ` + ed + `, "grace": 10}`), "invalid"},
		{"unknown top-level field", `{"products": {"PC": {"name": "x", ` + ed + `}}, "vendor": "acme"}`, "invalid"},
		{"product code in lower case", `{"products": {"pc": {"name": "x", ` + ed + `}}}`, "invalid"},
		{"product code of three letters", `{"products": {"PCX": {"name": "x", ` + ed + `}}}`, "invalid"},
		{"product null", `{"products": {"PC": null}}`, "invalid"},
		{"no editions", one(`{"name": "x", "editions": []}`), "invalid"},
		{"edition name twice", one(`{"name": "x", "editions": [{"name": "a", "number": 1}, {"name": "a", "number": 2}]}`), "invalid"},
		{"edition number twice", one(`{"name": "x", "editions": [{"name": "a", "number": 1}, {"name": "b", "number": 1}]}`), "invalid"},
		{"edition number 256", one(`{"name": "x", "editions": [{"name": "a", "number": 256}]}`), "invalid"},
		{"edition name empty", one(`{"name": "x", "editions": [{"name": "", "number": 1}]}`), "invalid"},
		{"edition name with a trailing space", one(`{"name": "x", "editions": [{"name": "a ", "number": 1}]}`), "invalid"},
		{"feature name empty", one(`{"name": "x", "editions": [{"name": "a", "number": 1, "features": [""]}]}`), "invalid"},
		{"term over 36500 days", one(`{"name": "x", ` + ed + `, "maintenance_days": 36501}`), "invalid"},
		{"negative term", one(`{"name": "x", ` + ed + `, "trial_days": -1}`), "invalid"},
		{"data after the object", one(`{"name": "x", `+ed+`}`) + ` {}`, "invalid"},
	}
	writeJSON("catalogs.json", map[string]any{
		"comment": "Catalog vectors (FORMAT.md section 9): each file and the products it describes, terms with defaults applied. Written by formats/gen_vectors.go; do not edit.",
		"valid":   valid,
		"invalid": bad,
	})
}

// ---- Key files (FORMAT.md section 10) ----

func genKeyFiles() {
	pub1 := testPriv().Public().(ed25519.PublicKey)
	pub2 := ed25519.NewKeyFromSeed(otherSeed[:]).Public().(ed25519.PublicKey)
	spki := func(pub []byte) []byte {
		return append([]byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}, pub...)
	}
	pemText := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	pubFile := func(id int, pub []byte) string {
		return fmt.Sprintf("key-id: %d\n", id) + pemText("PUBLIC KEY", spki(pub))
	}
	b64 := base64.RawURLEncoding.EncodeToString
	jwk := func(id int, pub []byte) string {
		return fmt.Sprintf(`{
      "kty": "OKP",
      "crv": "Ed25519",
      "x": %q,
      "kid": "%d",
      "alg": "EdDSA",
      "use": "sig"
    }`, b64(pub), id)
	}
	type key struct {
		KeyID     int    `json:"key_id"`
		PublicHex string `json:"public_key_hex"`
	}
	type vec struct {
		Comment string `json:"comment"`
		Text    string `json:"text"`
		Keys    []key  `json:"keys"`
		// Canonical names how licmint writes this text exactly: "pem"
		// (each key's public key file, in key id order) or "jwks".
		Canonical string `json:"canonical,omitempty"`
	}
	k1, k2 := key{1, hex.EncodeToString(pub1)}, key{2, hex.EncodeToString(pub2)}
	valid := []vec{
		{"public key file (NAME.pub.pem)", pubFile(1, pub1), []key{k1}, "pem"},
		{"keyring: two public key files concatenated", pubFile(1, pub1) + pubFile(2, pub2), []key{k1, k2}, "pem"},
		{"keyring with comments, CRLF line ends and keys out of order; the last key-id line before a block counts",
			strings.ReplaceAll("# Example product keyring\nkey-id: 7\n"+pubFile(2, pub2)+"\nrotated 2027:\n"+pubFile(1, pub1), "\n", "\r\n"),
			[]key{k1, k2}, ""},
		{"JWK Set", "{\n  \"keys\": [\n    " + jwk(1, pub1) + ",\n    " + jwk(2, pub2) + "\n  ]\n}", []key{k1, k2}, "jwks"},
		{"a single JWK, without alg and use", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "0", "x": %q}`, b64(pub2)), []key{{0, k2.PublicHex}}, ""},
	}
	type privVec struct {
		Comment string `json:"comment"`
		Text    string `json:"text"`
		KeyID   int    `json:"key_id"`
		SeedHex string `json:"seed_hex"`
	}
	pkcs8 := append([]byte{0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20}, testSeed[:]...)
	private := []privVec{{"the TEST ONLY private key as it is before age encryption (NAME.key.age decrypts to this)",
		"key-id: 1\n" + pemText("PRIVATE KEY", pkcs8), 1, hex.EncodeToString(testSeed[:])}}
	type badVec struct {
		Comment string `json:"comment"`
		Text    string `json:"text"`
		Error   string `json:"error"`
	}
	x25519 := append([]byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00}, pub1...)
	bad := []badVec{
		{"no key-id line", pemText("PUBLIC KEY", spki(pub1)), "no_key_id"},
		{"key-id 256", "key-id: 256\n" + pemText("PUBLIC KEY", spki(pub1)), "invalid"},
		{"the same key id twice", pubFile(1, pub1) + pubFile(1, pub2), "invalid"},
		{"a private key given as a keyring", private[0].Text, "invalid"},
		{"an X25519 key, not Ed25519", "key-id: 1\n" + pemText("PUBLIC KEY", x25519), "invalid"},
		{"no PEM block and no JSON", "key-id: 1\n", "invalid"},
		{"JWK with a private part", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "1", "x": %q, "d": %q}`, b64(pub1), b64(testSeed[:])), "invalid"},
		{"JWK kid not decimal", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "01", "x": %q}`, b64(pub1)), "invalid"},
		{"JWK without kid", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "x": %q}`, b64(pub1)), "invalid"},
		{"JWK of curve X25519", fmt.Sprintf(`{"kty": "OKP", "crv": "X25519", "kid": "1", "x": %q}`, b64(pub1)), "invalid"},
		{"JWK alg other than EdDSA", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "1", "alg": "ES256", "x": %q}`, b64(pub1)), "invalid"},
		{"JWK x of 31 bytes", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "1", "x": %q}`, b64(pub1[:31])), "invalid"},
		{"JWK x padded base64", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "1", "x": %q}`, base64.URLEncoding.EncodeToString(pub1)), "invalid"},
		{"empty JWK Set", `{"keys": []}`, "invalid"},
	}
	writeJSON("key_files.json", map[string]any{
		"comment":  "Key file vectors (FORMAT.md section 10): public key files, keyrings and the private key's plaintext. Written by formats/gen_vectors.go; do not edit.",
		"test_key": testKeyJSON(),
		"second_test_key": map[string]string{
			"warning":        "TEST ONLY: this key's seed is public; never sign or trust real licenses with it",
			"seed_hex":       hex.EncodeToString(otherSeed[:]),
			"public_key_hex": hex.EncodeToString(pub2),
		},
		"valid":   valid,
		"private": private,
		"invalid": bad,
	})
}

// ---- JWT license tokens (FORMAT.md section 14) ----

// jwtClaims are a token's claims in the order licmint writes them.
type jwtClaims struct {
	Iss             string            `json:"iss,omitempty"`
	Sub             string            `json:"sub,omitempty"`
	Aud             []string          `json:"aud,omitempty"`
	Exp             int64             `json:"exp,omitempty"`
	Nbf             int64             `json:"nbf,omitempty"`
	Iat             int64             `json:"iat,omitempty"`
	Jti             string            `json:"jti,omitempty"`
	Product         string            `json:"product"`
	Edition         string            `json:"edition"`
	EditionNumber   int               `json:"edition_number"`
	Features        []string          `json:"features"`
	Trial           bool              `json:"trial"`
	InstallBound    bool              `json:"install_bound"`
	InstallIDSHA256 string            `json:"install_id_sha256,omitempty"`
	Generation      int               `json:"generation"`
	Serial          string            `json:"serial"`
	ActivationCode  string            `json:"activation_code"`
	Customer        map[string]string `json:"customer,omitempty"`
}

func jwtToken(header map[string]string, c any, sign func([]byte) []byte) string {
	h, err := json.Marshal(header)
	if err != nil {
		log.Fatal(err)
	}
	p, err := json.Marshal(c)
	if err != nil {
		log.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	in := b64(h) + "." + b64(p)
	return in + "." + b64(sign([]byte(in)))
}

// status is FORMAT.md section 15's date rule, with the default 60 warning
// and 30 grace days.
func status(today, issued, expires uint64) (string, int) {
	left := int(expires) - int(today)
	switch {
	case today < issued:
		if expires == 0xFFFF {
			return "not_yet_valid", 0
		}
		return "not_yet_valid", left
	case expires == 0xFFFF:
		return "valid", 0
	case left > 60:
		return "valid", left
	case left > 0:
		return "expiring", left
	case -left < 30:
		return "grace", left
	}
	return "expired", left
}

func genJWTs(codes []validVector) {
	key := testPriv()
	edSign := func(in []byte) []byte { return ed25519.Sign(key, in) }
	midnight := func(d string) int64 { return int64(day(d))*86400 + 1577836800 }
	type registration struct {
		RegistrationKey string            `json:"registration_key"`
		Edition         string            `json:"edition"`
		Issued          string            `json:"issued"`
		Expires         string            `json:"expires"`
		InstallID       string            `json:"install_id,omitempty"`
		Customer        map[string]string `json:"customer,omitempty"`
		Issuer          string            `json:"issuer"`
	}
	type license struct {
		Status        string          `json:"status"`
		DaysLeft      int             `json:"days_left"`
		Product       string          `json:"product"`
		Edition       string          `json:"edition"`
		EditionNumber int             `json:"edition_number"`
		Trial         bool            `json:"trial"`
		InstallBound  bool            `json:"install_bound"`
		Serial        string          `json:"serial"`
		Generation    int             `json:"generation"`
		KeyID         int             `json:"key_id"`
		Issued        string          `json:"issued"`
		Expires       string          `json:"expires"`
		Features      map[string]bool `json:"features"`
	}
	type vec struct {
		Comment      string            `json:"comment"`
		Registration registration      `json:"registration"`
		Header       map[string]string `json:"header"`
		Claims       jwtClaims         `json:"claims"`
		Token        string            `json:"token"`
		VerifyAt     string            `json:"verify_at"`
		InstallID    string            `json:"install_id,omitempty"`
		License      license           `json:"license"`
	}
	editions := map[int]string{1: "standard", 2: "premium"}
	claimsFor := func(v validVector, iss string, customer map[string]string) jwtClaims {
		f := v.Fields
		c := jwtClaims{Iss: iss, Sub: f.Serial, Aud: []string{f.Product}, Exp: midnight(f.Expires),
			Nbf: midnight(f.Issued), Iat: midnight(f.Issued), Jti: v.Short, Product: f.Product,
			Edition: editions[f.Edition], EditionNumber: f.Edition, Features: []string{"update", "scan"},
			Trial: f.Trial, InstallBound: f.Bound, Generation: f.Generation, Serial: f.Serial,
			ActivationCode: v.Signed, Customer: customer}
		if f.Bound {
			sum := sha256.Sum256([]byte(v.InstallID))
			c.InstallIDSHA256 = hex.EncodeToString(sum[:])
		}
		return c
	}
	mk := func(comment string, v validVector, iss string, customer map[string]string, at string) vec {
		f := v.Fields
		header := map[string]string{"alg": "EdDSA", "kid": fmt.Sprint(f.KeyID), "typ": "JWT"}
		c := claimsFor(v, iss, customer)
		st, left := status(day(at), day(f.Issued), day(f.Expires))
		on := st == "valid" || st == "expiring" || st == "grace"
		return vec{comment,
			registration{v.Registration, editions[f.Edition], f.Issued, f.Expires, v.InstallID, customer, iss},
			header, c, jwtToken(header, c, edSign), at, v.InstallID,
			license{st, left, f.Product, editions[f.Edition], f.Edition, f.Trial, f.Bound, f.Serial, f.Generation,
				f.KeyID, f.Issued, f.Expires, map[string]bool{"update": on, "scan": on}}}
	}
	valid := []vec{
		mk("standard edition, unbound, default issuer", codes[0], "licmint", nil, "2027-01-01"),
		mk("install-bound, with customer fields and an issuer; expiring", codes[3], "acme",
			map[string]string{"email": "ops@example.com", "order": "A-1001"}, "2027-11-01"),
		mk("premium edition, key id 2; exp has passed: the license is in grace, the token still verifies", codes[2], "licmint", nil, "2027-12-10"),
		mk("trial; exp has passed the grace days: expired", codes[1], "licmint", nil, "2027-02-01"),
	}

	type badVec struct {
		Comment   string `json:"comment"`
		Token     string `json:"token"`
		VerifyAt  string `json:"verify_at"`
		InstallID string `json:"install_id,omitempty"`
		Error     string `json:"error"`
	}
	std := valid[0]
	hdr := func(mod func(map[string]string)) map[string]string {
		h := map[string]string{"alg": "EdDSA", "kid": "1", "typ": "JWT"}
		mod(h)
		return h
	}
	resign := func(mod func(*jwtClaims)) string {
		c := std.Claims
		mod(&c)
		return jwtToken(std.Header, c, edSign)
	}
	var bad []badVec
	add := func(comment, token, kind string) {
		bad = append(bad, badVec{comment, token, "2027-01-01", "", kind})
	}
	parts := strings.Split(std.Token, ".")
	other := std.Claims
	other.Edition = "premium"
	otherPayload, _ := json.Marshal(other)
	add("payload changed, signature kept", parts[0]+"."+base64.RawURLEncoding.EncodeToString(otherPayload)+"."+parts[2], "bad_signature")
	add("signed by another key under kid 1", jwtToken(std.Header, std.Claims, func(in []byte) []byte {
		return ed25519.Sign(ed25519.NewKeyFromSeed(otherSeed[:]), in)
	}), "bad_signature")
	add("kid 9, which the verifier does not trust", jwtToken(hdr(func(h map[string]string) { h["kid"] = "9" }), std.Claims, edSign), "unknown_key")
	add("no kid", jwtToken(hdr(func(h map[string]string) { delete(h, "kid") }), std.Claims, edSign), "bad_token")
	add("kid not decimal", jwtToken(hdr(func(h map[string]string) { h["kid"] = "01" }), std.Claims, edSign), "bad_token")
	pub := key.Public().(ed25519.PublicKey)
	add("alg HS256 keyed with the public key", jwtToken(hdr(func(h map[string]string) { h["alg"] = "HS256" }), std.Claims, func(in []byte) []byte {
		m := hmac.New(sha256.New, pub)
		m.Write(in)
		return m.Sum(nil)
	}), "bad_token")
	add("alg none", jwtToken(hdr(func(h map[string]string) { h["alg"] = "none" }), std.Claims, func([]byte) []byte { return nil }), "bad_token")
	add("audience another product", resign(func(c *jwtClaims) { c.Aud = []string{"PD"} }), "wrong_product")
	add("exp one day after the code's expiry", resign(func(c *jwtClaims) { c.Exp += 86400 }), "bad_token")
	add("no exp", resign(func(c *jwtClaims) { c.Exp = 0 }), "bad_token")
	add("no nbf", resign(func(c *jwtClaims) { c.Nbf = 0 }), "bad_token")
	add("iat an hour after midnight of the issue day", resign(func(c *jwtClaims) { c.Iat += 3600 }), "bad_token")
	add("jti not the code's short form", resign(func(c *jwtClaims) { c.Jti = codes[4].Short }), "bad_token")
	add("edition name disagrees with the catalog", resign(func(c *jwtClaims) { c.Edition = "premium" }), "bad_token")
	add("edition_number disagrees with the code", resign(func(c *jwtClaims) { c.EditionNumber = 2 }), "bad_token")
	add("serial disagrees with the code", resign(func(c *jwtClaims) { c.Serial = "27182818284590" }), "bad_token")
	add("generation disagrees with the code", resign(func(c *jwtClaims) { c.Generation = 1 }), "bad_token")
	add("activation_code a short form", resign(func(c *jwtClaims) { c.ActivationCode = std.Claims.Jti }), "bad_token")
	perp := codes[5]
	add("activation_code perpetual", resign(func(c *jwtClaims) {
		c.ActivationCode, c.Jti, c.Sub, c.Serial = perp.Signed, perp.Short, perp.Fields.Serial, perp.Fields.Serial
		c.Exp = midnight("2199-06-05")
	}), "bad_token")
	add("not a JWT", "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG", "bad_token")
	bound := valid[1]
	bad = append(bad, badVec{"install-bound token on another install", bound.Token, "2027-01-01", "host-other", "install_mismatch"})
	bad = append(bad, badVec{"install-bound token with no install id", bound.Token, "2027-01-01", "", "install_mismatch"})

	writeJSON("jwts.json", map[string]any{
		"comment":  "JWT license token vectors (FORMAT.md section 14). Written by formats/gen_vectors.go; do not edit. The verifier trusts the test key under key ids 1 and 2, uses the built-in catalog and verifies at verify_at (00:00 UTC).",
		"test_key": testKeyJSON(),
		"valid":    valid,
		"invalid":  bad,
	})
}

// Reset codes (FORMAT.md section 16).

type resetFields struct {
	Product    string `json:"product"`
	Version    int    `json:"version"`
	KeyID      int    `json:"key_id"`
	Remembered string `json:"remembered"`
	Issued     string `json:"issued"`
	Nonce      uint32 `json:"nonce"`
	reserved   uint64
	sigSpare   uint64
	remDay     uint64 // when set, the remembered day's raw value
}

func (f resetFields) header() bits {
	var b bits
	b.put(uint64(f.Version), 4)
	b.put(uint64(f.KeyID), 8)
	if f.remDay != 0 {
		b.put(f.remDay, 16)
	} else {
		b.put(day(f.Remembered), 16)
	}
	b.put(day(f.Issued), 16)
	b.put(uint64(f.Nonce), 32)
	b.put(f.reserved, 4)
	return b
}

// resetGroup hyphenates a reset code: the product code, then groups of five.
func resetGroup(product, syms string) string {
	var s strings.Builder
	s.WriteString(product)
	for i := range syms {
		if i%5 == 0 {
			s.WriteByte('-')
		}
		s.WriteByte(syms[i])
	}
	return s.String()
}

func resetMessage(f resetFields, installID string) []byte {
	m := []byte("licmint/reset-code/v1\x00" + f.Product)
	m = append(m, f.header().bytes()...)
	return append(m, installID...)
}

// encodeReset returns the canonical reset code for f, signed for installID.
func encodeReset(f resetFields, installID string) (code string, msg []byte) {
	msg = resetMessage(f, installID)
	sig := ed25519.Sign(ed25519.NewKeyFromSeed(testSeed[:]), msg)
	b := f.header()
	for _, c := range sig {
		b.put(uint64(c), 8)
	}
	b.put(f.sigSpare, 3)
	body := b.symbols()
	return resetGroup(f.Product, body+check(f.Product+body)), msg
}

type resetValid struct {
	Comment    string      `json:"comment"`
	InstallID  string      `json:"install_id"`
	Fields     resetFields `json:"fields"`
	HeaderHex  string      `json:"header_hex"`
	MessageHex string      `json:"message_hex"`
	Code       string      `json:"code"`
	Spellings  []string    `json:"other_spellings"`
}

type resetInvalid struct {
	Comment string `json:"comment"`
	Input   string `json:"input"`
	Product string `json:"product,omitempty"`
	Error   string `json:"error"`
	Group   int    `json:"group,omitempty"`
	Char    int    `json:"char,omitempty"`
}

// resetAcceptance is a verifier's decision on the first valid reset code,
// given its configuration and state (FORMAT.md section 16.4).
type resetAcceptance struct {
	Comment   string `json:"comment"`
	Product   string `json:"product"`
	InstallID string `json:"install_id"`
	// LastSeen is the latest time the install's state has seen; Now the
	// verifier's clock; Used the ids of the reset codes already accepted.
	LastSeen         string   `json:"last_seen"`
	Now              string   `json:"now"`
	ToleranceSeconds int      `json:"tolerance_seconds"`
	Used             []string `json:"used"`
	// Result is "accepted" or the refusal; NewLastSeen is the state's
	// latest time after an accepted reset.
	Result      string `json:"result"`
	NewLastSeen string `json:"new_last_seen,omitempty"`
}

func resetVectors(pub ed25519.PublicKey) {
	base := resetFields{Product: "PC", Version: 1, KeyID: 1, Remembered: "2036-11-29", Issued: "2026-11-30", Nonce: 0x5EC0DE01}
	type reg struct {
		comment   string
		f         resetFields
		installID string
	}
	regs := []reg{
		{"a clock once set ten years ahead", base, "host-7f3a9c0e"},
		{"a second code for the same install and day: another nonce", func() resetFields { f := base; f.Nonce = 0x5EC0DE02; return f }(), "host-7f3a9c0e"},
		{"install id in UTF-8", func() resetFields { f := base; f.Remembered, f.Issued = "2031-02-28", "2027-03-01"; return f }(), "Büro-PC-07 サーバー"},
		{"largest values in every field", resetFields{Product: "ZZ", Version: 1, KeyID: 255, Remembered: "2199-06-05", Issued: "2199-06-05", Nonce: 0xFFFFFFFF}, strings.Repeat("x", 255)},
		{"smallest values", resetFields{Product: "AA", Version: 1, Remembered: "2020-01-01", Issued: "2020-01-01"}, "x"},
		{"another product", func() resetFields { f := base; f.Product = "PD"; return f }(), "host-7f3a9c0e"},
	}
	var valid []resetValid
	for _, r := range regs {
		code, msg := encodeReset(r.f, r.installID)
		// Cross-check against the package.
		c, err := formats.ParseResetCode(code, formats.Product{})
		if err != nil || c.String() != code {
			log.Fatalf("%s: package disagrees: %v %q", r.comment, err, c.String())
		}
		m, err := c.AppendMessage(nil, r.installID)
		if err != nil || string(m) != string(msg) {
			log.Fatalf("%s: message disagrees: %v", r.comment, err)
		}
		if c.ID() != hex.EncodeToString(r.f.header().bytes()) {
			log.Fatalf("%s: id disagrees: %s", r.comment, c.ID())
		}
		valid = append(valid, resetValid{
			Comment: r.comment, InstallID: r.installID, Fields: r.f,
			HeaderHex: hex.EncodeToString(r.f.header().bytes()), MessageHex: hex.EncodeToString(msg), Code: code,
			Spellings: []string{
				strings.ToLower(code),
				strings.ReplaceAll(code, "-", " "),
				code[:50] + "\r\n" + code[50:100] + "\n  " + code[100:],
				code[:2] + strings.NewReplacer("0", "O", "1", "I").Replace(code[2:]),
			},
		})
	}

	good := valid[0].Code
	var bad []resetInvalid
	add := func(comment, input, product, kind string, group, char int) {
		bad = append(bad, resetInvalid{comment, input, product, kind, group, char})
	}
	// Group g (from 2) character c sits at 3 + 6(g-2) + (c-1).
	at := 3 + 6*3 + 1 // group 5 character 2
	sub := []byte(good)
	sub[at] = alphabet[(strings.IndexByte(alphabet, sub[at])+1)%32]
	add("one symbol mistyped in group 5", string(sub), "", "typo", 5, 2)
	sw := []byte(good)
	for j := 60; ; j++ {
		if sw[j] != '-' && sw[j+1] != '-' && sw[j] != sw[j+1] {
			sw[j], sw[j+1] = sw[j+1], sw[j]
			break
		}
	}
	add("two neighbours swapped in the signature", string(sw), "", "typo", 0, 0)
	last := []byte(good)
	last[len(last)-1] = alphabet[(strings.IndexByte(alphabet, last[len(last)-1])+1)%32]
	add("last check symbol mistyped", string(last), "", "typo", 26, 5)
	add("product letter mistyped", "PX"+good[2:], "", "typo", 0, 0)
	add("U is never a symbol", good[:10]+"U"+good[11:], "", "malformed", 3, 2)
	add("one symbol missing", good[:len(good)-1], "", "malformed", 0, 0)
	add("one symbol too many", good+"0", "", "malformed", 0, 0)
	add("empty", "", "", "malformed", 0, 0)
	add("an activation code is not a reset code", "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG-7VK8P-00PX8-MTFHC-W0JH4-JZWYP-WDMTM-0TM7Y-ZNBZP-TPKAB-9FR6R-MTDYW-ZKS44-57JXC-EDY7X-NXZAN-C97KF-CW6NP-YHQQ3-EHJYM-JEP18-M08JX-PNAB", "", "malformed", 0, 0)
	add("another product's reset code", valid[5].Code, "PC", "wrong_product", 1, 1)
	odd := func(comment, kind string, mod func(*resetFields)) {
		f := base
		mod(&f)
		code, _ := encodeReset(f, "host-7f3a9c0e")
		add(comment, code, "", kind, 0, 0)
	}
	odd("version 2", "unknown_version", func(f *resetFields) { f.Version = 2 })
	odd("reserved bits set", "malformed", func(f *resetFields) { f.reserved = 1 })
	odd("signature spare bits set", "malformed", func(f *resetFields) { f.sigSpare = 1 })
	odd("remembered day 65535 is not a date", "malformed", func(f *resetFields) { f.remDay = 0xFFFF })

	v0 := valid[0]
	accept := func(comment, product, installID, lastSeen, now string, used []string, result, newLast string) resetAcceptance {
		if used == nil {
			used = []string{}
		}
		return resetAcceptance{comment, product, installID, lastSeen, now, 86400, used, result, newLast}
	}
	acceptance := []resetAcceptance{
		accept("the lock it was issued for: the clock reads the issue day", "PC", v0.InstallID, "2036-11-29T08:15:00Z", "2026-11-30T10:00:00Z", nil, "accepted", "2026-11-30T10:00:00Z"),
		accept("the clock still a day behind the issue day, within the tolerance: the state keeps the issue day", "PC", v0.InstallID, "2036-11-29T08:15:00Z", "2026-11-29T12:00:00Z", nil, "accepted", "2026-11-30T00:00:00Z"),
		accept("another install", "PC", "host-0000", "2036-11-29T08:15:00Z", "2026-11-30T10:00:00Z", nil, "install_mismatch", ""),
		accept("a verifier for another product", "PD", v0.InstallID, "2036-11-29T08:15:00Z", "2026-11-30T10:00:00Z", nil, "wrong_product", ""),
		accept("already used", "PC", v0.InstallID, "2036-11-29T08:15:00Z", "2026-11-30T10:00:00Z", []string{v0.HeaderHex}, "used", ""),
		accept("the state remembers another day", "PC", v0.InstallID, "2036-11-30T00:00:00Z", "2026-11-30T10:00:00Z", nil, "not_locked", ""),
		accept("the state remembers no time", "PC", v0.InstallID, "", "2026-11-30T10:00:00Z", nil, "not_locked", ""),
		accept("not locked: the clock is within the tolerance of the remembered time", "PC", v0.InstallID, "2036-11-29T08:15:00Z", "2036-11-28T12:00:00Z", nil, "not_locked", ""),
		accept("the clock is behind the issue day by more than the tolerance", "PC", v0.InstallID, "2036-11-29T08:15:00Z", "2026-11-28T23:59:59Z", nil, "too_early", ""),
	}

	writeJSON("reset_codes.json", map[string]any{
		"comment": "Reset code vectors (FORMAT.md section 16). Written by formats/gen_vectors.go; do not edit.",
		"test_key": map[string]string{
			"warning":        "TEST ONLY: this key's seed is public; never sign or trust real licenses with it",
			"seed_hex":       hex.EncodeToString(testSeed[:]),
			"public_key_hex": hex.EncodeToString(pub),
		},
		"valid":      valid,
		"invalid":    bad,
		"acceptance": acceptance,
	})
}
