package portal

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Password hashing: argon2id (RFC 9106) with the parameters OWASP's
// password storage guide recommends for it: 19 MiB of memory, 2 passes,
// one lane, a 16-byte random salt and a 32-byte hash. A hash is stored as
// the usual PHC string, which carries its parameters, so that they can be
// raised later without breaking the hashes already stored.
const (
	Argon2Memory  = 19 * 1024 // KiB
	Argon2Time    = 2
	Argon2Threads = 1
	argon2SaltLen = 16
	argon2KeyLen  = 32

	// MinPassword and MaxPassword bound a password's length in bytes; the
	// upper bound keeps the hash's cost bounded too.
	MinPassword = 10
	MaxPassword = 256
)

// hashPassword returns the PHC string of password's argon2id hash.
func hashPassword(r io.Reader, password string) (string, error) {
	salt := make([]byte, argon2SaltLen)
	if _, err := io.ReadFull(r, salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, Argon2Time, Argon2Memory, Argon2Threads, argon2KeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, Argon2Memory, Argon2Time, Argon2Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

var errBadHash = errors.New("portal: the stored password hash is not an argon2id PHC string")

// checkPassword reports whether password matches the PHC string stored.
func checkPassword(stored, password string) (bool, error) {
	parts := strings.Split(stored, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false, errBadHash
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<22 || t > 64 {
		return false, errBadHash
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 128 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when a login names no account, so that
// the answer takes as long as for a wrong password. It is made on first
// use, not at package init: every licmint command links the portal, and
// an argon2id hash (19 MiB, about 0.1 s) at start would be paid by each.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword(rand.Reader, "no account has this password")
	return h
})

// newToken returns a random token for a link or a session id, and the
// SHA-256 the ledger stores in its place.
func newToken(r io.Reader) (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token), nil
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
