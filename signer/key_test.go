package signer_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/signer"
)

// scrypt returns a passphrase recipient with a low work factor, so that
// tests stay fast; real key files use age's default.
func scrypt(t testing.TB, pass string) *age.ScryptRecipient {
	t.Helper()
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		t.Fatal(err)
	}
	r.SetWorkFactor(10)
	return r
}

func scryptID(t testing.TB, pass string) *age.ScryptIdentity {
	t.Helper()
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func x25519(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestKeyPassphrase(t *testing.T) {
	k := testKey(t, 3)
	file, err := k.Encrypt(scrypt(t, "correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(file, []byte("-----BEGIN AGE ENCRYPTED FILE-----")) {
		t.Fatalf("not armored:\n%s", file)
	}
	got, err := signer.DecryptKey(file, scryptID(t, "correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID() != 3 || !got.Public().Public.Equal(k.Public().Public) {
		t.Fatalf("decrypted %v, want %v", got, k)
	}
	_, err = signer.DecryptKey(file, scryptID(t, "wrong horse"))
	if !errors.Is(err, signer.ErrWrongSecret) || !strings.Contains(err.Error(), "passphrase does not open") {
		t.Fatalf("wrong passphrase: %v", err)
	}
	_, err = signer.DecryptKey(file, x25519(t))
	if !errors.Is(err, signer.ErrWrongSecret) || !strings.Contains(err.Error(), "encrypted with a passphrase") {
		t.Fatalf("identity for a passphrase file: %v", err)
	}
}

func TestKeyRecipients(t *testing.T) {
	alice, bob, eve := x25519(t), x25519(t), x25519(t)
	k := testKey(t, 1)
	file, err := k.Encrypt(alice.Recipient(), bob.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []age.Identity{alice, bob} {
		got, err := signer.DecryptKey(file, id)
		if err != nil || !got.Public().Public.Equal(k.Public().Public) {
			t.Fatalf("shared custody: %v", err)
		}
	}
	_, err = signer.DecryptKey(file, eve)
	if !errors.Is(err, signer.ErrWrongSecret) || !strings.Contains(err.Error(), "none of the identities") {
		t.Fatalf("wrong identity: %v", err)
	}
	_, err = signer.DecryptKey(file, scryptID(t, "guess"))
	if !errors.Is(err, signer.ErrWrongSecret) || !strings.Contains(err.Error(), "encrypted to age recipients") {
		t.Fatalf("passphrase for a recipient file: %v", err)
	}
}

func TestKeyFileDamage(t *testing.T) {
	id := x25519(t)
	k := testKey(t, 1)
	file, err := k.Encrypt(id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(file)), "\n")
	flip := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return b
	}
	body := strings.Join(lines[1:len(lines)-1], "\n")
	cases := map[string][]byte{
		"empty":              nil,
		"garbage":            []byte("hello"),
		"truncated armor":    file[:len(file)/2],
		"truncated body":     []byte(lines[0] + "\n" + lines[1] + "\n" + lines[len(lines)-1] + "\n"),
		"flipped in header":  flip(file, len(lines[0])+5),
		"flipped in payload": flip(file, len(file)-len(lines[len(lines)-1])-6),
		"public key file":    k.MarshalPublicPEM(),
		"plain private key":  keyring.MarshalPrivatePEM(1, ed25519.NewKeyFromSeed(testSeed(1))),
		"too large":          bytes.Repeat([]byte("A"), signer.MaxKeyFileSize+1),
		"binary cut":         []byte("age-encryption.org/v1\n-> X25519 abc\n"),
		"not base64":         []byte(lines[0] + "\n" + strings.Repeat("!", len(body)) + "\n" + lines[len(lines)-1] + "\n"),
	}
	// Encrypted data that is not a key decrypts, but is refused.
	var notKey bytes.Buffer
	w, err := age.Encrypt(&notKey, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("hello"))
	w.Close()
	cases["encrypted non-key"] = notKey.Bytes()
	for name, data := range cases {
		got, err := signer.DecryptKey(data, id)
		if !errors.Is(err, signer.ErrBadKeyFile) {
			t.Errorf("%s: got %v, %v; want ErrBadKeyFile", name, got, err)
		}
	}
}

// Nothing that prints a key, or reports an error about one, shows its secret.
func TestKeyNeverShowsSecret(t *testing.T) {
	k := testKey(t, 1)
	seed := testSeed(1)
	secrets := []string{hex.EncodeToString(seed), string(seed), fmt.Sprint(seed)}
	shown := []string{fmt.Sprint(k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k), fmt.Sprintf("%v", *k), k.String()}
	file, _ := k.Encrypt(scrypt(t, "pw"))
	if _, err := signer.DecryptKey(file, scryptID(t, "nope")); err != nil {
		shown = append(shown, err.Error())
	}
	for _, s := range shown {
		for _, secret := range secrets {
			if strings.Contains(s, secret) || strings.Contains(s, hex.EncodeToString(ed25519.NewKeyFromSeed(seed))) {
				t.Fatalf("secret shown in %q", s)
			}
		}
	}
	if !strings.Contains(fmt.Sprint(k), "licmint signing key 1") {
		t.Fatalf("String: %s", k)
	}
}

func TestKeyPublicPEM(t *testing.T) {
	k := testKey(t, 9)
	r, err := keyring.Parse(k.MarshalPublicPEM())
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := r.Lookup(9)
	if !ok || !pub.Equal(k.Public().Public) {
		t.Fatal("the public key file does not give the key back")
	}
	g, err := signer.GenerateKey(2)
	if err != nil || g.ID() != 2 {
		t.Fatal(err)
	}
	if _, err := signer.NewKey(1, make([]byte, 10)); err == nil {
		t.Fatal("NewKey accepted a 10-byte key")
	}
}

// TestKeyNeverPrintsSecret formats a key every way fmt can, also inside
// structs that fmt prints field by field.
func TestKeyNeverPrintsSecret(t *testing.T) {
	seed := bytes.Repeat([]byte{0xA7}, 32)
	k, err := signer.NewKey(3, ed25519.NewKeyFromSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	type holder struct {
		K signer.Key
		k signer.Key
		P *signer.Key
	}
	for _, v := range []any{k, *k, holder{*k, *k, k}, &holder{*k, *k, k}, []signer.Key{*k}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q", "%d"} {
			out := fmt.Sprintf(verb, v)
			for _, leak := range []string{"a7a7a7", "167, 167", "167 167", "\xa7\xa7"} {
				if strings.Contains(strings.ToLower(out), leak) {
					t.Fatalf("%s of %T shows the secret: %s", verb, v, out)
				}
			}
		}
	}
}
