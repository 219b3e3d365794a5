// Package renewseal makes renewal requests (FORMAT.md section 12, package
// formats/renewal) in a product and seals them with age, so that a
// product's install id reaches only the vendor. It is apart from the core
// verifier, which stays free of age.
package renewseal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/renewal"
)

// NewRequest makes a renewal request for a signed code, as a product does
// when its customer renews offline.
func NewRequest(code, installID string, now time.Time) (renewal.Request, error) {
	c, err := formats.ParseSigned(code, formats.Product{})
	if err != nil {
		return renewal.Request{}, err
	}
	r := renewal.Request{Code: c, Time: now.UTC().Truncate(time.Second)}
	if c.Bound {
		r.InstallID = installID
	}
	return r, nil
}

// Seal returns the request encrypted to recipients, ASCII-armored so that it
// can travel in an e-mail.
func Seal(r renewal.Request, recipients ...age.Recipient) ([]byte, error) {
	text, err := r.MarshalText()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	aw := armor.NewWriter(&out)
	w, err := age.Encrypt(aw, recipients...)
	if err != nil {
		return nil, fmt.Errorf("sealing renewal request: %w", err)
	}
	if _, err := w.Write(text); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Open reads a request, decrypting it with identities if it is sealed. A
// plain request needs no identity.
func Open(data []byte, identities ...age.Identity) (renewal.Request, error) {
	if !bytes.Contains(data, []byte(armor.Header)) {
		return renewal.Parse(data)
	}
	if len(identities) == 0 {
		return renewal.Request{}, errors.New("renewal request is encrypted: give the vendor's age identity")
	}
	start := bytes.Index(data, []byte(armor.Header))
	r, err := age.Decrypt(armor.NewReader(bytes.NewReader(data[start:])), identities...)
	if err != nil {
		return renewal.Request{}, fmt.Errorf("decrypting renewal request: %w", err)
	}
	text, err := io.ReadAll(io.LimitReader(r, renewal.MaxSize*4+1))
	if err != nil {
		return renewal.Request{}, fmt.Errorf("decrypting renewal request: %w", err)
	}
	return renewal.Parse(text)
}
