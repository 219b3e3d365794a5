package formats

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Activation Code sizes, per FORMAT.md sections 3 and 4.
const (
	// FormatVersion is the only Activation Code layout this package knows.
	FormatVersion = 1
	// ShortSymbols is the number of base32 symbols in the short form: 23
	// of header, then 6 check symbols.
	ShortSymbols = headerSymbols + checkSymbols
	// SignedSymbols is the number of symbols in the signed form: the short
	// form, 103 of signature, then 6 check symbols over the whole code.
	SignedSymbols = ShortSymbols + signatureSymbols + checkSymbols
	// ShortLen is the length of the canonical short form,
	// PC-XXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX.
	ShortLen = 2 + ShortSymbols + 6
	// SignedLen is the length of the canonical signed form.
	SignedLen = 2 + 1 + SignedSymbols + (SignedSymbols-4+4)/5
	// SignatureSize is the size of an Ed25519 signature.
	SignatureSize = 64
	// HeaderSize is the size of the header as it appears in the signed
	// message: 115 bits and 5 zero bits.
	HeaderSize = 15
	// MaxInstallIDLen bounds the install id of an install-bound code.
	MaxInstallIDLen = 255
	// MaxMessageLen bounds the message that AppendMessage produces.
	MaxMessageLen = len(ContextActivationCode) + 2 + HeaderSize + MaxInstallIDLen

	headerSymbols    = 23
	checkSymbols     = 6
	signatureSymbols = 103 // 515 bits: 512 of signature, 3 zero
)

// ContextActivationCode begins the message an Activation Code signs. Every
// signed object type has its own context string (FORMAT.md section 5), so a
// signature over one can never be replayed as another.
const ContextActivationCode = "licmint/activation-code/v1\x00"

// MaxGeneration is the largest generation, the count of replacements.
const MaxGeneration = 255

const acKind = "activation code"

// Header is what the short form carries: everything about a license except
// its signature.
type Header struct {
	Product Product
	// Version is FormatVersion in every code this package encodes.
	Version uint8
	// KeyID names the signing key in the verifier's keyring.
	KeyID uint8
	// Edition is the edition number from the vendor's catalog.
	Edition uint8
	Trial   bool
	// Bound marks an install-bound code: its signature also covers an
	// install id that the verifier supplies.
	Bound bool
	// Generation counts replacements: a stolen code's replacement has a
	// higher generation than the code it replaces.
	Generation uint8
	// Issued is the day the code was issued; Expires the first day it no
	// longer covers, or Perpetual.
	Issued, Expires Day
	// Serial is the Registration Key's serial, at most MaxSerial.
	Serial Serial
}

// ActivationCode is a decoded Activation Code in either form.
type ActivationCode struct {
	Header
	// Signed is false for a short form, which has no signature.
	Signed    bool
	Signature [SignatureSize]byte
}

// Bit layout of the 115 header bits, most significant first (FORMAT.md 3.1).
// The first 64 bits are one word, the remaining 51 the top of another.
func (h *Header) words() (hi, lo uint64) {
	b := func(v bool) uint64 {
		if v {
			return 1
		}
		return 0
	}
	hi = uint64(h.Version&15)<<60 | uint64(h.KeyID)<<52 | uint64(h.Edition)<<44 |
		b(h.Trial)<<43 | b(h.Bound)<<42 | uint64(h.Generation)<<34 |
		uint64(h.Issued)<<18 | uint64(h.Expires)<<2 | uint64(h.Serial)>>45&3
	lo = (uint64(h.Serial) & (1<<45 - 1)) << 19 // then 6 reserved zero bits
	return hi, lo
}

// headerBytes is the header as it appears in the signed message.
func (h *Header) headerBytes() (out [HeaderSize]byte) {
	hi, lo := h.words()
	binary.BigEndian.PutUint64(out[:8], hi)
	var l [8]byte
	binary.BigEndian.PutUint64(l[:], lo)
	copy(out[8:], l[:7])
	return out
}

// decodeHeader reads the header bits; reserved reports the 6 reserved bits.
func decodeHeader(p Product, b *[HeaderSize]byte) (h Header, reserved uint8) {
	hi := binary.BigEndian.Uint64(b[:8])
	var l [8]byte
	copy(l[:7], b[8:])
	lo := binary.BigEndian.Uint64(l[:])
	h = Header{
		Product:    p,
		Version:    uint8(hi >> 60),
		KeyID:      uint8(hi >> 52),
		Edition:    uint8(hi >> 44),
		Trial:      hi>>43&1 == 1,
		Bound:      hi>>42&1 == 1,
		Generation: uint8(hi >> 34),
		Issued:     Day(hi >> 18),
		Expires:    Day(hi >> 2),
		Serial:     Serial((hi&3)<<45 | lo>>19),
	}
	return h, uint8(lo>>13) & 63
}

// validate returns the sentinel and a description of the first rule h
// breaks, or nil. Decoding and encoding share it, so that nothing encodes
// that would not decode.
func (h *Header) validate() (msg string, err error) {
	switch {
	case h.Version != FormatVersion:
		return fmt.Sprintf("format version %d; this licmint reads version %d", h.Version, FormatVersion), ErrUnknownVersion
	case !h.Product.Valid():
		return fmt.Sprintf("product code %q is not two letters A-Z", h.Product.String()), ErrMalformed
	case h.Serial > MaxSerial:
		return fmt.Sprintf("serial %d has more than 14 digits", h.Serial), ErrMalformed
	case h.Issued > MaxDay:
		return "issue day is not a date", ErrMalformed
	case h.Expires != Perpetual && h.Expires <= h.Issued:
		return fmt.Sprintf("expires %s, not after issued %s", h.Expires, h.Issued), ErrMalformed
	}
	return "", nil
}

// Validate reports whether h can be encoded.
func (h *Header) Validate() error {
	if msg, err := h.validate(); err != nil {
		return &FormatError{Kind: acKind, Err: err, Msg: msg}
	}
	return nil
}

// AppendMessage appends the message that the code's Ed25519 signature covers
// (FORMAT.md section 4.2): the context string, the product code, the header
// bytes and, for an install-bound code, installID. An unbound code ignores
// installID.
func (h *Header) AppendMessage(dst []byte, installID string) ([]byte, error) {
	if err := h.Validate(); err != nil {
		return dst, err
	}
	if h.Bound {
		if err := CheckInstallID(installID); err != nil {
			return dst, err
		}
	}
	hb := h.headerBytes()
	dst = append(dst, ContextActivationCode...)
	dst = append(dst, h.Product[0], h.Product[1])
	dst = append(dst, hb[:]...)
	if h.Bound {
		dst = append(dst, installID...)
	}
	return dst, nil
}

// text writes the code's symbols as canonical characters: the short form,
// then for a signed code the signature and the whole-code check. It returns
// how many it wrote. The checks are computed over the same characters.
func (c *ActivationCode) text(a *[SignedSymbols]byte) int {
	hb := c.headerBytes()
	unpackText(a[:headerSymbols], hb[:])
	reg := crc30Update(crc30Init, c.Product[:])
	reg = crc30Update(reg, a[:headerSymbols])
	putCheckText(a[headerSymbols:ShortSymbols], crc30Sum(reg))
	if !c.Signed {
		return ShortSymbols
	}
	unpackText(a[ShortSymbols:ShortSymbols+signatureSymbols], c.Signature[:])
	reg = crc30Update(reg, a[headerSymbols:ShortSymbols+signatureSymbols])
	putCheckText(a[ShortSymbols+signatureSymbols:], crc30Sum(reg))
	return SignedSymbols
}

// AppendShort appends the canonical short form of h.
func (h *Header) AppendShort(dst []byte) ([]byte, error) {
	c := ActivationCode{Header: *h}
	return c.AppendText(dst)
}

// AppendText appends the canonical form of c: the signed form if c.Signed,
// else the short form. It does not allocate if dst has room.
func (c *ActivationCode) AppendText(dst []byte) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return dst, err
	}
	var a [SignedSymbols]byte
	n := c.text(&a)
	dst = slices.Grow(dst, 3+n+n/5)
	dst = append(dst, c.Product[0], c.Product[1], '-')
	dst = append(dst, a[:4]...)
	for i := 4; i < n; i += 5 {
		dst = append(dst, '-')
		dst = append(dst, a[i:min(i+5, n)]...)
	}
	return dst, nil
}

// String returns the canonical form, or a description of why c is invalid.
func (c ActivationCode) String() string {
	b, err := c.AppendText(make([]byte, 0, SignedLen))
	if err != nil {
		return "<invalid: " + err.Error() + ">"
	}
	return string(b)
}

// ShortForm returns the canonical short form, the first ShortLen characters
// of the signed form, which support staff quote.
func (c ActivationCode) ShortForm() string {
	b, err := c.Header.AppendShort(make([]byte, 0, ShortLen))
	if err != nil {
		return "<invalid: " + err.Error() + ">"
	}
	return string(b)
}

// MarshalText implements encoding.TextMarshaler.
func (c ActivationCode) MarshalText() ([]byte, error) { return c.AppendText(nil) }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts either form.
func (c *ActivationCode) UnmarshalText(b []byte) error {
	v, err := parseAC(b, false, Product{})
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// crcSymbols feeds the ASCII spelling of syms into a CRC-30 register.
func crcSymbols(reg uint32, syms []byte) uint32 {
	var ascii [SignedSymbols]byte
	for i, v := range syms {
		ascii[i] = alphabet[v&31]
	}
	return crc30Update(reg, ascii[:len(syms)])
}

// putCheckText writes a checksum as six canonical characters.
func putCheckText(dst []byte, sum uint32) {
	for i := range dst[:checkSymbols] {
		dst[i] = alphabet[sum>>(25-5*i)&31]
	}
}

func checkValue(syms []byte) uint32 {
	var v uint32
	for _, s := range syms[:checkSymbols] {
		v = v<<5 | uint32(s)
	}
	return v
}

// CheckInstallID reports whether id can bind a code (FORMAT.md section 4.2):
// 1 to MaxInstallIDLen bytes, no NUL byte, with no space, tab, CR or LF at
// either end. NUL is refused because C products pass the id as a
// NUL-terminated string: a code bound to an id with one could be verified
// by a Go product and never by a C one.
func CheckInstallID(id string) error {
	if len(id) == 0 || len(id) > MaxInstallIDLen {
		return fmt.Errorf("install id is %d bytes; an install-bound code needs 1 to %d", len(id), MaxInstallIDLen)
	}
	if strings.IndexByte(id, 0) >= 0 {
		return errors.New("install id contains a NUL byte, which a C string cannot carry")
	}
	if isSpaceOrLineEnd(id[0]) || isSpaceOrLineEnd(id[len(id)-1]) {
		return fmt.Errorf("install id %q begins or ends with white space, which copying could lose; products must pass it trimmed", id)
	}
	return nil
}

// isSpaceOrLineEnd reports a space, tab, CR or LF: what copying an install
// id may add or drop at its ends.
func isSpaceOrLineEnd(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
