package licjwt_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzVerifyToken checks that Verify never panics and accepts only tokens
// whose EdDSA signature verifies under the trusted test key.
func FuzzVerifyToken(f *testing.F) {
	good := signToken(f, jwt.SigningMethodEdDSA, testKey, "1", licenseClaims())
	f.Add(good)
	f.Add(signToken(f, jwt.SigningMethodHS256, []byte(testPub), "1", licenseClaims()))
	f.Add(signToken(f, jwt.SigningMethodEdDSA, otherKey, "1", licenseClaims()))
	f.Add(good[:len(good)/2])
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("..")
	_, tv := newVerifiers(f, issued)
	f.Fuzz(func(t *testing.T, token string) {
		l, err := tv.Verify(token)
		if err != nil {
			return
		}
		parts := strings.Split(strings.TrimSpace(token), ".")
		sig, derr := base64.RawURLEncoding.DecodeString(parts[2])
		if derr != nil || !ed25519.Verify(testPub, []byte(parts[0]+"."+parts[1]), sig) {
			t.Fatalf("accepted a token the test key did not sign: %q", token)
		}
		if l.Serial != 31415926535897 {
			t.Fatalf("accepted token gives serial %d", l.Serial)
		}
	})
}
