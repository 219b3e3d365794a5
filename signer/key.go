package signer

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/licmint/licmint/formats/keyring"
)

// MaxKeyFileSize bounds an encrypted private key file; a real one is about
// 400 bytes with one recipient.
const MaxKeyFileSize = 64 << 10

// maxPlaintext bounds the decrypted key: a key-id line and a PKCS#8 PEM block.
const maxPlaintext = 4 << 10

// Key is a vendor's Ed25519 signing key and the key id that every code it
// signs carries: a private key in memory (from a key file), or any
// crypto.Signer that signs Ed25519, such as a key in a hardware security
// module (signer/hsm). Printing a Key shows its id and public key, never
// the secret: String and GoString say so, and the secret is held by a
// closure, which fmt prints as an address however it reaches it (a struct
// printed field by field, a bad verb), where a slice or pointer would be
// followed.
type Key struct {
	id  uint8
	pub ed25519.PublicKey
	// secret is the private key of a key held in memory, nil for one held
	// elsewhere, which ext signs with. Signing with secret directly keeps
	// the file key's path free of allocations.
	secret func() ed25519.PrivateKey
	ext    func() crypto.Signer
}

func (k Key) priv() ed25519.PrivateKey { return k.secret() }

func newKey(id uint8, priv ed25519.PrivateKey) *Key {
	return &Key{id: id, pub: priv.Public().(ed25519.PublicKey), secret: func() ed25519.PrivateKey { return priv }}
}

// GenerateKey returns a new random key with the given key id.
func GenerateKey(id uint8) (*Key, error) {
	var seed [ed25519.SeedSize]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("signer: reading randomness: %w", err)
	}
	defer clear(seed[:])
	return newKey(id, ed25519.NewKeyFromSeed(seed[:])), nil
}

// NewKey returns the key for an Ed25519 private key, which it copies.
func NewKey(id uint8, priv ed25519.PrivateKey) (*Key, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("signer: private key is %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	// Rebuild from the seed so that a private key whose public half does
	// not match its seed is never used.
	return newKey(id, ed25519.NewKeyFromSeed(priv.Seed())), nil
}

// NewKeyFromSigner returns the key for a crypto.Signer whose Public is an
// ed25519.PublicKey and whose Sign, given crypto.Hash(0), signs the whole
// message with Ed25519 (RFC 8032), as an ed25519.PrivateKey does and as a
// PKCS#11 token does with CKM_EDDSA. It signs a test message and checks
// the signature against Public, so that a signer whose private half is
// not Public's is refused before it signs anything: that error wraps
// ErrKeyMismatch, and one from the signer wraps ErrSigningKey.
//
// The signer must be safe for concurrent use; batch signing calls it from
// every worker. An ed25519.PrivateKey is copied and signed with directly.
func NewKeyFromSigner(id uint8, s crypto.Signer) (*Key, error) {
	if priv, ok := s.(ed25519.PrivateKey); ok {
		return NewKey(id, priv)
	}
	if s == nil {
		return nil, errors.New("signer: no signer")
	}
	pub, ok := s.Public().(ed25519.PublicKey)
	if !ok || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("signer: the signer's public key is a %T, not an Ed25519 public key", s.Public())
	}
	k := &Key{id: id, pub: bytes.Clone(pub), ext: func() crypto.Signer { return s }}
	msg := []byte("licmint: checking that the signing key's halves match")
	var sig [ed25519.SignatureSize]byte
	if err := k.sign(&sig, msg); err != nil {
		return nil, err
	}
	if !ed25519.Verify(k.pub, msg, sig[:]) {
		return nil, fmt.Errorf("%w: its signature does not verify with its public key %x", ErrKeyMismatch, []byte(k.pub))
	}
	return k, nil
}

// sign writes msg's Ed25519 signature to sig. Only a key held elsewhere
// can fail, with an error wrapping ErrSigningKey.
func (k *Key) sign(sig *[ed25519.SignatureSize]byte, msg []byte) error {
	if k.secret != nil {
		copy(sig[:], ed25519.Sign(k.secret(), msg))
		return nil
	}
	return k.extSign(sig, msg)
}

// extSign is sign's slow path, kept out of line so that sign stays small
// enough to inline and ed25519.Sign's result stays on the stack.
func (k *Key) extSign(sig *[ed25519.SignatureSize]byte, msg []byte) error {
	// A copy, so that msg does not escape through the interface call and
	// the callers' stack buffers stay on the stack.
	out, err := k.ext().Sign(nil, bytes.Clone(msg), crypto.Hash(0))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSigningKey, err)
	}
	if len(out) != ed25519.SignatureSize {
		return fmt.Errorf("%w: the signer returned %d bytes, not an Ed25519 signature of %d", ErrSigningKey, len(out), ed25519.SignatureSize)
	}
	copy(sig[:], out)
	return nil
}

// Signer returns the key as a crypto.Signer: the ed25519.PrivateKey of a
// key held in memory (which keygen --import moves into a token), or else
// the signer it was made with, whose errors then wrap ErrSigningKey.
func (k *Key) Signer() crypto.Signer {
	if k.secret != nil {
		return k.secret()
	}
	return keySigner{k}
}

type keySigner struct{ k *Key }

func (s keySigner) Public() crypto.PublicKey { return s.k.pub }

func (s keySigner) Sign(_ io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts != nil && opts.HashFunc() != crypto.Hash(0) {
		return nil, errors.New("signer: Ed25519 signs the whole message, not a digest")
	}
	var sig [ed25519.SignatureSize]byte
	if err := s.k.sign(&sig, msg); err != nil {
		return nil, err
	}
	return sig[:], nil
}

// ID returns the key id.
func (k *Key) ID() uint8 { return k.id }

// Public returns the public key with its id, as a keyring holds it.
func (k *Key) Public() keyring.Key {
	return keyring.Key{ID: k.id, Public: bytes.Clone(k.pub)}
}

// MarshalPublicPEM returns the public key file, NAME.pub.pem.
func (k *Key) MarshalPublicPEM() []byte {
	return keyring.MarshalPublicPEM(k.id, k.pub)
}

// String describes the key by its id and public key, never its secret.
func (k Key) String() string {
	return "licmint signing key " + strconv.Itoa(int(k.id)) + " (public " + fmt.Sprintf("%x", []byte(k.pub)) + ")"
}

// GoString keeps %#v from printing the secret.
func (k Key) GoString() string { return "signer.Key{" + k.String() + "}" }

// Encrypt returns the private key file, NAME.key.age: the key id and the
// PKCS#8 PEM key (keyring.MarshalPrivatePEM), encrypted with age to the
// recipients and ASCII-armored. A key held elsewhere (NewKeyFromSigner)
// has no private key to write, and gives ErrNotExportable. Give one age.ScryptRecipient for a
// passphrase, or any number of X25519 recipients for shared custody. The
// age command decrypts it and `openssl pkey` reads the result.
func (k *Key) Encrypt(recipients ...age.Recipient) ([]byte, error) {
	if len(recipients) == 0 {
		return nil, errors.New("signer: encrypting the key: no passphrase or recipient")
	}
	if k.secret == nil {
		return nil, ErrNotExportable
	}
	plain := keyring.MarshalPrivatePEM(k.id, k.priv())
	defer clear(plain)
	var out bytes.Buffer
	aw := armor.NewWriter(&out)
	w, err := age.Encrypt(aw, recipients...)
	if err != nil {
		return nil, fmt.Errorf("signer: encrypting the key: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("signer: encrypting the key: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("signer: encrypting the key: %w", err)
	}
	if err := aw.Close(); err != nil {
		return nil, fmt.Errorf("signer: encrypting the key: %w", err)
	}
	return out.Bytes(), nil
}

// DecryptKey opens a private key file that Encrypt wrote, armored or not,
// with the identities: an age.ScryptIdentity for a passphrase, or the
// holder's X25519 identities. A passphrase or identity that does not match
// gives ErrWrongSecret; anything else wrong with the file, ErrBadKeyFile.
// No error contains key material.
func DecryptKey(data []byte, identities ...age.Identity) (*Key, error) {
	if len(identities) == 0 {
		return nil, errors.New("signer: no passphrase or identity to open the key file with")
	}
	if len(data) > MaxKeyFileSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d; is this the .key.age file?", ErrBadKeyFile, len(data), MaxKeyFileSize)
	}
	var src io.Reader = bytes.NewReader(data)
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case bytes.HasPrefix(trimmed, []byte(armor.Header)):
		src = armor.NewReader(bytes.NewReader(data))
	case bytes.HasPrefix(data, []byte("age-encryption.org/")):
	case bytes.Contains(data, []byte("-----BEGIN PUBLIC KEY-----")):
		return nil, fmt.Errorf("%w: this is a public key file; signing needs the private NAME.key.age", ErrBadKeyFile)
	case bytes.Contains(data, []byte("PRIVATE KEY-----")):
		return nil, fmt.Errorf("%w: this is an unencrypted private key; licmint keeps keys encrypted with age (make one with licmint keygen)", ErrBadKeyFile)
	default:
		return nil, fmt.Errorf("%w: not an age-encrypted file", ErrBadKeyFile)
	}
	r, err := age.Decrypt(src, identities...)
	if err != nil {
		return nil, decryptError(err)
	}
	plain, err := io.ReadAll(io.LimitReader(bufio.NewReader(r), maxPlaintext+1))
	defer clear(plain)
	if err != nil {
		// The payload is authenticated chunk by chunk: a cut or altered
		// file fails here.
		return nil, fmt.Errorf("%w: damaged or truncated (%v)", ErrBadKeyFile, err)
	}
	if len(plain) > maxPlaintext {
		return nil, fmt.Errorf("%w: decrypts to more than %d bytes, not a key", ErrBadKeyFile, maxPlaintext)
	}
	id, priv, err := keyring.ParsePrivatePEM(plain)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKeyFile, err)
	}
	return newKey(id, priv), nil
}

// decryptError classifies an age error. age's messages carry no secrets.
func decryptError(err error) error {
	var nm *age.NoIdentityMatchError
	if errors.As(err, &nm) {
		scrypt := slices.Contains(nm.StanzaTypes, "scrypt")
		switch {
		case scrypt && !hasScryptError(nm):
			return fmt.Errorf("%w: this key file is encrypted with a passphrase; give the passphrase, not an identity", ErrWrongSecret)
		case scrypt:
			return fmt.Errorf("%w: the passphrase does not open this key file", ErrWrongSecret)
		case hasScryptError(nm):
			return fmt.Errorf("%w: this key file is encrypted to age recipients, not a passphrase; give an identity file", ErrWrongSecret)
		}
		return fmt.Errorf("%w: none of the identities is a recipient of this key file", ErrWrongSecret)
	}
	var ae *armor.Error
	if errors.As(err, &ae) {
		return fmt.Errorf("%w: damaged armor (%v)", ErrBadKeyFile, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: truncated", ErrBadKeyFile)
	}
	return fmt.Errorf("%w: %v", ErrBadKeyFile, err)
}

// hasScryptError reports whether a passphrase was among the identities
// tried: age says "not passphrase-encrypted" or "incorrect passphrase".
func hasScryptError(nm *age.NoIdentityMatchError) bool {
	for _, e := range nm.Errors {
		if strings.Contains(e.Error(), "passphrase") {
			return true
		}
	}
	return false
}
