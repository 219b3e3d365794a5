//go:build !cgo

package hsm

import (
	"crypto"
	"crypto/ed25519"
	"io"
)

// Supported reports whether this build can reach PKCS#11 tokens: it
// cannot, as it was built without cgo.
const Supported = false

// Key stands in for a key in a token; without cgo none can be opened.
type Key struct{}

func unsupported(u *URI) error { return &Error{Key: u.Name(), Err: ErrNotSupported} }

// Open gives ErrNotSupported: this build has no PKCS#11 support.
func Open(u *URI, pin string) (*Key, error) { return nil, unsupported(u) }

// Generate gives ErrNotSupported: this build has no PKCS#11 support.
func Generate(u *URI, pin string, kid uint8) (*Key, error) { return nil, unsupported(u) }

// Import gives ErrNotSupported: this build has no PKCS#11 support.
func Import(u *URI, pin string, kid uint8, priv ed25519.PrivateKey) (*Key, error) {
	return nil, unsupported(u)
}

// Public returns nil.
func (k *Key) Public() crypto.PublicKey { return nil }

// KeyID returns no key id.
func (k *Key) KeyID() (uint8, bool) { return 0, false }

// Sign gives ErrNotSupported.
func (k *Key) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, ErrNotSupported
}

// Protection gives ErrNotSupported.
func (k *Key) Protection() (Protection, error) { return Protection{}, ErrNotSupported }

// Close does nothing.
func (k *Key) Close() error { return nil }
