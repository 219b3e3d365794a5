package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"log"
	"strings"

	"github.com/licmint/licmint/formats"
)

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
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

// resetPosition is where symbol n (-2 and -1 the product letters) stands
// in a reset code's canonical form (FORMAT.md section 16.3).
func resetPosition(n int) (group, char int) {
	if n < 0 {
		return 1, n + 3
	}
	return 2 + n/5, n%5 + 1
}

// resetChecksPass evaluates a reset code's check from its definition.
func resetChecksPass(product, syms string) bool {
	return check(product+syms[:119]) == syms[119:]
}

// resetErrorPosition is the position a decoder reports for input, which
// fails with kind, and the symbol there (-3 for none): FORMAT.md section
// 6.1 with section 16.3's layout.
func resetErrorPosition(input, kind string) (group, char, n int) {
	// A reset decoder reads as many symbols as an Activation Code has, to
	// tell one apart: the 139th is the first it refuses by position.
	p, syms, bad := symbols(input, 138)
	switch {
	case bad != -3:
		g, c := resetPosition(bad)
		return g, c, bad
	case kind == "wrong_product":
		return 1, 1, -2
	case kind != "typo" || len(syms) != 125:
		return 0, 0, -3
	}
	if n, ok := locateTypo(p, syms, resetChecksPass); ok {
		g, c := resetPosition(n)
		return g, c, n
	}
	return 0, 0, -3
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
	// add records an invalid input; the position comes from
	// resetErrorPosition, and group and char, where not 0, are what the
	// vector was written to show.
	add := func(comment, input, product, kind string, group, char int) {
		g, c, n := resetErrorPosition(input, kind)
		if group != 0 && (g != group || c != char) {
			log.Fatalf("%s: position group %d char %d, meant %d %d", comment, g, c, group, char)
		}
		line, col := 0, 0
		if g != 0 {
			line, col = lineColumn(input, nthSymbolByte(input, n))
		}
		bad = append(bad, resetInvalid{comment, input, product, kind, g, c, line, col})
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
	add("one symbol too many: a count, no position", good+"0", "", "malformed", 0, 0)
	add("139 symbols: the decoder stops at the 139th, past the longest Activation Code", good+"0000000000000A", "", "malformed", 29, 4)
	sub2 := []byte(good)
	sub2[100] = alphabet[(strings.IndexByte(alphabet, sub2[100])+1)%32] // group 18 character 2
	add("a typo on the second line of a code wrapped with CRLF", good[:76]+"\r\n"+string(sub2[76:]), "", "typo", 18, 2)
	add("U after a line break", good[:80]+"\n"+good[80:100]+"U"+good[101:], "", "malformed", 0, 0)
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
		"comment": "Reset code vectors (FORMAT.md section 16). Written by formats/internal/genvectors (go generate ./formats); do not edit.",
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
