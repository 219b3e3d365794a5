package signer

import (
	"io"
	"time"

	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/formats/keyring"
)

// DefaultIssuer is the JWT iss claim unless WithIssuer says otherwise.
const DefaultIssuer = "licmint"

// Option configures a Signer.
type Option func(*Signer)

// WithCatalog signs against the vendor's catalog instead of
// catalog.Default().
func WithCatalog(c *catalog.Catalog) Option { return func(s *Signer) { s.catalog = c } }

// WithNow sets the clock that gives the issue day of a registration that
// has none. The default is time.Now; the day is taken in UTC.
func WithNow(now func() time.Time) Option { return func(s *Signer) { s.now = now } }

// WithIssuer sets the iss claim of JWT license tokens.
func WithIssuer(iss string) Option { return func(s *Signer) { s.issuer = iss } }

// WithTrustedKeys adds public keys that Renew and Replace accept codes
// from, besides the signing key's own: the retired keys of a rotation, so
// that their codes can be renewed under the new key. A trusted key under
// the signing key's id must be the signing key's public key.
func WithTrustedKeys(r *keyring.Keyring) Option { return func(s *Signer) { s.trusted = r } }

// WithRand sets the source of the random nonces in reset codes; the
// default is crypto/rand. Tests pass a fixed reader to get fixed codes.
func WithRand(r io.Reader) Option { return func(s *Signer) { s.rand = r } }
