package formats

import "fmt"

// ParseActivationCode decodes an Activation Code in either form without
// checking its signature. It accepts any case; whitespace, line breaks and
// hyphens anywhere between symbols; and O, I or L for 0, 1 and 1.
func ParseActivationCode(s string) (ActivationCode, error) {
	return parseAC(s, false, Product{})
}

// ParseSigned decodes the signed form of an Activation Code for product, as
// ParseActivationCode does, and fails with ErrUnsigned on a short form and
// ErrWrongProduct on another product's code. A zero product accepts any.
// It does not check the signature and does not allocate unless it fails.
func ParseSigned(s string, product Product) (ActivationCode, error) {
	return parseAC(s, true, product)
}

// ParseSignedBytes is ParseSigned for a byte slice.
func ParseSignedBytes(b []byte, product Product) (ActivationCode, error) {
	return parseAC(b, true, product)
}

func parseAC[T ~string | ~[]byte](s T, wantSigned bool, product Product) (ActivationCode, error) {
	var c ActivationCode
	if len(s) > MaxInputLen {
		return c, &FormatError{Kind: acKind, Err: ErrMalformed,
			Msg:  fmt.Sprintf("input is %d bytes, more than %d", len(s), MaxInputLen),
			Hint: "give one activation code"}
	}
	var syms, text [SignedSymbols]byte // values, and canonical characters for the checks
	n, fe := scanSymbols(s, &acSigned, &c.Product, &syms, &text)
	if fe != nil {
		return c, fe
	}
	switch {
	case n == ShortSymbols:
		if wantSigned {
			return c, &FormatError{Kind: acKind, Err: ErrUnsigned,
				Msg:  fmt.Sprintf("this is the %d-character short form, without the signature", ShortLen),
				Hint: fmt.Sprintf("give the whole %d-character code", SignedLen)}
		}
	case n == SignedSymbols:
		c.Signed = true
	default:
		return c, lengthError(n)
	}
	nsym := n

	reg := crc30Update(crc30Init, c.Product[:])
	reg = crc30Update(reg, text[:headerSymbols])
	ok := crc30Sum(reg) == checkValue(syms[headerSymbols:])
	if ok && c.Signed {
		reg = crc30Update(reg, text[headerSymbols:ShortSymbols+signatureSymbols])
		ok = crc30Sum(reg) == checkValue(syms[ShortSymbols+signatureSymbols:])
	}
	if !ok {
		form := &acShort
		if c.Signed {
			form = &acSigned
		}
		return c, typoError(s, c.Product, syms[:nsym], form)
	}

	var hb [HeaderSize]byte
	packSymbols(hb[:], syms[:headerSymbols])
	h, reserved := decodeHeader(c.Product, &hb)
	if msg, err := h.validate(); err != nil {
		hint := "this code was not made by a licmint encoder"
		if err == ErrUnknownVersion {
			hint = "a newer licmint may read it"
		}
		return c, &FormatError{Kind: acKind, Err: err, Msg: msg, Hint: hint}
	}
	if reserved != 0 {
		return c, &FormatError{Kind: acKind, Err: ErrMalformed, Msg: "reserved header bits are set",
			Hint: "this code was not made by a licmint encoder"}
	}
	c.Header = h
	if c.Signed {
		var sb [SignatureSize + 1]byte
		packSymbols(sb[:], syms[ShortSymbols:ShortSymbols+signatureSymbols])
		if sb[SignatureSize] != 0 {
			return c, &FormatError{Kind: acKind, Err: ErrMalformed, Msg: "the signature's 3 spare bits are not zero",
				Hint: "this code was not made by a licmint encoder"}
		}
		copy(c.Signature[:], sb[:SignatureSize])
	}
	if product != (Product{}) && product != c.Product {
		e := &FormatError{Kind: acKind, Err: ErrWrongProduct, Group: 1, Char: 1,
			Msg:  fmt.Sprintf("this code is for product %s, not %s", c.Product, product),
			Hint: fmt.Sprintf("give an activation code for %s", product)}
		e.Line, e.Column = lineColumn(s, symbolOffset(s, -2))
		return c, e
	}
	return c, nil
}

// textForm describes one of the base32 text forms (FORMAT.md sections 3, 4
// and 14), so that reading symbols, reporting positions and locating typos
// are written once for all of them.
type textForm struct {
	kind string // what the input is taken for, as in FormatError.Kind
	a    string // kind with its article, for messages
	// longest is the most symbols any valid text of the kind has.
	longest int
	// checks holds, for each CRC-30 check, the last symbol its CRC covers
	// (after the product code); its six check symbols follow that symbol.
	checks []int
	// position maps symbol index n (-2 and -1 the product letters) to its
	// group and character in the canonical form.
	position func(n int) (group, char int)
}

var (
	acShort  = textForm{kind: acKind, a: "an activation code", longest: SignedSymbols, checks: []int{lastShortCRC}, position: acPosition}
	acSigned = textForm{kind: acKind, a: "an activation code", longest: SignedSymbols, checks: []int{lastShortCRC, lastFullCRC}, position: acPosition}
)

// scanSymbols reads the product code into p and the symbols after it into
// syms, with their canonical characters in text, skipping separators. It
// returns how many symbols it read, or the first bad character.
func scanSymbols[T ~string | ~[]byte](s T, f *textForm, p *Product, syms, text *[SignedSymbols]byte) (int, *FormatError) {
	n := -2 // symbols seen; the two product letters count from -2
	for i := 0; i < len(s); i++ {
		ch := s[i]
		v := symbolValue[ch]
		if v == symSeparator {
			continue
		}
		switch {
		case n < 0:
			if !isLetter(ch) {
				return 0, charError(s, i, n, f, fmt.Sprintf("%s: %s starts with the two-letter product code", quoteByte(ch), f.a), "")
			}
			p[n+2] = upper(ch)
		case v == symInvalid:
			hint := f.kind + "s use digits and the letters A-Z except I, L, O and U"
			if ch == 'U' || ch == 'u' {
				hint = "U is never used in " + f.a + ": check the original"
			}
			return 0, charError(s, i, n, f, fmt.Sprintf("%s is not a base32 symbol", quoteByte(ch)), hint)
		case n >= len(syms):
			return 0, charError(s, i, n, f, fmt.Sprintf("more than %d symbols", f.longest),
				"is there more than one code, or other text, in the input?")
		default:
			syms[n], text[n] = v, alphabet[v]
		}
		n++
	}
	return max(n, 0), nil
}

// acPosition maps symbol index n (-2 and -1 the product letters) to its
// group and character in the canonical form.
func acPosition(n int) (group, char int) {
	switch {
	case n < 0:
		return 1, n + 3
	case n < 4:
		return 2, n + 1
	}
	return 3 + (n-4)/5, (n-4)%5 + 1
}

func charError[T ~string | ~[]byte](s T, off, n int, f *textForm, msg, hint string) *FormatError {
	e := &FormatError{Kind: f.kind, Err: ErrMalformed, Msg: msg, Hint: hint}
	e.Group, e.Char = f.position(n)
	e.Line, e.Column = lineColumn(s, off)
	return e
}

func lengthError(n int) *FormatError {
	msg := fmt.Sprintf("%d symbols after the product code; a short code has %d, a signed code %d", n, ShortSymbols, SignedSymbols)
	hint := "check that the whole code was copied"
	switch n {
	case ShortSymbols - 1, SignedSymbols - 1:
		hint = "one character is missing"
	case ShortSymbols + 1, SignedSymbols + 1:
		hint = "one character too many"
	}
	return &FormatError{Kind: acKind, Err: ErrMalformed, Msg: msg, Hint: hint}
}

// typoError reports a check mismatch. When exactly one single-character
// change or swap of neighbours would make the checks pass, it names that
// position; the fix is only a suggestion, never applied.
func typoError[T ~string | ~[]byte](s T, p Product, syms []byte, f *textForm) *FormatError {
	e := &FormatError{Kind: f.kind, Err: ErrTypo, Msg: "check symbols do not match",
		Hint: "a character is probably mistyped, or two swapped; compare the code with the original"}
	pos, fix, found := locateTypo(p, syms, f.checks)
	if !found {
		return e
	}
	e.Group, e.Char = f.position(pos)
	if off := symbolOffset(s, pos); off >= 0 {
		e.Line, e.Column = lineColumn(s, off)
	}
	e.Msg = "check symbols do not match: " + fix
	return e
}

// locateTypo looks for the single change that explains a check mismatch:
// a substituted symbol, two swapped neighbours or a wrong product letter. It
// succeeds when exactly one candidate passes the checks, whose CRCs end at
// the symbols checks names.
func locateTypo(p Product, syms []byte, checks []int) (pos int, fix string, found bool) {
	sy := newSyndromes(p, syms, checks)
	hits := 0
	hit := func(at int, desc string) {
		hits++
		if hits == 1 {
			pos, fix = at, desc
		}
	}
	for i, orig := range syms {
		if v, ok := sy.substitute(i, orig); ok && sy.cancelledBy(i, syms[i:i+1], []byte{v}) {
			hit(i, fmt.Sprintf("perhaps %q should be %q", alphabet[orig], alphabet[v]))
		}
	}
	for i := 0; i+1 < len(syms); i++ {
		a, b := syms[i], syms[i+1]
		if a != b && sy.cancelledBy(i, syms[i:i+2], []byte{b, a}) {
			hit(i, fmt.Sprintf("perhaps %q and %q are swapped", alphabet[a], alphabet[b]))
		}
	}
	for j := range p {
		for c := byte('A'); c <= 'Z'; c++ {
			q := p
			q[j] = c
			if c != p[j] && checksPass(q, syms, checks) {
				hit(j-2, fmt.Sprintf("perhaps product letter %q should be %q", p[j], c))
			}
		}
	}
	return pos, fix, hits == 1
}

// syndromes holds, for each check, the difference between the computed and
// the written check value, and that difference run backwards through the
// CRC to each symbol. A CRC is linear, so a change to a few symbols fixes a
// check exactly when its effect equals the syndrome; testing a candidate
// then costs a few operations instead of a whole CRC.
type syndromes struct {
	n    int               // checks
	last [maxChecks]int    // last symbol each check's CRC covers
	syn  [maxChecks]uint32 // each check's syndrome
	back [maxChecks][SignedSymbols]uint32
}

const (
	maxChecks    = 2                                   // a signed Activation Code has the most
	lastShortCRC = headerSymbols - 1                   // last symbol the short check covers
	lastFullCRC  = ShortSymbols + signatureSymbols - 1 // last symbol the whole-code check covers
)

// newSyndromes computes the syndromes of syms, whose checks' CRCs end at
// the symbols checks names; each CRC runs on from the one before it.
func newSyndromes(p Product, syms []byte, checks []int) *syndromes {
	sy := &syndromes{n: len(checks)}
	reg := crc30Update(crc30Init, p[:])
	from := 0
	for k, last := range checks {
		reg = crcSymbols(reg, syms[from:last+1])
		sy.last[k] = last
		sy.syn[k] = crc30Sum(reg) ^ checkValue(syms[last+1:])
		back(&sy.back[k], last, sy.syn[k])
		from = last + 1
	}
	return sy
}

func back(dst *[SignedSymbols]uint32, last int, syn uint32) {
	for i := last; i >= 0; i-- {
		dst[i] = syn
		syn = crc30Unstep(syn)
	}
}

// substitute returns the only value of symbol i that could fix the first
// check covering it; cancelledBy then confirms it against every check.
func (sy *syndromes) substitute(i int, orig byte) (byte, bool) {
	for k, last := range sy.last[:sy.n] {
		switch {
		case i <= last: // a change in the symbol's ASCII byte
			d := crc30InvLow[byte(sy.back[k][i])]
			v := symbolValue[alphabet[orig]^d]
			return v, d != 0 && v < 32 && alphabet[v] == alphabet[orig]^d
		case i <= last+checkSymbols: // a change in a check symbol's value
			d := byte(sy.syn[k]>>(25-5*(i-last-1))) & 31
			return orig ^ d, d != 0
		}
	}
	return 0, false
}

// cancelledBy reports whether replacing the adjacent symbols olds, starting
// at pos, with news would make every check pass.
func (sy *syndromes) cancelledBy(pos int, olds, news []byte) bool {
	for k := range sy.n {
		if !cancels(sy.syn[k], &sy.back[k], sy.last[k], pos, olds, news) {
			return false
		}
	}
	return true
}

// cancels applies the test to one check, whose CRC covers symbols 0..last
// and whose check symbols follow.
func cancels(syn uint32, back *[SignedSymbols]uint32, last, pos int, olds, news []byte) bool {
	var crcDiff, checkDiff uint32
	end := -1 // last changed symbol the CRC covers
	for j := range olds {
		switch k := pos + j; {
		case k <= last:
			crcDiff = crc30Zero(crcDiff) ^ crc30Table[alphabet[olds[j]]^alphabet[news[j]]]
			end = k
		case k <= last+checkSymbols:
			checkDiff ^= uint32(olds[j]^news[j]) << (25 - 5*(k-last-1))
		}
	}
	switch {
	case end < 0:
		return checkDiff == syn
	case checkDiff != 0: // the change straddles the end of the CRC
		return end == last && crcDiff^checkDiff == syn
	default:
		return crcDiff == back[end]
	}
}

// checksPass reports whether every check of syms, whose CRCs end at the
// symbols checks names, matches.
func checksPass(p Product, syms []byte, checks []int) bool {
	reg := crc30Update(crc30Init, p[:])
	from := 0
	for _, last := range checks {
		reg = crcSymbols(reg, syms[from:last+1])
		if crc30Sum(reg) != checkValue(syms[last+1:]) {
			return false
		}
		from = last + 1
	}
	return true
}

// symbolOffset returns the byte offset in s of symbol n (-2 and -1 the
// product letters), or -1.
func symbolOffset[T ~string | ~[]byte](s T, n int) int {
	k := -2
	for i := 0; i < len(s); i++ {
		if symbolValue[s[i]] == symSeparator {
			continue
		}
		if k == n {
			return i
		}
		k++
	}
	return -1
}
