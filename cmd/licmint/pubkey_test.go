package main

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
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

// TestWeakKeyExit: a key file holding a key of small order is a bad key
// file, exit 1, for every command that reads one; weak_keys.txt checks the
// messages.
func TestWeakKeyExit(t *testing.T) {
	dir := t.TempDir()
	identity := make([]byte, ed25519.PublicKeySize)
	identity[0] = 1
	pem := filepath.Join(dir, "identity.pub.pem")
	if err := os.WriteFile(pem, keyring.MarshalPublicPEM(1, identity), 0o644); err != nil {
		t.Fatal(err)
	}
	code := "PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG-04000-00000-00000-00000-00000-00000-00000-00000-00000-00000-00000-00000-00000-00000-00000-00000-00000-00000-00000-00000-0009P-YX40"
	for _, args := range [][]string{
		{"pubkey", "--key", pem},
		{"pubkey", "--key", pem, "--format", "jwk"},
		{"verify", "--pub", pem, "--at", "2027-01-01", code},
		{"verify", "--keyring", pem, "--at", "2027-01-01", "--json", code},
	} {
		var out, errOut bytes.Buffer
		if got := run(args, strings.NewReader(""), &out, &errOut); got != exitError {
			t.Errorf("licmint %s: exit %d, want %d\n%s%s", strings.Join(args, " "), got, exitError, out.String(), errOut.String())
		}
		if !strings.Contains(errOut.String(), "of small order") {
			t.Errorf("licmint %s: stderr %q does not say why", strings.Join(args, " "), errOut.String())
		}
	}
}
