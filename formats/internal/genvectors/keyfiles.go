package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"log"
	"strings"

	"filippo.io/edwards25519"
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
		{"spaces and tabs at the end of every line are ignored, CRLF or LF",
			strings.ReplaceAll(strings.ReplaceAll(pubFile(1, pub1), "\n", " \t\n"), "-----END PUBLIC KEY----- \t\n", "-----END PUBLIC KEY-----  \r\n"), []key{k1}, ""},
		{"key-id with leading zeros and spaces around its value", strings.Replace(pubFile(1, pub1), "key-id: 1", "  key-id:001 ", 1), []key{k1}, ""},
		{"a JWK Set without a final newline, and a line break before it", "\n" + "{\"keys\": [" + jwk(1, pub1) + "]}", []key{k1}, ""},
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
		{"a PEM header line in the block", strings.Replace(pubFile(1, pub1), "-----\n", "-----\nComment: rotated 2027\n\n", 1), "invalid"},
		{"a blank line in the PEM body", strings.Replace(pubFile(1, pub1), "-----\n", "-----\n\n", 1), "invalid"},
		{"a space inside a base64 line", strings.Replace(pubFile(1, pub1), "-----\nMC", "-----\nM C", 1), "invalid"},
		{"a damaged block before a good one is not skipped as text", strings.Replace(pubFile(2, pub2), "-----\nMC", "-----\nM!", 1) + pubFile(1, pub1), "invalid"},
		{"a BEGIN line with no END line", "key-id: 1\n-----BEGIN PUBLIC KEY-----\n" + strings.Split(pemText("PUBLIC KEY", spki(pub1)), "\n")[1] + "\n", "invalid"},
		{"JWK with d null: a private part's member, whatever its value", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "1", "x": %q, "d": null}`, b64(pub1)), "invalid"},
		{"JWK with d empty", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "1", "x": %q, "d": ""}`, b64(pub1)), "invalid"},
		{"JWK with alg null", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "1", "x": %q, "alg": null}`, b64(pub1)), "invalid"},
		{"JWK with kid twice, the last one good", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "x", "kid": "1", "x": %q}`, b64(pub1)), "invalid"},
		{"JWK with KTY in upper case beside kty", fmt.Sprintf(`{"kty": "OKP", "KTY": "OKP", "crv": "Ed25519", "kid": "1", "x": %q}`, b64(pub1)), "invalid"},
		{"a key of small order (order 8)", pubFile(1, smallOrderKey), "invalid"},
		{"a key not canonically encoded (y = p + 3)", pubFile(1, nonCanonicalKey), "invalid"},
		{"a key of mixed order: the test key plus a point of order 8", pubFile(1, mixedOrderKey()), "invalid"},
		{"JWK of mixed order", fmt.Sprintf(`{"kty": "OKP", "crv": "Ed25519", "kid": "1", "x": %q}`, b64(mixedOrderKey())), "invalid"},
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

// smallOrderKey is a point of order 8 (the one libsodium lists first).
var smallOrderKey = mustHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")

// nonCanonicalKey spells y = p + 3, a point of large order, with y >= p.
var nonCanonicalKey = mustHex("f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")

// mixedOrderKey is the test key's point plus one of order 8: libsodium's
// and crypto/ed25519's verify accept it as a key, FORMAT.md does not.
func mixedOrderKey() []byte {
	a, err := new(edwards25519.Point).SetBytes(testPriv().Public().(ed25519.PublicKey))
	if err != nil {
		log.Fatal(err)
	}
	t, err := new(edwards25519.Point).SetBytes(smallOrderKey)
	if err != nil {
		log.Fatal(err)
	}
	return new(edwards25519.Point).Add(a, t).Bytes()
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		log.Fatal(err)
	}
	return b
}
