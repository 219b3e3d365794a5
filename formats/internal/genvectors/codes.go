package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"log"
	"strings"

	"github.com/licmint/licmint/formats"
)

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
	// Line and Column (from 1, in bytes; only LF ends a line) locate in
	// the input the character that group and char name.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

type rkVector struct {
	Input     string `json:"input"`
	Canonical string `json:"canonical,omitempty"`
	Product   string `json:"product,omitempty"`
	Trial     bool   `json:"trial,omitempty"`
	Serial    string `json:"serial,omitempty"`
	Error     string `json:"error,omitempty"`
	Comment   string `json:"comment,omitempty"`
	// Group and Char locate the error in the canonical form (FORMAT.md
	// section 6.1: group 1 the letters, then groups of four digits), Line
	// and Column in the input; 0 where none is reported.
	Group  int `json:"group,omitempty"`
	Char   int `json:"char,omitempty"`
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// rkErrorPosition is where a Registration Key decoder reports the error
// kind in input (FORMAT.md section 6): a character that cannot stand where
// it is, a 17th digit, or a type digit other than 0 and 1, by group and
// character and by line and column; a character after the 16th digit by
// line and column only; nothing else by position.
func rkErrorPosition(input, kind string) (group, char, line, col int) {
	n := 0
	pos := func(n int) (int, int) {
		if n < 2 {
			return 1, n + 1
		}
		return 2 + (n-2)/4, (n-2)%4 + 1
	}
	typeAt := -1
	for i := 0; i < len(input); i++ {
		c := input[i]
		if strings.IndexByte(" \t\r\n-", c) >= 0 {
			continue
		}
		u := c
		if u >= 'a' && u <= 'z' {
			u -= 'a' - 'A'
		}
		digit := (u >= '0' && u <= '9') || u == 'O' || u == 'I' || u == 'L'
		switch {
		case n < 2 && (u < 'A' || u > 'Z'), n >= 2 && n < 18 && !digit:
			g, ch := pos(n)
			l, co := lineColumn(input, i)
			return g, ch, l, co
		case n == 2:
			typeAt = i
		case n == 18 && !digit:
			l, co := lineColumn(input, i)
			return 0, 0, l, co
		case n == 18:
			l, co := lineColumn(input, i)
			return 6, 1, l, co
		}
		n++
	}
	if kind == "malformed" && n == 18 { // the type digit
		l, co := lineColumn(input, typeAt)
		return 2, 1, l, co
	}
	return 0, 0, 0, 0
}

// baseFields are the first valid code's, which the others vary.
var baseFields = fields{Product: "PC", Version: 1, KeyID: 1, Edition: 1, Issued: "2026-11-27", Expires: "2027-11-27"}

// validCodes encodes the valid Activation Codes, checks that the package
// decodes each one to the same bits, and returns their vectors and their
// Registration Keys'.
func validCodes() ([]validVector, []rkVector) {
	base := baseFields
	type reg struct {
		comment, product string
		trial            bool
		serial           string
		f                fields
		installID        string
	}
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

	return valid, rks
}

// invalidCodes returns the inputs a decoder must refuse, made from the
// valid codes.
func invalidCodes(valid []validVector) []invalidVector {
	base := baseFields
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
		line, col := 0, 0
		if g != 0 {
			line, col = lineColumn(input, nthSymbolByte(input, symbolIndex(g, c)))
		}
		bad = append(bad, invalidVector{comment, input, want, product, kind, g, c, line, col})
	}
	// swap exchanges symbols n and n+1 of a canonical signed code.
	swap := func(code string, n int) string {
		b := []byte(code)
		i, j := symbolByte(n), symbolByte(n+1)
		if b[i] == b[j] {
			log.Fatalf("symbols %d and %d are equal: no swap to show", n, n+1)
		}
		b[i], b[j] = b[j], b[i]
		return string(b)
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
	// FORMAT.md 6.1's candidates include swaps that reach into the check
	// symbols: a fast search must find them too.
	add("the last header symbol and the first short-check symbol swapped", swap(good, 22), "any", "", "typo", 0, 0)
	add("two short-check symbols swapped", swap(good, 25), "any", "", "typo", 0, 0)
	add("the last signature symbol and the first whole-code check symbol swapped", swap(good, 131), "any", "", "typo", 0, 0)
	add("two whole-code check symbols swapped", swap(good, 134), "any", "", "typo", 0, 0)
	wrapped := good[:60] + "\r\n" + good[60:120] + "\n  " + good[120:]
	add("a typo on the third line of a code wrapped with CRLF and LF: line and column count bytes, only LF ends a line",
		wrapped[:len(wrapped)-1]+string(alphabet[(strings.IndexByte(alphabet, wrapped[len(wrapped)-1])+1)%32]), "any", "", "typo", 29, 4)
	add("U after a lone CR, which does not end a line", good[:20]+"\r"+good[20:30]+"U"+good[31:], "any", "", "malformed", 0, 0)
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
	return bad
}

// installIDVector says whether an install id can bind a code (FORMAT.md
// section 4.2): a verifier given an invalid one refuses to be made.
type installIDVector struct {
	Comment string `json:"comment"`
	Hex     string `json:"install_id_hex"`
	Valid   bool   `json:"valid"`
}

func installIDVectors() []installIDVector {
	v := func(comment, id string, valid bool) installIDVector {
		return installIDVector{comment, hex.EncodeToString([]byte(id)), valid}
	}
	return []installIDVector{
		v("one byte", "x", true),
		v("255 bytes", strings.Repeat("x", 255), true),
		v("inner spaces, tabs and line breaks are kept", "host 7\tf3a\r\n9c0e", true),
		v("UTF-8, not normalised", "hôte-機械-e\u0301", true),
		v("bytes that are not UTF-8", "\xff\xfe-id", true),
		v("empty: not the same as no install id", "", false),
		v("256 bytes", strings.Repeat("x", 256), false),
		v("255 two-byte characters: 510 bytes", strings.Repeat("é", 255), false),
		v("a leading space", " host-7f3a9c0e", false),
		v("a trailing tab", "host-7f3a9c0e\t", false),
		v("a trailing CR", "host-7f3a9c0e\r", false),
		v("a leading LF", "\nhost-7f3a9c0e", false),
		v("a NUL byte inside: C strings cannot carry it", "host\x007f3a9c0e", false),
		v("a trailing non-breaking space is kept: only space, tab, CR and LF count", "host-7f3a9c0e\u00a0", true),
	}
}

// genActivationCodes writes activation_codes.json.
func genActivationCodes(valid []validVector) {
	pub := testPriv().Public().(ed25519.PublicKey)
	writeJSON("activation_codes.json", map[string]any{
		"comment": "Activation Code vectors (FORMAT.md). Written by formats/internal/genvectors (go generate ./formats); do not edit.",
		"test_key": map[string]string{
			"warning":        "TEST ONLY: this key's seed is public; never sign or trust real licenses with it",
			"seed_hex":       hex.EncodeToString(testSeed[:]),
			"public_key_hex": hex.EncodeToString(pub),
		},
		"valid":       valid,
		"invalid":     invalidCodes(valid),
		"install_ids": installIDVectors(),
	})
}

// genRegistrationKeys writes registration_keys.json: the valid codes'
// keys, the first n of rks, and keys a decoder must refuse.
func genRegistrationKeys(rks []rkVector) {
	n := len(rks)
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
	lc := &rks[n]
	lc.Input = strings.ToLower(strings.ReplaceAll(first, "-", " "))
	lc.Canonical, lc.Product, lc.Serial = first, "PC", rks[0].Serial
	// A key with a valid check digit but type digit 2.
	d := []byte("2" + "31415926535897")
	d = append(d, dammCheck(d))
	rks = append(rks, rkVector{Input: fmt.Sprintf("PC-%s-%s-%s-%s", d[0:4], d[4:8], d[8:12], d[12:16]), Error: "malformed", Comment: "unknown type digit 2 with a valid check digit"})

	rks = append(rks,
		rkVector{Input: "pc-o314-l592-6535-8978", Canonical: first, Product: "PC", Serial: rks[0].Serial, Comment: "Crockford's aliases for 0 and 1: o, O read as 0; i, I, l, L as 1"},
		rkVector{Input: "PC-0314-1592-65U5-8978", Error: "malformed", Comment: "U among the digits: located"},
		rkVector{Input: "PC-0314-1592-6535-8978X", Error: "malformed", Comment: "a letter after the 16th digit: line and column only"},
		rkVector{Input: "PC 0314 1592\r\n6535 8978 7", Error: "malformed", Comment: "a 17th digit, on the second line: located"},
	)
	for i := range rks {
		if rks[i].Error != "" {
			rks[i].Group, rks[i].Char, rks[i].Line, rks[i].Column = rkErrorPosition(rks[i].Input, rks[i].Error)
		}
	}
	writeJSON("registration_keys.json", map[string]any{
		"comment": "Registration Key vectors (FORMAT.md). Written by formats/internal/genvectors (go generate ./formats); do not edit.",
		"vectors": rks,
	})
}

// symbolByte is the index in a canonical code of symbol n (from 0).
func symbolByte(n int) int {
	if n < 4 {
		return 3 + n
	}
	return 8 + 6*((n-4)/5) + (n-4)%5
}

// symbolIndex is the symbol at group g, character c (FORMAT.md 6.1); -2
// and -1 are the product letters.
func symbolIndex(g, c int) int {
	switch g {
	case 1:
		return c - 3
	case 2:
		return c - 1
	}
	return 4 + 5*(g-3) + c - 1
}

// nthSymbolByte is the index in input of symbol n (-2 and -1 the product
// letters), skipping what a decoder skips.
func nthSymbolByte(input string, n int) int {
	k := -2
	for i := 0; i < len(input); i++ {
		if strings.IndexByte(" \t\r\n-", input[i]) >= 0 {
			continue
		}
		if k == n {
			return i
		}
		k++
	}
	log.Fatalf("no symbol %d in %q", n, input)
	return 0
}

// lineColumn is the line and column (from 1, in bytes) of input[i]: only
// LF ends a line, so a CR is a column like any other byte.
func lineColumn(input string, i int) (line, col int) {
	line = 1 + strings.Count(input[:i], "\n")
	return line, i - strings.LastIndexByte(input[:i], '\n')
}
