package ledger_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
)

// BenchmarkFind looks up licenses by Registration Key and by serial in an
// SQLite ledger of 1,000,000 licenses ($LICMINT_BENCH_LICENSES to change
// it), built once, through Register, in transactions of ledger.MaxBatch
// rows. Each lookup returns the license's whole history.
func BenchmarkFind(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("LICMINT_BENCH_LICENSES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("LICMINT_BENCH_LICENSES=%q: want a count", v)
		}
	}
	ctx := context.Background()
	l := open(b, "sqlite:"+filepath.Join(b.TempDir(), "find.db"))
	// One signed code as a template: the others carry its signature under
	// their own serials, which the ledger does not check, so that building
	// the ledger costs no million signatures.
	s := testSigner(b)
	tmpl, err := s.Sign(&signer.Registration{RK: formats.RegistrationKey{Product: pc, Serial: 1}, Edition: "standard"})
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]formats.RegistrationKey, 0, n)
	regs := make([]ledger.Registration, 0, 50_000)
	for i := range n {
		// Serials spread over their range, as random ones are.
		k, err := formats.NewRegistrationKey(pc, false, formats.Serial(uint64(i+1)*(formats.MaxSerial/uint64(n+1))))
		if err != nil {
			b.Fatal(err)
		}
		keys = append(keys, k)
		c := tmpl
		c.Serial = k.Serial
		regs = append(regs, ledger.Registration{RK: k, Edition: "standard", Issue: ledger.Issue{Code: c}, AllowUnminted: true})
		if len(regs) == cap(regs) || i == n-1 {
			if _, err := l.Register(ctx, regs); err != nil {
				b.Fatal(err)
			}
			regs = regs[:0]
		}
	}
	find := func(b *testing.B, q func(i int) ledger.Query) {
		i := 0
		for b.Loop() {
			hs, err := l.Find(ctx, q(i))
			if err != nil || len(hs) != 1 || len(hs[0].Codes) != 1 || len(hs[0].Events) != 2 || len(hs[0].Keys) != 1 {
				b.Fatalf("find %d: %v %+v", i, err, hs)
			}
			i = (i + 7919) % n
		}
	}
	b.Run("rk", func(b *testing.B) {
		find(b, func(i int) ledger.Query { return ledger.Query{RK: &keys[i]} })
	})
	b.Run("serial", func(b *testing.B) {
		find(b, func(i int) ledger.Query { return ledger.Query{Product: pc, Serial: keys[i].Serial} })
	})
}
