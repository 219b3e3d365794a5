package signer_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"github.com/licmint/licmint/internal/benchratio"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
)

// BenchmarkSign compares signing one code with the raw ed25519.Sign of the
// same message, the floor it cannot beat.
func BenchmarkSign(b *testing.B) {
	key := testKey(b, 1)
	s, err := signer.New(key)
	if err != nil {
		b.Fatal(err)
	}
	reg := &signer.Registration{
		RK:      formats.RegistrationKey{Product: formats.MustProduct("PC"), Serial: 31415926535897},
		Edition: "premium",
		Issued:  time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
	}
	code, err := s.Sign(reg)
	if err != nil {
		b.Fatal(err)
	}
	msg, err := code.AppendMessage(nil, "")
	if err != nil {
		b.Fatal(err)
	}
	priv := ed25519.NewKeyFromSeed(testSeed(1))
	b.Run("ed25519.Sign", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ed25519.Sign(priv, msg)
		}
	})
	// Both in alternation, for a ratio that machine drift cannot skew.
	b.Run("SignVsEd25519", func(b *testing.B) {
		buf := make([]byte, 0, formats.SignedLen)
		benchratio.Compare(b,
			func() { ed25519.Sign(priv, msg) },
			func() {
				c, _ := s.Sign(reg)
				buf, _ = c.AppendText(buf[:0])
			})
	})
	b.Run("Signer.Sign", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, formats.SignedLen)
		for b.Loop() {
			c, err := s.Sign(reg)
			if err != nil {
				b.Fatal(err)
			}
			buf, _ = c.AppendText(buf[:0])
		}
	})
}

// BenchmarkBatch signs a 20,000-row CSV to CSV, beside raw ed25519.Sign on
// every core (RunParallel), the rate the batch is compared with. Both
// report signatures per second as rows/s.
func BenchmarkBatch(b *testing.B) {
	const rows = 20000
	var in bytes.Buffer
	in.WriteString("rk,edition,days,issued,customer\n")
	for i := range rows {
		k, _ := formats.NewRegistrationKey(formats.MustProduct("PC"), i%10 == 0, formats.Serial(i)*7919)
		fmt.Fprintf(&in, "%s,premium,,2026-11-27,customer %d\n", k, i)
	}
	s, err := signer.New(testKey(b, 1))
	if err != nil {
		b.Fatal(err)
	}
	reg := &signer.Registration{RK: fullRK, Edition: "premium", Issued: day1}
	code, _ := s.Sign(reg)
	msg, _ := code.AppendMessage(nil, "")
	priv := ed25519.NewKeyFromSeed(testSeed(1))
	// The baseline does the batch's unit of work, rows signatures, spread
	// over one goroutine per core.
	workers := runtime.GOMAXPROCS(0)
	parallelSign := func() {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < rows; i += workers {
					ed25519.Sign(priv, msg)
				}
			})
		}
		wg.Wait()
	}
	batch := func() {
		st, err := s.SignBatch(context.Background(), io.Discard, bytes.NewReader(in.Bytes()), signer.BatchOptions{})
		if err != nil || st.Signed != rows {
			b.Fatal(st, err)
		}
	}
	b.Run("ed25519.Sign-parallel", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			parallelSign()
		}
		b.ReportMetric(float64(b.N*rows)/time.Since(start).Seconds(), "rows/s")
	})
	// Both in alternation: ratio is the batch's time over raw signing's,
	// so the batch runs at 1/ratio of the raw rate on every core.
	b.Run("BatchVsParallelSign", func(b *testing.B) {
		benchratio.Compare(b, parallelSign, batch)
	})
	b.Run("SignBatch-csv", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(in.Len()))
		start := time.Now()
		for b.Loop() {
			batch()
		}
		b.ReportMetric(float64(b.N*rows)/time.Since(start).Seconds(), "rows/s")
	})
}
