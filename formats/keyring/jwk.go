package keyring

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/jsonstrict"
)

// JSONWebKey is an Ed25519 public key as a JWK (RFC 8037 section 2), with
// the key id as a decimal kid.
type JSONWebKey struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
	// D is never written; Parse refuses a key that has it.
	D string `json:"d,omitempty"`
}

// JWK returns pub as a JSON Web Key.
func JWK(id uint8, pub ed25519.PublicKey) JSONWebKey {
	return JSONWebKey{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub),
		Kid: strconv.Itoa(int(id)), Alg: "EdDSA", Use: "sig"}
}

// MarshalJWKS returns the keyring as a JWK Set (RFC 7517 section 5).
func (r *Keyring) MarshalJWKS() ([]byte, error) {
	set := struct {
		Keys []JSONWebKey `json:"keys"`
	}{}
	for _, k := range r.keys {
		set.Keys = append(set.Keys, JWK(k.ID, k.Public))
	}
	return json.MarshalIndent(set, "", "  ")
}

func parseJWKS(data []byte) (*Keyring, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("keyring: JSON: %w", err)
	}
	if err := jsonstrict.Check(data, jsonstrict.Options{AllowNull: true,
		Names: []string{"keys", "kty", "crv", "x", "kid", "alg", "use", "d"}}); err != nil {
		return nil, fmt.Errorf("keyring: JSON: %w", err)
	}
	raw := set.Keys
	if raw == nil { // a single JWK
		raw = []json.RawMessage{data}
	}
	var keys []Key
	for i, m := range raw {
		k, err := parseJWK(m)
		if err != nil {
			return nil, fmt.Errorf("keyring: JWK %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return New(keys...)
}

func parseJWK(data []byte) (Key, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var j JSONWebKey
	if err := dec.Decode(&j); err != nil {
		return Key{}, err
	}
	// Presence, not value, decides: "d": null or "" is still a private
	// part's member, and "alg": null is not EdDSA.
	var present map[string]json.RawMessage
	if err := json.Unmarshal(data, &present); err != nil {
		return Key{}, err
	}
	_, hasD := present["d"]
	_, hasAlg := present["alg"]
	_, hasUse := present["use"]
	switch {
	case hasD:
		return Key{}, errors.New(`has a private part ("d"): give the public key only`)
	case hasAlg && j.Alg != "EdDSA":
		return Key{}, fmt.Errorf("alg %s, want EdDSA", present["alg"])
	case hasUse && j.Use != "sig":
		return Key{}, fmt.Errorf("use %s, want sig", present["use"])
	case j.Kty != "OKP" || j.Crv != "Ed25519":
		return Key{}, fmt.Errorf("kty %q crv %q, want OKP and Ed25519", j.Kty, j.Crv)
	}
	id, err := strconv.ParseUint(j.Kid, 10, 8)
	if err != nil || strconv.Itoa(int(id)) != j.Kid {
		return Key{}, fmt.Errorf("kid %q: want a key id from 0 to 255 in decimal", j.Kid)
	}
	x, err := base64.RawURLEncoding.Strict().DecodeString(j.X)
	if err != nil || len(x) != ed25519.PublicKeySize {
		return Key{}, errors.New(`"x" is not 32 bytes of unpadded base64url`)
	}
	if err := formats.CheckPublicKey(x); err != nil {
		return Key{}, err
	}
	return Key{ID: uint8(id), Public: x}, nil
}
