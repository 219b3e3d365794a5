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
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strings"

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
}

func day(s string) uint64 {
	if s == "perpetual" {
		return 0xFFFF
	}
	d, err := formats.ParseDay(s)
	if err != nil {
		log.Fatal(err)
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
	b.put(day(f.Issued), 16)
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
	m := []byte(formats.ContextActivationCode + f.Product)
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
	add := func(comment, input, want, product, kind string, group, char int) {
		bad = append(bad, invalidVector{comment, input, want, product, kind, group, char})
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
	add("product letter mistyped", "PX"+good[2:], "any", "", "typo", 0, 0)
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

	resetVectors(pub)
}

// Reset codes (FORMAT.md section 14).

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
// given its configuration and state (FORMAT.md section 14.4).
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
		"comment": "Reset code vectors (FORMAT.md section 14). Written by formats/gen_vectors.go; do not edit.",
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
