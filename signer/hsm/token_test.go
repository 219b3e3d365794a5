//go:build cgo

package hsm

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/atomicfile"
	"github.com/licmint/licmint/internal/softhsm"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/signer/batch"
	"github.com/miekg/pkcs11"
)

// softhsmLib is the SoftHSM2 library; TestMain points SOFTHSM2_CONF at a
// throwaway token store, made once, as the library reads it once.
var softhsmLib string

func TestMain(m *testing.M) {
	softhsmLib = softhsm.Module()
	if softhsmLib != "" {
		dir, err := os.MkdirTemp("", "licmint-softhsm")
		if err != nil {
			panic(err)
		}
		conf, err := softhsm.Setup(dir)
		if err != nil {
			panic(err)
		}
		os.Setenv("SOFTHSM2_CONF", conf)
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// uri names object in the test token, and removes the objects under its
// label when the test ends: the token outlives each test, which -count
// repeats in the same process.
func uri(t testing.TB, object string) *URI {
	t.Helper()
	if softhsmLib == "" {
		t.Skip(softhsm.Missing)
	}
	t.Cleanup(func() { destroy(t, object) })
	return &URI{Token: softhsm.Token, Object: object, ModulePath: softhsmLib}
}

// destroy removes every object labelled label from the test token.
func destroy(t testing.TB, label string) {
	k, err := connect(&URI{Token: softhsm.Token, ModulePath: softhsmLib}, softhsm.PIN, true)
	if err != nil {
		t.Error(err)
		return
	}
	defer k.Close()
	objs, err := k.objects(k.anchor, pkcs11.NewAttribute(pkcs11.CKA_LABEL, label))
	if err != nil {
		t.Error(err)
	}
	for _, o := range objs {
		if err := k.ctx.DestroyObject(k.anchor, o); err != nil {
			t.Errorf("removing %q from the test token: %v", label, err)
		}
	}
}

func seed(n byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = n + byte(i)
	}
	return ed25519.NewKeyFromSeed(s)
}

var day1 = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func newSigner(t testing.TB, k *signer.Key) *signer.Signer {
	t.Helper()
	s, err := signer.New(k, signer.WithNow(func() time.Time { return day1 }))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// batchInput is a CSV of n registrations.
func batchInput(t testing.TB, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("rk,edition,issued\n")
	for i := range n {
		rk, err := formats.NewRegistrationKey(formats.MustProduct("PC"), i%10 == 0, formats.Serial(i)*7919)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s,premium,2026-11-27\n", rk)
	}
	return b.String()
}

func signBatch(t testing.TB, s *signer.Signer, in string) string {
	t.Helper()
	var out bytes.Buffer
	if _, err := batch.Run(context.Background(), s, batch.NewCSVReader(strings.NewReader(in)), batch.NewCSVWriter(&out)); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// checkProtected asserts that the token keeps the key's value in: the
// object is sensitive and not extractable, and reading CKA_VALUE fails.
func checkProtected(t *testing.T, k *Key, generated bool) {
	t.Helper()
	p, err := k.Protection()
	if err != nil {
		t.Fatal(err)
	}
	if !p.Sensitive || p.Extractable {
		t.Errorf("protection %+v: want sensitive and not extractable", p)
	}
	if generated && (!p.AlwaysSensitive || !p.NeverExtractable) {
		t.Errorf("protection %+v: a key made in the token is always sensitive and never extractable", p)
	}
	_, err = k.ctx.GetAttributeValue(k.anchor, k.priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
	if !isCode(err, pkcs11.CKR_ATTRIBUTE_SENSITIVE) {
		t.Errorf("reading CKA_VALUE: %v, want CKR_ATTRIBUTE_SENSITIVE", err)
	}
}

func TestGenerate(t *testing.T) {
	u := uri(t, "generated")
	k, err := Generate(u, softhsm.PIN, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	checkProtected(t, k, true)
	if id, ok := k.KeyID(); !ok || id != 7 {
		t.Errorf("KeyID() = %d, %v; want 7 from CKA_ID", id, ok)
	}
	key, err := signer.NewKeyFromSigner(7, k)
	if err != nil {
		t.Fatal(err)
	}
	code, err := newSigner(t, key).Sign(&signer.Registration{RK: formats.RegistrationKey{Product: formats.MustProduct("PC"), Serial: 42}, Edition: "premium"})
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := code.AppendMessage(nil, "")
	if !ed25519.Verify(k.Public().(ed25519.PublicKey), msg, code.Signature[:]) {
		t.Error("the code does not verify with the token's public key")
	}
	// Opened again by its URI, and by its id alone, it is the same key.
	for _, u := range []*URI{u, {Token: softhsm.Token, ID: []byte{7}, ModulePath: softhsmLib}} {
		again, err := Open(u, softhsm.PIN)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.pub, k.pub) {
			t.Error("reopened key has another public key")
		}
		again.Close()
	}
	if _, err := Generate(u, softhsm.PIN, 8); !errors.Is(err, ErrExists) {
		t.Errorf("second keygen under one label: %v, want ErrExists", err)
	}
}

// A key imported from a key file signs byte for byte as the file key.
func TestImportSignsTheSame(t *testing.T) {
	priv := seed(1)
	k, err := Import(uri(t, "imported"), softhsm.PIN, 1, priv)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	checkProtected(t, k, false)
	held, err := signer.NewKeyFromSigner(1, k)
	if err != nil {
		t.Fatal(err)
	}
	file, err := signer.NewKey(1, priv)
	if err != nil {
		t.Fatal(err)
	}
	in := batchInput(t, 500)
	if got, want := signBatch(t, newSigner(t, held), in), signBatch(t, newSigner(t, file), in); got != want {
		t.Fatal("the token's codes differ from the file key's")
	}
}

func TestFaults(t *testing.T) {
	u := uri(t, "faults")
	k, err := Generate(u, softhsm.PIN, 3)
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
	// An ECDSA key under another label, for "not an Ed25519 key".
	t.Cleanup(func() { destroy(t, "p256") })
	other, err := connect(&URI{Token: softhsm.Token, ModulePath: softhsmLib}, softhsm.PIN, true)
	if err != nil {
		t.Fatal(err)
	}
	p256 := []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}
	_, _, err = other.ctx.GenerateKeyPair(other.anchor, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "p256"), pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "p256"), pkcs11.NewAttribute(pkcs11.CKA_SIGN, true)})
	other.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		uri  URI
		pin  string
		want error
		says string
	}{
		{"wrong PIN", *u, "9999", ErrWrongPIN, "refused the PIN"},
		{"no PIN", *u, "", ErrWrongPIN, "no PIN"},
		{"missing token", URI{Token: "nosuch", Object: "faults", ModulePath: softhsmLib}, softhsm.PIN, ErrNoToken, `tokens are "licmint"`},
		{"missing module", URI{Token: softhsm.Token, Object: "faults", ModulePath: "/nonexistent/libpkcs11.so"}, softhsm.PIN, ErrModule, "no such file"},
		{"no module", URI{Token: softhsm.Token, Object: "faults"}, softhsm.PIN, ErrModule, "module-path="},
		{"not a module", URI{Token: softhsm.Token, Object: "faults", ModulePath: "/etc/hostname"}, softhsm.PIN, ErrModule, "cannot be loaded"},
		{"missing object", URI{Token: softhsm.Token, Object: "nosuch", ModulePath: softhsmLib}, softhsm.PIN, ErrNoObject, "no private key with this label"},
		{"not Ed25519", URI{Token: softhsm.Token, Object: "p256", ModulePath: softhsmLib}, softhsm.PIN, ErrNotEd25519, "an ECDSA key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := Open(&tc.uri, tc.pin)
			if err == nil {
				k.Close()
			}
			var e *Error
			if !errors.Is(err, tc.want) || !errors.As(err, &e) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want %v saying %q", err, tc.want, tc.says)
			}
			if !strings.Contains(e.Key, tc.uri.Name()) {
				t.Errorf("the error does not name the key: %v", err)
			}
			if tc.pin != "" && strings.Contains(err.Error(), tc.pin) {
				t.Errorf("the error shows the PIN: %v", err)
			}
		})
	}
}

// A session that drops in the middle of a batch stops it with nothing
// written, and the batch signed again gives the same codes.
func TestSessionDropMidBatch(t *testing.T) {
	priv := seed(5)
	u := uri(t, "dropped")
	k, err := Import(u, softhsm.PIN, 5, priv)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	drop := &dropping{Key: k, after: 3000}
	key, err := signer.NewKeyFromSigner(5, drop)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "regs.csv"), filepath.Join(dir, "codes.csv")
	text := batchInput(t, 6000)
	if err := os.WriteFile(in, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = signBatchFile(newSigner(t, key), out, in, batch.WithWorkers(2))
	var e *Error
	if !errors.Is(err, signer.ErrSigningKey) || !errors.Is(err, ErrToken) || !errors.As(err, &e) || !strings.Contains(err.Error(), `object "dropped"`) {
		t.Fatalf("batch with a dropped session: %v, want ErrSigningKey from the token", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the failed batch left its output: %v", err)
	}
	again, err := Open(u, softhsm.PIN)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	key, err = signer.NewKeyFromSigner(5, again)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signBatchFile(newSigner(t, key), out, in, batch.WithWorkers(2)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	file, _ := signer.NewKey(5, priv)
	if string(got) != signBatch(t, newSigner(t, file), text) {
		t.Fatal("the rerun's codes differ from the file key's")
	}
}

// dropping closes all the Key's sessions before its after-th signature,
// as a token removed or an HSM restarted does. Its signatures are made
// one at a time: SoftHSM2 itself crashes when a session is closed under
// a signature in progress.
type dropping struct {
	*Key
	mu    sync.Mutex
	n     int
	after int
}

func (d *dropping) Sign(r io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n++; d.n == d.after {
		if err := d.ctx.CloseAllSessions(d.slot); err != nil {
			return nil, err
		}
	}
	return d.Key.Sign(r, msg, opts)
}

// signBatchFile signs the CSV file in into out as the CLI does: out
// appears only when the batch is complete.
func signBatchFile(s *signer.Signer, out, in string, opts ...batch.Option) (batch.Stats, error) {
	f, err := atomicfile.Create(out, 0o600)
	if err != nil {
		return batch.Stats{}, err
	}
	defer f.Abort()
	src, err := os.Open(in)
	if err != nil {
		return batch.Stats{}, err
	}
	defer src.Close()
	st, err := batch.Run(context.Background(), s, batch.NewCSVReader(src), batch.NewCSVWriter(f), opts...)
	if err != nil {
		return st, err
	}
	return st, f.Commit()
}
