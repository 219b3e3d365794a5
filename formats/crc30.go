package formats

// CRC-30/CDMA, as catalogued by reveng: width 30, polynomial 0x2030B9C7,
// initial value and final XOR 0x3FFFFFFF, no reflection. Any CRC of degree 16
// or more whose polynomial has a constant term catches every change confined
// to two adjacent bytes, which covers every single-symbol substitution and
// every adjacent transposition of the ASCII symbols it is computed over.
const (
	crc30Poly   = 0x2030B9C7
	crc30Init   = 0x3FFFFFFF
	crc30XorOut = 0x3FFFFFFF
	crc30Mask   = 1<<30 - 1
)

var crc30Table = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 22
		for range 8 {
			if r&(1<<29) != 0 {
				r = (r<<1 ^ crc30Poly) & crc30Mask
			} else {
				r = r << 1 & crc30Mask
			}
		}
		t[i] = r
	}
	return t
}()

// crc30Slices are crc30Table shifted into the top of a 32-bit word, and
// the tables that advance it by one to three more bytes, so that
// crc30Update can take four bytes per step (slicing-by-4): the byte-at-a-time
// loop is bound by its serial dependency and would dominate parsing.
var crc30Slices = func() (t [4][256]uint32) {
	for i := range 256 {
		t[0][i] = crc30Table[i] << 2
	}
	for k := 1; k < 4; k++ {
		for i := range 256 {
			v := t[k-1][i]
			t[k][i] = v<<8 ^ t[0][v>>24]
		}
	}
	return t
}()

// crc30Update feeds p into the CRC register reg (start from crc30Init) and
// returns the new register; crc30Sum turns a register into the checksum.
func crc30Update(reg uint32, p []byte) uint32 {
	r := reg << 2
	t := &crc30Slices
	for len(p) >= 4 {
		r ^= uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
		r = t[3][r>>24] ^ t[2][byte(r>>16)] ^ t[1][byte(r>>8)] ^ t[0][byte(r)]
		p = p[4:]
	}
	for _, b := range p {
		r = r<<8 ^ t[0][byte(r>>24)^b]
	}
	return r >> 2
}

func crc30Sum(reg uint32) uint32 { return reg ^ crc30XorOut }

// crc30InvLow inverts the low byte of the table: a polynomial with a constant
// term gives every table entry a distinct low byte.
var crc30InvLow = func() (inv [256]byte) {
	for i, v := range crc30Table {
		inv[byte(v)] = byte(i)
	}
	return inv
}()

// crc30Zero is one step of the register over a zero byte.
func crc30Zero(reg uint32) uint32 { return (reg<<8)&crc30Mask ^ crc30Table[byte(reg>>22)] }

// crc30Unstep undoes crc30Zero.
func crc30Unstep(reg uint32) uint32 {
	t := crc30InvLow[byte(reg)]
	return (reg^crc30Table[t])>>8 | uint32(t)<<22
}
