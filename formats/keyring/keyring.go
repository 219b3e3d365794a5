// Package keyring reads and writes licmint's Ed25519 key files: public keys
// as SPKI PEM (RFC 8410) or JSON Web Keys (RFC 8037), private keys as PKCS#8
// PEM, each tagged with the key id that Activation Codes carry (FORMAT.md
// section 10).
package keyring

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
)

// MaxFileSize bounds a keyring or key file.
const MaxFileSize = 1 << 20

// ErrNoKeyID: a PEM block without the key-id line that must precede it.
var ErrNoKeyID = errors.New("no key-id line")

// Key is a trusted public key and the id codes name it by.
type Key struct {
	ID     uint8
	Public ed25519.PublicKey
}

// Keyring maps key ids to trusted public keys. It is immutable, so safe for
// concurrent use.
type Keyring struct {
	keys []Key // sorted by id, ids unique
}

// New returns a keyring of keys, which must have distinct ids and pass
// formats.CheckPublicKey: no key of small order, under which anyone could
// forge signatures, nor a non-canonical encoding.
func New(keys ...Key) (*Keyring, error) {
	r := &Keyring{}
	for _, k := range keys {
		if err := formats.CheckPublicKey(k.Public); err != nil {
			return nil, fmt.Errorf("keyring: key id %d: %w", k.ID, err)
		}
		if _, dup := r.Lookup(k.ID); dup {
			return nil, fmt.Errorf("keyring: key id %d appears twice", k.ID)
		}
		r.keys = append(r.keys, Key{ID: k.ID, Public: bytes.Clone(k.Public)})
		sort.Slice(r.keys, func(i, j int) bool { return r.keys[i].ID < r.keys[j].ID })
	}
	if len(r.keys) == 0 {
		return nil, errors.New("keyring: no keys")
	}
	return r, nil
}

// Lookup returns the public key with the given id.
func (r *Keyring) Lookup(id uint8) (ed25519.PublicKey, bool) {
	for _, k := range r.keys {
		if k.ID == id {
			return k.Public, true
		}
	}
	return nil, false
}

// Keys returns the keys, sorted by id.
func (r *Keyring) Keys() []Key {
	out := make([]Key, len(r.keys))
	for i, k := range r.keys {
		out[i] = Key{ID: k.ID, Public: bytes.Clone(k.Public)}
	}
	return out
}

// Parse reads a keyring: public key PEM blocks, each preceded by its key-id
// line, or a JSON Web Key or JWK Set. A file holding a private key is
// refused, so that secrets are never mistaken for a keyring.
func Parse(data []byte) (*Keyring, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("keyring: %d bytes, more than %d", len(data), MaxFileSize)
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		return parseJWKS(t)
	}
	return parsePEM(data)
}

// MustParse is Parse for a keyring embedded in a program's source; it
// panics if the keyring is invalid.
func MustParse(s string) *Keyring {
	r, err := Parse([]byte(s))
	if err != nil {
		panic(err)
	}
	return r
}

// parsePEM reads PEM blocks line by line (FORMAT.md section 10) rather
// than with encoding/pem, which skips a block it cannot read as if it were
// comment text, accepts headers and white space inside the base64, and so
// would read a damaged keyring as holding fewer keys without a word.
func parsePEM(data []byte) (*Keyring, error) {
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(strings.TrimSuffix(l, "\r"), " \t")
	}
	var keys []Key
	textFrom := 0 // first line of the text before the next block
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "-----END") {
			return nil, fmt.Errorf("keyring: line %d: %q with no -----BEGIN line before it", i+1, l)
		}
		typ, ok := strings.CutPrefix(l, "-----BEGIN")
		if !ok {
			continue
		}
		where := fmt.Sprintf("keyring: PEM block %d (from line %d)", len(keys)+1, textFrom+1)
		typ, ok = strings.CutSuffix(typ, "-----")
		typ, space := strings.CutPrefix(typ, " ")
		switch {
		case !ok || !space:
			return nil, fmt.Errorf("%s: %q is not a PEM BEGIN line", where, l)
		case typ != "PUBLIC KEY":
			hint := ""
			if strings.Contains(typ, "PRIVATE") {
				hint = "; this is a private key: give the public key (.pub.pem) instead"
			}
			return nil, fmt.Errorf("%s: type %q, want \"PUBLIC KEY\"%s", where, typ, hint)
		}
		id, err := keyID([]byte(strings.Join(lines[textFrom:i], "\n")))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		var b64 strings.Builder
		j := i + 1
		for ; j < len(lines) && lines[j] != "-----END PUBLIC KEY-----"; j++ {
			if lines[j] == "" || strings.Trim(lines[j], base64Chars) != "" {
				return nil, fmt.Errorf("%s: line %d is not base64: a PEM body has only base64 lines, no headers, blank lines or spaces", where, j+1)
			}
			b64.WriteString(lines[j])
		}
		if j == len(lines) {
			return nil, fmt.Errorf("%s: no -----END PUBLIC KEY----- line", where)
		}
		der, err := base64.StdEncoding.Strict().DecodeString(b64.String())
		if err != nil {
			return nil, fmt.Errorf("%s: the base64 does not decode: %v", where, err)
		}
		pub, err := parseSPKI(der)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		keys = append(keys, Key{ID: id, Public: pub})
		i, textFrom = j, j+1
	}
	if len(keys) == 0 {
		return nil, errors.New("keyring: no PEM block and no JSON: want a .pub.pem file, PEM blocks or a JWK Set")
	}
	return New(keys...)
}

const base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="

// keyID reads the last "key-id: N" line of the text before a PEM block.
func keyID(preamble []byte) (uint8, error) {
	found, id := false, uint8(0)
	for _, line := range strings.Split(string(preamble), "\n") {
		v, ok := strings.CutPrefix(strings.Trim(line, " \t\r"), "key-id:")
		if !ok {
			continue
		}
		v = strings.Trim(v, " \t")
		n, err := strconv.ParseUint(v, 10, 8)
		if err != nil {
			return 0, fmt.Errorf("key-id %q: want a number from 0 to 255", v)
		}
		found, id = true, uint8(n)
	}
	if !found {
		return 0, fmt.Errorf("%w before it (write \"key-id: N\" on the line above -----BEGIN)", ErrNoKeyID)
	}
	return id, nil
}

// The DER of an Ed25519 key is a fixed prefix and the key bytes (RFC 8410),
// so no ASN.1 parser (nor crypto/x509, which pulls in net) is needed.
var (
	spkiPrefix  = []byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}
	pkcs8Prefix = []byte{0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20}
)

func parseSPKI(der []byte) (ed25519.PublicKey, error) {
	if len(der) != len(spkiPrefix)+ed25519.PublicKeySize || !bytes.HasPrefix(der, spkiPrefix) {
		return nil, errors.New("not an Ed25519 public key (SubjectPublicKeyInfo, RFC 8410)")
	}
	pub := der[len(spkiPrefix):]
	if err := formats.CheckPublicKey(pub); err != nil {
		return nil, err
	}
	return ed25519.PublicKey(bytes.Clone(pub)), nil
}

// MarshalPublicPEM returns a public key file: the key-id line, then the
// SubjectPublicKeyInfo PEM block that `openssl pkey -pubin` reads.
func MarshalPublicPEM(id uint8, pub ed25519.PublicKey) []byte {
	der := append(bytes.Clone(spkiPrefix), pub...)
	var b bytes.Buffer
	fmt.Fprintf(&b, "key-id: %d\n", id)
	pem.Encode(&b, &pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return b.Bytes()
}

// AppendPEM appends every key as MarshalPublicPEM writes it.
func (r *Keyring) AppendPEM(dst []byte) []byte {
	for _, k := range r.keys {
		dst = append(dst, MarshalPublicPEM(k.ID, k.Public)...)
	}
	return dst
}

// MarshalPrivatePEM returns a private key file's plaintext: the key-id line,
// then the PKCS#8 PEM block that `openssl pkey` reads. Encrypt it before it
// touches a disk.
func MarshalPrivatePEM(id uint8, priv ed25519.PrivateKey) []byte {
	der := append(bytes.Clone(pkcs8Prefix), priv.Seed()...)
	var b bytes.Buffer
	fmt.Fprintf(&b, "key-id: %d\n", id)
	pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	clear(der)
	return b.Bytes()
}

// ParsePrivatePEM reads what MarshalPrivatePEM writes. Its errors never
// contain key material.
func ParsePrivatePEM(data []byte) (uint8, ed25519.PrivateKey, error) {
	if len(data) > MaxFileSize {
		return 0, nil, errors.New("private key: file too large")
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return 0, nil, errors.New("private key: no PEM block")
	}
	if block.Type != "PRIVATE KEY" {
		return 0, nil, fmt.Errorf("private key: PEM type %q, want \"PRIVATE KEY\" (PKCS#8)", block.Type)
	}
	defer clear(block.Bytes)
	i := bytes.Index(data, []byte("-----BEGIN"))
	id, err := keyID(data[:i])
	if err != nil {
		return 0, nil, fmt.Errorf("private key: %w", err)
	}
	der := block.Bytes
	if len(der) != len(pkcs8Prefix)+ed25519.SeedSize || !bytes.HasPrefix(der, pkcs8Prefix) {
		return 0, nil, errors.New("private key: not an Ed25519 PKCS#8 key (RFC 8410)")
	}
	return id, ed25519.NewKeyFromSeed(der[len(pkcs8Prefix):]), nil
}

// VerifyList checks a revocation list's signature with the keyring's key
// keyID; as a method value it is the revocation.VerifyFunc that
// revocation.Parse takes.
func (r *Keyring) VerifyList(keyID uint8, context, body, sig []byte) error {
	pub, ok := r.Lookup(keyID)
	if !ok {
		return revocation.ErrUnknownKey
	}
	msg := make([]byte, 0, len(context)+len(body))
	// formats.SmallOrderR: an R of small order is refused as libsodium
	// refuses it (FORMAT.md section 10); crypto/ed25519 accepts it.
	if formats.SmallOrderR(sig) || !ed25519.Verify(pub, append(append(msg, context...), body...), sig) {
		return revocation.ErrBadSignature
	}
	return nil
}
