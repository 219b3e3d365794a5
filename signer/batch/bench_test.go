package batch_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/benchratio"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/signer/batch"
)

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
	reg := &signer.Registration{RK: mustRK(b, "PC-0314-1592-6535-8978"), Edition: "premium", Issued: new(dayOf(day1))}
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
	signBatch := func() {
		st, err := batch.Run(context.Background(), s, batch.NewCSVReader(bytes.NewReader(in.Bytes())), batch.NewCSVWriter(io.Discard))
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
		benchratio.Compare(b, parallelSign, signBatch)
	})
	b.Run("Run-csv", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(in.Len()))
		start := time.Now()
		for b.Loop() {
			signBatch()
		}
		b.ReportMetric(float64(b.N*rows)/time.Since(start).Seconds(), "rows/s")
	})
}
