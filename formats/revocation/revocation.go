// Package revocation encodes and verifies licmint's signed revocation
// lists, specified in FORMAT.md section 11.
package revocation

import (
	"crypto"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/licmint/licmint/formats"
)

// Sizes of a revocation list file.
const (
	// HeaderSize is the fixed part before the entries.
	HeaderSize = 28
	// EntrySize is one revoked serial and its generation bound.
	EntrySize = 8
	// MaxEntries bounds a list: 16 million serials, 128 MiB.
	MaxEntries = 1 << 24
	// SignatureSize is the size of the Ed25519 signature that ends a list.
	SignatureSize = 64
	// MaxSize bounds a list file: the header, MaxEntries entries and the
	// signature.
	MaxSize = HeaderSize + MaxEntries*EntrySize + SignatureSize
	// Context begins the message a list's signature covers.
	Context = "licmint/revocation-list/v1\x00"
)

var magic = [8]byte{'L', 'M', 'R', 'L', 0, 0, 0, 1}

// Outcomes of Parse, matched with errors.Is.
var (
	// ErrMalformed: not a revocation list, truncated, or with bits no
	// encoder writes.
	ErrMalformed = errors.New("malformed revocation list")
	// ErrUnknownKey: signed by a key id the keyring does not have.
	ErrUnknownKey = errors.New("revocation list signed by an unknown key")
	// ErrBadSignature: the signature does not verify: tampered, or signed
	// by another key under the same id.
	ErrBadSignature = errors.New("revocation list signature does not verify")
	// ErrWrongProduct: a list for another product.
	ErrWrongProduct = errors.New("revocation list for another product")
)

// Entry revokes the codes of Serial whose generation is below Below; Below
// 0 revokes every generation.
type Entry struct {
	Serial formats.Serial
	Below  uint8
}

// Revokes reports whether e revokes generation gen of its serial.
func (e Entry) Revokes(gen uint8) bool { return e.Below == 0 || gen < e.Below }

// List is a decoded revocation list. Its entries stay in the encoded form,
// sorted, and are searched in place, so loading a million serials costs one
// signature check and no copying.
type List struct {
	Product  formats.Product
	KeyID    uint8
	Sequence uint64
	Issued   formats.Day
	entries  []byte
	// bucket[b] is the first entry whose serial>>bucketShift is b or more:
	// a lookup then searches a dozen entries instead of a million, which
	// keeps it to a couple of cache misses.
	bucket []uint32
}

const bucketShift = 31 // 47-bit serials, 65536 buckets

// Len returns the number of entries.
func (l *List) Len() int { return len(l.entries) / EntrySize }

// Entry returns entry i, in serial order.
func (l *List) Entry(i int) Entry {
	v := binary.BigEndian.Uint64(l.entries[i*EntrySize:])
	return Entry{Serial: formats.Serial(v >> 8), Below: uint8(v)}
}

// Lookup returns the entry for serial, if the list has one. It does not
// allocate.
func (l *List) Lookup(serial formats.Serial) (Entry, bool) {
	b := uint64(serial) >> bucketShift
	if b >= uint64(len(l.bucket)-1) {
		return Entry{}, false
	}
	lo, hi := int(l.bucket[b]), int(l.bucket[b+1])
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s := binary.BigEndian.Uint64(l.entries[m*EntrySize:]) >> 8; s < uint64(serial) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < int(l.bucket[b+1]) {
		if e := l.Entry(lo); e.Serial == serial {
			return e, true
		}
	}
	return Entry{}, false
}

// Revoked reports whether the list revokes generation gen of serial.
func (l *List) Revoked(serial formats.Serial, gen uint8) bool {
	e, ok := l.Lookup(serial)
	return ok && e.Revokes(gen)
}

// Sign encodes and signs a list with an Ed25519 key (an
// ed25519.PrivateKey is a crypto.Signer). Entries may come in any order; a
// serial listed twice keeps its strictest bound (0 beats any, else the
// highest). The package takes a crypto.Signer rather than importing
// crypto/ed25519 so that a product that only reads lists does not link it.
func Sign(key crypto.Signer, keyID uint8, product formats.Product, seq uint64, issued formats.Day, entries []Entry) ([]byte, error) {
	if !product.Valid() {
		return nil, fmt.Errorf("revocation list: product code %q is not two letters", product[:])
	}
	if issued > formats.MaxDay {
		return nil, errors.New("revocation list: issue day out of range")
	}
	es := slices.Clone(entries)
	sort.Slice(es, func(i, j int) bool { return es[i].Serial < es[j].Serial })
	merged := es[:0]
	for _, e := range es {
		if e.Serial > formats.MaxSerial {
			return nil, fmt.Errorf("revocation list: serial %d has more than 14 digits", e.Serial)
		}
		if n := len(merged); n > 0 && merged[n-1].Serial == e.Serial {
			if last := &merged[n-1]; last.Below != 0 && (e.Below == 0 || e.Below > last.Below) {
				last.Below = e.Below
			}
			continue
		}
		merged = append(merged, e)
	}
	if len(merged) > MaxEntries {
		return nil, fmt.Errorf("revocation list: %d serials, more than %d", len(merged), MaxEntries)
	}
	buf := make([]byte, 0, len(Context)+HeaderSize+len(merged)*EntrySize+SignatureSize)
	buf = append(buf, Context...)
	buf = append(buf, magic[:]...)
	buf = append(buf, product[0], product[1], keyID, 0)
	buf = binary.BigEndian.AppendUint64(buf, seq)
	buf = binary.BigEndian.AppendUint16(buf, uint16(issued))
	buf = append(buf, 0, 0)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(merged)))
	for _, e := range merged {
		buf = binary.BigEndian.AppendUint64(buf, uint64(e.Serial)<<8|uint64(e.Below))
	}
	// Pure Ed25519 signs the message itself: no pre-hash.
	sig, err := key.Sign(nil, buf, crypto.Hash(0))
	if err != nil {
		return nil, fmt.Errorf("revocation list: signing: %w", err)
	}
	if len(sig) != SignatureSize {
		return nil, fmt.Errorf("revocation list: the key made a %d-byte signature; want Ed25519's %d", len(sig), SignatureSize)
	}
	buf = append(buf, sig...)
	// The context is signed, not stored.
	return buf[len(Context):], nil
}

// VerifyFunc checks sig, the list's Ed25519 signature, over the message
// context || body, with the trusted key keyID names. It returns nil,
// ErrUnknownKey for a key id it does not trust, or ErrBadSignature.
type VerifyFunc func(keyID uint8, context, body, sig []byte) error

// SizeOf returns the size of the list whose first HeaderSize bytes are
// header, from its entry count, so that a reader can stop there; ok is
// false when header is not a version 1 list's or counts more than
// MaxEntries.
func SizeOf(header []byte) (size int64, ok bool) {
	if len(header) < HeaderSize || [8]byte(header[:8]) != magic {
		return 0, false
	}
	count := binary.BigEndian.Uint32(header[24:28])
	if count > MaxEntries {
		return 0, false
	}
	return HeaderSize + int64(count)*EntrySize + SignatureSize, true
}

// Parse checks a list's shape, product (unless zero) and signature and
// returns it. The list keeps a reference to data.
func Parse(data []byte, product formats.Product, verify VerifyFunc) (*List, error) {
	if len(data) < HeaderSize+SignatureSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than any list (truncated?)", ErrMalformed, len(data))
	}
	if [8]byte(data[:8]) != magic {
		if string(data[:4]) == "LMRL" {
			return nil, fmt.Errorf("%w: format version %d; this licmint reads version 1", ErrMalformed, binary.BigEndian.Uint32(data[4:8]))
		}
		return nil, fmt.Errorf("%w: not a licmint revocation list", ErrMalformed)
	}
	l := &List{
		Product:  formats.Product{data[8], data[9]},
		KeyID:    data[10],
		Sequence: binary.BigEndian.Uint64(data[12:20]),
		Issued:   formats.Day(binary.BigEndian.Uint16(data[20:22])),
	}
	count := binary.BigEndian.Uint32(data[24:28])
	if want := HeaderSize + int64(count)*EntrySize + SignatureSize; int64(len(data)) != want {
		return nil, fmt.Errorf("%w: %d bytes, but its header promises %d entries (%d bytes): truncated or padded", ErrMalformed, len(data), count, want)
	}
	if data[11] != 0 || data[22] != 0 || data[23] != 0 || !l.Product.Valid() || l.Issued > formats.MaxDay || count > MaxEntries {
		return nil, fmt.Errorf("%w: header fields out of range", ErrMalformed)
	}
	if product != (formats.Product{}) && l.Product != product {
		return nil, fmt.Errorf("%w: list for %s, not %s", ErrWrongProduct, l.Product, product)
	}
	body, sig := data[:len(data)-SignatureSize], data[len(data)-SignatureSize:]
	if err := verify(l.KeyID, []byte(Context), body, sig); err != nil {
		switch {
		case errors.Is(err, ErrUnknownKey):
			return nil, fmt.Errorf("%w: key id %d", ErrUnknownKey, l.KeyID)
		case errors.Is(err, ErrBadSignature):
			return nil, fmt.Errorf("%w: the list was altered, or signed by an untrusted key under key id %d", ErrBadSignature, l.KeyID)
		}
		return nil, err
	}
	l.entries = body[HeaderSize:]
	// Strictly ascending serials: one encoding per list, and binary search
	// stays correct.
	l.bucket = make([]uint32, formats.MaxSerial>>bucketShift+2)
	var prev formats.Serial
	next := 0 // first bucket not yet started
	for i := range l.Len() {
		e := l.Entry(i)
		if e.Serial > formats.MaxSerial || (i > 0 && e.Serial <= prev) {
			return nil, fmt.Errorf("%w: entry %d out of order or out of range", ErrMalformed, i+1)
		}
		prev = e.Serial
		for ; next <= int(e.Serial>>bucketShift); next++ {
			l.bucket[next] = uint32(i)
		}
	}
	for ; next < len(l.bucket); next++ {
		l.bucket[next] = uint32(l.Len())
	}
	return l, nil
}
