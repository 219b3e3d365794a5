package formats

// alphabet is Crockford's base32 alphabet: digits and upper-case letters
// without I, L, O and U.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

const (
	symInvalid   = 0xFF // not a symbol, not a separator
	symSeparator = 0xFE // whitespace or hyphen, skipped between symbols
)

// symbolValue maps an input byte to its 5-bit value, symSeparator or
// symInvalid. Crockford's aliases fold O to 0 and I and L to 1; U is
// deliberately invalid.
var symbolValue = func() (t [256]byte) {
	for i := range t {
		t[i] = symInvalid
	}
	for v := 0; v < len(alphabet); v++ {
		c := alphabet[v]
		t[c] = byte(v)
		if c >= 'A' && c <= 'Z' {
			t[c+'a'-'A'] = byte(v)
		}
	}
	t['O'], t['o'] = 0, 0
	t['I'], t['i'], t['L'], t['l'] = 1, 1, 1, 1
	for _, c := range []byte{' ', '\t', '\r', '\n', '-'} {
		t[c] = symSeparator
	}
	return t
}()

// packSymbols writes the 5-bit values of syms into dst, most significant bit
// first, and zeroes any bits left over in the last byte. dst must hold
// (5*len(syms)+7)/8 bytes.
func packSymbols(dst, syms []byte) {
	// Eight symbols make five whole bytes.
	for len(syms) >= 8 {
		var acc uint64
		for _, s := range syms[:8] {
			acc = acc<<5 | uint64(s&31)
		}
		dst[0], dst[1], dst[2], dst[3], dst[4] = byte(acc>>32), byte(acc>>24), byte(acc>>16), byte(acc>>8), byte(acc)
		dst, syms = dst[5:], syms[8:]
	}
	var acc uint64
	var n uint
	j := 0
	for _, s := range syms {
		acc = acc<<5 | uint64(s&31)
		n += 5
		if n >= 8 {
			n -= 8
			dst[j] = byte(acc >> n)
			j++
		}
	}
	if n > 0 {
		dst[j] = byte(acc << (8 - n))
	}
}

// unpackText splits src into len(dst) 5-bit values, most significant bit
// first, and writes each as its canonical character; bits of src past
// 5*len(dst) are ignored, missing bits read as zero.
func unpackText(dst, src []byte) {
	for len(dst) >= 8 && len(src) >= 5 {
		acc := uint64(src[0])<<32 | uint64(src[1])<<24 | uint64(src[2])<<16 | uint64(src[3])<<8 | uint64(src[4])
		for i := range 8 {
			dst[i] = alphabet[acc>>(35-5*i)&31]
		}
		dst, src = dst[8:], src[5:]
	}
	var acc uint64
	var n uint
	j := 0
	for i := range dst {
		if n < 5 {
			var b byte
			if j < len(src) {
				b = src[j]
			}
			j++
			acc = acc<<8 | uint64(b)
			n += 8
		}
		n -= 5
		dst[i] = alphabet[acc>>n&31]
	}
}
