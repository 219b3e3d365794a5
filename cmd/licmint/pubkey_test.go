package main

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"go/format"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats/keyring"
)

// TestGoKeysSnippet checks that --format go prints gofmt-clean Go that
// spells each key's bytes.
func TestGoKeysSnippet(t *testing.T) {
	a := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32)).Public().(ed25519.PublicKey)
	b := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32)).Public().(ed25519.PublicKey)
	r, err := keyring.New(keyring.Key{ID: 1, Public: a}, keyring.Key{ID: 7, Public: b})
	if err != nil {
		t.Fatal(err)
	}
	snippet := appendGoKeys(nil, r)
	src := append([]byte("package p\n\nimport \"github.com/licmint/licmint/verifier\"\n\n"), snippet...)
	formatted, err := format.Source(src)
	if err != nil {
		t.Fatalf("not Go: %v\n%s", err, src)
	}
	if !bytes.Equal(formatted, src) {
		t.Errorf("not gofmt-clean:\n%s", snippet)
	}
	for _, k := range []ed25519.PublicKey{a, b} {
		if !strings.Contains(string(snippet), fmt.Sprintf("0x%02x, 0x%02x,", k[0], k[1])) {
			t.Errorf("key bytes missing:\n%s", snippet)
		}
	}
}
