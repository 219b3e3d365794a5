//go:build cgo

package hsm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/benchratio"
	"github.com/licmint/licmint/internal/softhsm"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/signer/batch"
)

// benchSigners returns signers for one key as a file key and in the
// SoftHSM2 token, so that the same work is timed both ways.
func benchSigners(b *testing.B) (file, hsm *signer.Signer) {
	priv := seed(9)
	u := uri(b, "bench")
	k, err := Open(u, softhsm.PIN)
	if errors.Is(err, ErrNoObject) {
		k, err = Import(u, softhsm.PIN, 9, priv)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { k.Close() })
	held, err := signer.NewKeyFromSigner(9, k)
	if err != nil {
		b.Fatal(err)
	}
	fk, err := signer.NewKey(9, priv)
	if err != nil {
		b.Fatal(err)
	}
	return newSigner(b, fk), newSigner(b, held)
}

// BenchmarkSign times one Activation Code signed in the token against the
// file key, in alternation; ratio is the token's time over the file key's.
func BenchmarkSign(b *testing.B) {
	file, hsm := benchSigners(b)
	reg := &signer.Registration{RK: formats.RegistrationKey{Product: formats.MustProduct("PC"), Serial: 31415926535897}, Edition: "premium", Issued: new(formats.Day(2522))}
	sign := func(s *signer.Signer) func() {
		return func() {
			if _, err := s.Sign(reg); err != nil {
				b.Fatal(err)
			}
		}
	}
	benchratio.Compare(b, sign(file), sign(hsm))
}

// BenchmarkBatch100k times a 100,000-row batch (CSV to CSV, one worker
// and so one token session per core) signed in the token against the
// file key; the token's throughput is 1/ratio of the file key's.
func BenchmarkBatch100k(b *testing.B) {
	file, hsm := benchSigners(b)
	in := batchInput(b, 100_000)
	run := func(s *signer.Signer) func() {
		return func() {
			st, err := batch.Run(context.Background(), s, batch.NewCSVReader(strings.NewReader(in)), batch.NewCSVWriter(io.Discard))
			if err != nil || st.Signed != 100_000 {
				b.Fatal(st, err)
			}
		}
	}
	benchratio.Compare(b, run(file), run(hsm))
	// The same codes both ways, or the comparison means nothing.
	var a, c bytes.Buffer
	batch.Run(context.Background(), file, batch.NewCSVReader(strings.NewReader(in[:2000])), batch.NewCSVWriter(&a))
	batch.Run(context.Background(), hsm, batch.NewCSVReader(strings.NewReader(in[:2000])), batch.NewCSVWriter(&c))
	if a.String() != c.String() {
		b.Fatal("the token's batch differs from the file key's")
	}
}
