package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
)

// ---- Key files (FORMAT.md section 10) ----

func genKeyFiles() {
	pub1 := testPriv().Public().(ed25519.PublicKey)
	pub2 := ed25519.NewKeyFromSeed(otherSeed[:]).Public().(ed25519.PublicKey)
	spki := func(pub []byte) []byte {
		return append([]byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}, pub...)
	}
	pemText := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	pubFile := func(id int, pub []byte) string {
		return fmt.Sprintf("key-id: %d\n", id) + pemText("PUBLIC KEY", spki(pub))
	}
	b64 := base64.RawURLEncoding.EncodeToString
	jwk := func(id int, pub []byte) string {
		return fmt.Sprintf(`{
      "kty": "OKP",
      "crv": "Ed25519",
      "x": %q,
      "kid": "%d",
      "alg": "EdDSA",
      "use": "sig"
    }`, b64(pub), id)
	}
	type key struct {
		KeyID     int    `json:"key_id"`
		PublicHex string `json:"public_key_hex"`
	}
	type vec struct {
		Comment string `json:"comment"`
		Text    string `json:"text"`
		Keys    []key  `json:"keys"`
		// Canonical names how licmint writes this text exactly: "pem"
		// (each key's public key file, in key id order) or "jwks".
		Canonical string `json:"canonical,omitempty"`
	}
	k1, k2 := key{1, hex.EncodeToString(pub1)}, key{2, hex.EncodeToString(pub2)}
	valid := []vec{
		{"public key file (NAME.pub.pem)", pubFile(1, pub1), []key{k1}, "pem"},
		{"keyring: two public key files concatenated", pubFile(1, pub1) + pubFile(2, pub2), []key{k1, k2}, "pem"},
		{"keyring with comments, CRLF line ends and keys out of order; the last key-id line before a block counts",
			strings.ReplaceAll("# Example product keyring\nkey-id: 7\n"+pubFile(2, pub2)+"\nrotated 2027:\n"+pubFile(1, pub1), "\n", "\r\n"),
			[]key{k1, k2}, ""},
		{"JWK Set", "{\n  \"keys\": [\n    " + jwk(1, pub1) + ",\n    " + jwk(2, pub2) + "\n  ]\n}", []key{k1, k2}, "jwks"},
		{"a single JWK, without alg and use", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "0", "x": %q}`, b64(pub2)), []key{{0, k2.PublicHex}}, ""},
	}
	type privVec struct {
		Comment string `json:"comment"`
		Text    string `json:"text"`
		KeyID   int    `json:"key_id"`
		SeedHex string `json:"seed_hex"`
	}
	pkcs8 := append([]byte{0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20}, testSeed[:]...)
	private := []privVec{{"the TEST ONLY private key as it is before age encryption (NAME.key.age decrypts to this)",
		"key-id: 1\n" + pemText("PRIVATE KEY", pkcs8), 1, hex.EncodeToString(testSeed[:])}}
	type badVec struct {
		Comment string `json:"comment"`
		Text    string `json:"text"`
		Error   string `json:"error"`
	}
	x25519 := append([]byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00}, pub1...)
	bad := []badVec{
		{"no key-id line", pemText("PUBLIC KEY", spki(pub1)), "no_key_id"},
		{"key-id 256", "key-id: 256\n" + pemText("PUBLIC KEY", spki(pub1)), "invalid"},
		{"the same key id twice", pubFile(1, pub1) + pubFile(1, pub2), "invalid"},
		{"a private key given as a keyring", private[0].Text, "invalid"},
		{"an X25519 key, not Ed25519", "key-id: 1\n" + pemText("PUBLIC KEY", x25519), "invalid"},
		{"no PEM block and no JSON", "key-id: 1\n", "invalid"},
		{"JWK with a private part", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "1", "x": %q, "d": %q}`, b64(pub1), b64(testSeed[:])), "invalid"},
		{"JWK kid not decimal", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "01", "x": %q}`, b64(pub1)), "invalid"},
		{"JWK without kid", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "x": %q}`, b64(pub1)), "invalid"},
		{"JWK of curve X25519", fmt.Sprintf(`{"kty": "OKP", "crv": "X25519", "kid": "1", "x": %q}`, b64(pub1)), "invalid"},
		{"JWK alg other than EdDSA", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "1", "alg": "ES256", "x": %q}`, b64(pub1)), "invalid"},
		{"JWK x of 31 bytes", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "1", "x": %q}`, b64(pub1[:31])), "invalid"},
		{"JWK x padded base64", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "1", "x": %q}`, base64.URLEncoding.EncodeToString(pub1)), "invalid"},
		{"empty JWK Set", `{"keys": []}`, "invalid"},
	}
	writeJSON("key_files.json", map[string]any{
		"comment":  "Key file vectors (FORMAT.md section 10): public key files, keyrings and the private key's plaintext. Written by formats/internal/genvectors (go generate ./formats); do not edit.",
		"test_key": testKeyJSON(),
		"second_test_key": map[string]string{
			"warning":        "TEST ONLY: this key's seed is public; never sign or trust real licenses with it",
			"seed_hex":       hex.EncodeToString(otherSeed[:]),
			"public_key_hex": hex.EncodeToString(pub2),
		},
		"valid":   valid,
		"private": private,
		"invalid": bad,
	})
}
