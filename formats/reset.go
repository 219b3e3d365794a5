package formats

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
)

// Reset code sizes, per FORMAT.md section 16.
const (
	// ResetVersion is the only reset code layout this package knows.
	ResetVersion = 1
	// ResetHeaderSize is the reset code's header, 80 bits, as it appears
	// in the signed message.
	ResetHeaderSize = 10
	// ResetSymbols is the number of base32 symbols after the product code:
	// 16 of header, 103 of signature, then 6 check symbols.
	ResetSymbols = resetHeaderSymbols + signatureSymbols + checkSymbols
	// ResetLen is the length of the canonical form: the product code, then
	// the symbols in 25 groups of five, each after a hyphen.
	ResetLen = 2 + ResetSymbols + ResetSymbols/5
	// MaxResetMessageLen bounds the message that a reset code signs.
	MaxResetMessageLen = len(ContextResetCode) + 2 + ResetHeaderSize + MaxInstallIDLen

	resetHeaderSymbols = 16
	lastResetCRC       = resetHeaderSymbols + signatureSymbols - 1 // last symbol the check covers
)

// ContextResetCode begins the message a reset code signs (FORMAT.md
// section 5), so that no other signed object can pass for a reset code.
const ContextResetCode = "licmint/reset-code/v1\x00"

const resetKind = "reset code"

var resetForm = textForm{kind: resetKind, a: "a reset code", longest: ResetSymbols,
	checks: []int{lastResetCRC}, position: resetPosition}

// ResetCode lets one install's verifier forget a time its clock once
// showed (FORMAT.md section 16): after a clock set far ahead, the state a
// product keeps reports every correct day as a clock rollback, and a reset
// code from the vendor clears that, once, for one install and one day.
type ResetCode struct {
	Product Product
	// Version is ResetVersion in every code this package encodes.
	Version uint8
	// KeyID names the signing key in the verifier's keyring.
	KeyID uint8
	// Remembered is the day whose lock the code clears: the day of the
	// latest time the install's state has seen.
	Remembered Day
	// Issued is the day the vendor issued the code; the install's clock is
	// taken to be at least that day after the reset.
	Issued Day
	// Nonce makes two codes for the same install and day differ, so that
	// each is accepted once.
	Nonce     uint32
	Signature [SignatureSize]byte
}

// headerBytes is the header as it appears in the signed message: version
// (4 bits), key id (8), remembered day (16), issue day (16), nonce (32) and
// 4 reserved zero bits.
func (c *ResetCode) headerBytes() (out [ResetHeaderSize]byte) {
	hi := uint64(c.Version&15)<<60 | uint64(c.KeyID)<<52 | uint64(c.Remembered)<<36 |
		uint64(c.Issued)<<20 | uint64(c.Nonce)>>12
	binary.BigEndian.PutUint64(out[:8], hi)
	binary.BigEndian.PutUint16(out[8:], uint16(c.Nonce&0xFFF)<<4)
	return out
}

// decodeResetHeader reads the header bits; reserved reports the 4
// reserved bits.
func decodeResetHeader(p Product, b *[ResetHeaderSize]byte) (c ResetCode, reserved uint8) {
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint16(b[8:])
	c = ResetCode{
		Product:    p,
		Version:    uint8(hi >> 60),
		KeyID:      uint8(hi >> 52),
		Remembered: Day(hi >> 36),
		Issued:     Day(hi >> 20),
		Nonce:      uint32(hi&0xFFFFF)<<12 | uint32(lo>>4),
	}
	return c, uint8(lo & 15)
}

// validate returns the sentinel and a description of the first rule c
// breaks, or nil; decoding and encoding share it.
func (c *ResetCode) validate() (msg string, err error) {
	switch {
	case c.Version != ResetVersion:
		return fmt.Sprintf("reset code version %d; this licmint reads version %d", c.Version, ResetVersion), ErrUnknownVersion
	case !c.Product.Valid():
		return fmt.Sprintf("product code %q is not two letters A-Z", c.Product.String()), ErrMalformed
	case c.Remembered > MaxDay:
		return "remembered day is not a date", ErrMalformed
	case c.Issued > MaxDay:
		return "issue day is not a date", ErrMalformed
	}
	return "", nil
}

// Validate reports whether c can be encoded.
func (c *ResetCode) Validate() error {
	if msg, err := c.validate(); err != nil {
		return &FormatError{Kind: resetKind, Err: err, Msg: msg}
	}
	return nil
}

// AppendMessage appends the message that the code's Ed25519 signature
// covers (FORMAT.md section 16.2): the context string, the product code,
// the header bytes and the install id, which every reset code is bound to.
func (c *ResetCode) AppendMessage(dst []byte, installID string) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return dst, err
	}
	if err := CheckInstallID(installID); err != nil {
		return dst, err
	}
	hb := c.headerBytes()
	dst = append(dst, ContextResetCode...)
	dst = append(dst, c.Product[0], c.Product[1])
	dst = append(dst, hb[:]...)
	return append(dst, installID...), nil
}

// ID identifies the code in a verifier's state, which records the codes
// it accepted (FORMAT.md section 13): its header bytes in lower-case hex.
// Two codes the vendor issues differ in their nonce, so they have
// different ids.
func (c *ResetCode) ID() string {
	hb := c.headerBytes()
	return hex.EncodeToString(hb[:])
}

// AppendText appends the canonical form of c.
func (c *ResetCode) AppendText(dst []byte) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return dst, err
	}
	var a [ResetSymbols]byte
	hb := c.headerBytes()
	unpackText(a[:resetHeaderSymbols], hb[:])
	unpackText(a[resetHeaderSymbols:lastResetCRC+1], c.Signature[:])
	reg := crc30Update(crc30Init, c.Product[:])
	reg = crc30Update(reg, a[:lastResetCRC+1])
	putCheckText(a[lastResetCRC+1:], crc30Sum(reg))
	dst = slices.Grow(dst, ResetLen)
	dst = append(dst, c.Product[0], c.Product[1])
	for i := 0; i < len(a); i += 5 {
		dst = append(dst, '-')
		dst = append(dst, a[i:i+5]...)
	}
	return dst, nil
}

// String returns the canonical form, or a description of why c is invalid.
func (c ResetCode) String() string {
	b, err := c.AppendText(make([]byte, 0, ResetLen))
	if err != nil {
		return "<invalid: " + err.Error() + ">"
	}
	return string(b)
}

// MarshalText implements encoding.TextMarshaler.
func (c ResetCode) MarshalText() ([]byte, error) { return c.AppendText(nil) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseResetCode
// for any product.
func (c *ResetCode) UnmarshalText(b []byte) error {
	v, err := parseReset(b, Product{})
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ParseResetCode decodes a reset code for product (any product if zero)
// without checking its signature. Like ParseSigned it accepts any case,
// separators anywhere and Crockford's aliases, and reports a mistyped
// character, located where it can be, as ErrTypo before anything else is
// decoded. An Activation Code given instead is ErrMalformed, another
// product's reset code ErrWrongProduct.
func ParseResetCode(s string, product Product) (ResetCode, error) {
	return parseReset(s, product)
}

func parseReset[T ~string | ~[]byte](s T, product Product) (ResetCode, error) {
	var c ResetCode
	if len(s) > MaxInputLen {
		return c, &FormatError{Kind: resetKind, Err: ErrMalformed,
			Msg:  fmt.Sprintf("input is %d bytes, more than %d", len(s), MaxInputLen),
			Hint: "give one reset code"}
	}
	var syms, text [SignedSymbols]byte
	var p Product
	n, fe := scanSymbols(s, &resetForm, &p, &syms, &text)
	if fe != nil {
		return c, fe
	}
	switch n {
	case ResetSymbols:
	case ShortSymbols, SignedSymbols:
		return c, &FormatError{Kind: resetKind, Err: ErrMalformed,
			Msg:  "this is an activation code, not a reset code",
			Hint: fmt.Sprintf("give the %d-character reset code the vendor issued for this install", ResetLen)}
	default:
		hint := "check that the whole code was copied"
		switch n {
		case ResetSymbols - 1:
			hint = "one character is missing"
		case ResetSymbols + 1:
			hint = "one character too many"
		}
		return c, &FormatError{Kind: resetKind, Err: ErrMalformed, Hint: hint,
			Msg: fmt.Sprintf("%d symbols after the product code; a reset code has %d", n, ResetSymbols)}
	}

	reg := crc30Update(crc30Init, p[:])
	reg = crc30Update(reg, text[:lastResetCRC+1])
	if crc30Sum(reg) != checkValue(syms[lastResetCRC+1:]) {
		return c, typoError(s, p, syms[:n], &resetForm)
	}

	const hint = "this reset code was not made by a licmint encoder"
	var hb [ResetHeaderSize]byte
	packSymbols(hb[:], syms[:resetHeaderSymbols])
	c, reserved := decodeResetHeader(p, &hb)
	if msg, err := c.validate(); err != nil {
		h := hint
		if err == ErrUnknownVersion {
			h = "a newer licmint may read it"
		}
		return ResetCode{}, &FormatError{Kind: resetKind, Err: err, Msg: msg, Hint: h}
	}
	if reserved != 0 {
		return ResetCode{}, &FormatError{Kind: resetKind, Err: ErrMalformed, Msg: "reserved header bits are set", Hint: hint}
	}
	var sb [SignatureSize + 1]byte
	packSymbols(sb[:], syms[resetHeaderSymbols:lastResetCRC+1])
	if sb[SignatureSize] != 0 {
		return ResetCode{}, &FormatError{Kind: resetKind, Err: ErrMalformed, Msg: "the signature's 3 spare bits are not zero", Hint: hint}
	}
	copy(c.Signature[:], sb[:SignatureSize])
	if product != (Product{}) && product != c.Product {
		e := &FormatError{Kind: resetKind, Err: ErrWrongProduct, Group: 1, Char: 1,
			Msg:  fmt.Sprintf("this reset code is for product %s, not %s", c.Product, product),
			Hint: fmt.Sprintf("give a reset code for %s", product)}
		e.Line, e.Column = lineColumn(s, symbolOffset(s, -2))
		return ResetCode{}, e
	}
	return c, nil
}

// resetPosition maps symbol index n (-2 and -1 the product letters) to its
// group and character in the canonical form.
func resetPosition(n int) (group, char int) {
	if n < 0 {
		return 1, n + 3
	}
	return 2 + n/5, n%5 + 1
}
