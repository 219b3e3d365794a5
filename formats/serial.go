package formats

import "strconv"

// SerialDigits is the number of digits a serial is written with.
const SerialDigits = 14

// Serial is a Registration Key's serial, at most MaxSerial. A key and every
// Activation Code issued for it carry the same serial.
type Serial uint64

// String returns s as SerialDigits digits, leading zeros included, as keys,
// codes, tokens, lists and the CLI write it. A value above MaxSerial, which
// no key has, is written in full rather than cut.
func (s Serial) String() string {
	var b [20]byte // a uint64 has at most 20 digits
	return string(s.AppendText(b[:0]))
}

// AppendText appends s as String writes it, and does not allocate when
// dst has room.
func (s Serial) AppendText(dst []byte) []byte {
	var b [20]byte
	d := strconv.AppendUint(b[:0], uint64(s), 10)
	for range SerialDigits - len(d) {
		dst = append(dst, '0')
	}
	return append(dst, d...)
}
