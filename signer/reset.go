package signer

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/licmint/licmint/formats"
)

// ErrBadReset: a reset code that should not be issued as asked: a bad
// product, install id or day.
var ErrBadReset = errors.New("invalid reset request")

// CheckResetCode reports why ResetCode would refuse to issue, on the day
// issued, a reset code for installID of product at remembered, whatever
// the key; it needs no key. Errors are as ResetCode's.
func CheckResetCode(product formats.Product, installID string, remembered, issued formats.Day) error {
	bad := func(field, format string, a ...any) error {
		return &FieldError{Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrBadReset}, a...)...)}
	}
	switch {
	case !product.Valid():
		return bad("product", "product code %q is not two letters A-Z", product[:])
	case formats.CheckInstallID(installID) != nil:
		return bad("install_id", "%v", formats.CheckInstallID(installID))
	case issued > formats.MaxDay:
		return bad("issued", "day %d is not a date", issued)
	case remembered > formats.MaxDay:
		return bad("remembered", "day %d is not a date", remembered)
	case remembered <= issued:
		return bad("remembered", "%s is not after the issue day %s: an install that remembers it was not locked by a clock set ahead; its clock needs setting right instead", remembered, issued)
	}
	return nil
}

// ResetCode signs a reset code (FORMAT.md section 16) that lets the
// install installID of product clear the clock_rollback lock at
// remembered, the day its verifier says it has seen, once. The code is
// issued today by the signer's clock and carries a random nonce
// (WithRand), so two codes for the same install and day differ.
//
// The remembered day must be after the issue day: an install that
// remembers a day no later than the true date was not locked by a clock
// set ahead, and its clock, not its state, needs fixing. Errors are
// *FieldError values, field product, install_id, remembered or issued,
// wrapping ErrBadReset.
func (s *Signer) ResetCode(product formats.Product, installID string, remembered formats.Day) (formats.ResetCode, error) {
	issued, err := formats.DayOf(s.now())
	if err != nil {
		return formats.ResetCode{}, &FieldError{Field: "issued", Err: fmt.Errorf("%w: %v", ErrBadReset, err)}
	}
	if err := CheckResetCode(product, installID, remembered, issued); err != nil {
		return formats.ResetCode{}, err
	}
	r := s.rand
	if r == nil {
		r = rand.Reader
	}
	var nonce [4]byte
	if _, err := io.ReadFull(r, nonce[:]); err != nil {
		return formats.ResetCode{}, fmt.Errorf("signer: reading randomness: %w", err)
	}
	c := formats.ResetCode{Product: product, Version: formats.ResetVersion, KeyID: s.key.id,
		Remembered: remembered, Issued: issued, Nonce: binary.BigEndian.Uint32(nonce[:])}
	var buf [formats.MaxResetMessageLen]byte
	msg, err := c.AppendMessage(buf[:0], installID)
	if err != nil {
		return formats.ResetCode{}, err // unreachable: every field was checked above
	}
	if err := s.key.sign(&c.Signature, msg); err != nil {
		return formats.ResetCode{}, err
	}
	return c, nil
}
