package signer_test

import (
	"errors"
	"testing"

	"filippo.io/age"
	"github.com/licmint/licmint/signer"
)

// FuzzDecryptKey: whatever the key file holds, DecryptKey returns a key
// or one of its two errors, and never panics.
func FuzzDecryptKey(f *testing.F) {
	id, err := age.ParseX25519Identity("AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
	if err != nil {
		f.Fatal(err)
	}
	good, err := testKey(f, 1).Encrypt(id.Recipient())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("age-encryption.org/v1\n-> X25519 AAAA\nAAAA\n--- AAAA\n"))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := signer.DecryptKey(data, id)
		if err == nil {
			if k == nil {
				t.Fatal("no key and no error")
			}
			return
		}
		if !errors.Is(err, signer.ErrBadKeyFile) && !errors.Is(err, signer.ErrWrongSecret) {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}
