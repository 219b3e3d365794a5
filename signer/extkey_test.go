package signer_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/internal/atomicfile"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/signer/batch"
)

// heldSigner signs like a key held elsewhere (an HSM): through the
// crypto.Signer interface only, failing once its budget of signatures is
// spent, as a token does when its session is closed.
type heldSigner struct {
	priv   ed25519.PrivateKey
	pub    ed25519.PublicKey // what Public says; priv's own unless set
	budget atomic.Int64      // signatures left
}

func newHeld(seed byte) *heldSigner {
	h := &heldSigner{priv: ed25519.NewKeyFromSeed(testSeed(seed))}
	h.budget.Store(math.MaxInt64)
	return h
}

func (h *heldSigner) Public() crypto.PublicKey {
	if h.pub != nil {
		return h.pub
	}
	return h.priv.Public()
}

func (h *heldSigner) Sign(_ io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts.HashFunc() != 0 {
		return nil, errors.New("want crypto.Hash(0)")
	}
	if h.budget.Add(-1) < 0 {
		return nil, errors.New("CKR_SESSION_HANDLE_INVALID")
	}
	return ed25519.Sign(h.priv, msg), nil
}

// A key held by a crypto.Signer signs every kind of output byte for byte
// as the same key held in memory: codes, tokens, reset codes and lists.
func TestKeyFromSignerSignsTheSame(t *testing.T) {
	held, err := signer.NewKeyFromSigner(1, newHeld(1))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(held.MarshalPublicPEM(), testKey(t, 1).MarshalPublicPEM()) {
		t.Fatal("public key files differ")
	}
	nonce := []byte{1, 2, 3, 4}
	mk := func(k *signer.Key) *signer.Signer {
		s, err := signer.New(k, fixedNow, signer.WithRand(bytes.NewReader(nonce)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	file, ext := mk(testKey(t, 1)), mk(held)
	outputs := func(s *signer.Signer) []string {
		reg := &signer.Registration{RK: fullRK, Edition: "premium", InstallID: "host-1"}
		code, tok, err := s.SignToken(reg)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := s.ResetCode(pc, "host-1", 20000)
		if err != nil {
			t.Fatal(err)
		}
		crl, err := s.RevocationList(pc, 7, new(dayOf(day1)), []revocation.Entry{{Serial: 42}})
		if err != nil {
			t.Fatal(err)
		}
		var batchOut bytes.Buffer
		in := "rk,edition\n" + trialRK.String() + ",premium\n" + fullRK.String() + ",standard\n"
		if _, err := batch.Run(context.Background(), s, batch.NewCSVReader(strings.NewReader(in)), batch.NewCSVWriter(&batchOut)); err != nil {
			t.Fatal(err)
		}
		return []string{code.String(), tok, rc.String(), fmt.Sprintf("%x", crl), batchOut.String()}
	}
	want, got := outputs(file), outputs(ext)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("output %d: held key gives\n%s\nwant\n%s", i, got[i], want[i])
		}
	}
	if _, err := held.Encrypt(scrypt(t, "x")); !errors.Is(err, signer.ErrNotExportable) {
		t.Errorf("Encrypt of a held key: %v, want ErrNotExportable", err)
	}
}

// A signer whose public key is not its private key's is refused before it
// signs anything.
func TestKeyFromSignerMismatch(t *testing.T) {
	h := newHeld(1)
	h.pub = ed25519.NewKeyFromSeed(testSeed(2)).Public().(ed25519.PublicKey)
	if _, err := signer.NewKeyFromSigner(1, h); !errors.Is(err, signer.ErrKeyMismatch) {
		t.Fatalf("got %v, want ErrKeyMismatch", err)
	}
	h = newHeld(1)
	h.budget.Store(0)
	if _, err := signer.NewKeyFromSigner(1, h); !errors.Is(err, signer.ErrSigningKey) {
		t.Fatalf("a signer that fails: got %v, want ErrSigningKey", err)
	}
}

// A key that fails in the middle of a batch stops the batch with
// ErrSigningKey rather than failing the rows after it one by one, and
// writes nothing; signing again gives the codes of an unbroken run.
func TestKeyFailingMidBatch(t *testing.T) {
	var in strings.Builder
	in.WriteString("rk,edition,issued\n")
	for i := range 3000 {
		rk, err := formats.NewRegistrationKey(pc, false, formats.Serial(i)*7919)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&in, "%s,premium,2026-11-27\n", rk)
	}
	dir := t.TempDir()
	inPath, outPath := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv")
	if err := os.WriteFile(inPath, []byte(in.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHeld(1)
	k, err := signer.NewKeyFromSigner(1, h)
	if err != nil {
		t.Fatal(err)
	}
	s, err := signer.New(k, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	h.budget.Store(1000)
	var out bytes.Buffer
	_, err = signBatchFile(s, outPath, inPath, batch.WithWorkers(2))
	if !errors.Is(err, signer.ErrSigningKey) || !strings.Contains(err.Error(), "CKR_SESSION_HANDLE_INVALID") {
		t.Fatalf("batch with a failing key: %v, want ErrSigningKey with the cause", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("the failed batch left files: %v", entries)
	}
	if _, err := s.Sign(&signer.Registration{RK: fullRK, Edition: "premium"}); !errors.Is(err, signer.ErrSigningKey) {
		t.Fatalf("Sign with a failing key: %v, want ErrSigningKey", err)
	}
	h.budget.Store(math.MaxInt64)
	if _, err := batch.Run(context.Background(), s, batch.NewCSVReader(strings.NewReader(in.String())), batch.NewCSVWriter(&out), batch.WithWorkers(2)); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if _, err := batch.Run(context.Background(), newSigner(t), batch.NewCSVReader(strings.NewReader(in.String())), batch.NewCSVWriter(&want)); err != nil {
		t.Fatal(err)
	}
	if out.String() != want.String() {
		t.Fatal("the rerun's codes differ from the file key's")
	}
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
