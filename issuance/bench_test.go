package issuance_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/benchratio"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
	"github.com/licmint/licmint/signer/batch"
)

// BenchmarkBatchLedger signs a batch of freshly minted keys with the
// ledger recording every chunk, against the same batch with no ledger, in
// alternation: ratio is the batch's time with the ledger over its time
// without, so the ledger keeps 1/ratio of the throughput. The keys are
// minted before each pair, untimed. PostgreSQL runs when
// LICMINT_TEST_POSTGRES names a database.
func BenchmarkBatchLedger(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchBatchLedger(b, "sqlite:"+filepath.Join(b.TempDir(), "l.db")) })
	b.Run("postgres", func(b *testing.B) { benchBatchLedger(b, ledgertest.PostgresDSN(b)) })
}

func benchBatchLedger(b *testing.B, dsn string) {
	const rows = 20000
	l, err := ledger.Open(ctx, dsn, ledger.WithNow(clock), ledger.WithActor("bench"), ledger.WithRand(rand.NewChaCha8([32]byte{5})))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	s := newSigner(b, 1)
	svc := issuance.New(s, l)
	var in bytes.Buffer
	setup := func() {
		m, err := l.Mint(ctx, ledger.MintRequest{Product: pc, Edition: "premium", Count: rows})
		if err != nil {
			b.Fatal(err)
		}
		in.Reset()
		in.WriteString("rk,edition,issued,customer\n")
		for i, k := range m.Keys {
			fmt.Fprintf(&in, "%s,premium,2027-03-01,customer %d\n", k, i)
		}
	}
	run := func(opts ...batch.Option) {
		st, err := batch.Run(ctx, s, batch.NewCSVReader(bytes.NewReader(in.Bytes())), batch.NewCSVWriter(io.Discard), opts...)
		if err != nil || st.Signed != rows {
			b.Fatal(st, err)
		}
	}
	withLedger := []batch.Option{batch.WithRecorder(svc.BatchRecorder(false))}
	// CPU time too: on a machine shared with other jobs, the wall ratio
	// also measures how much of it the batch got; the CPU ratio is the
	// work the ledger adds, a local PostgreSQL server's included.
	cpu := benchratio.ProcessCPU
	if strings.HasPrefix(dsn, "postgres") {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if server := benchratio.PostgresCPU(db); server != nil {
			cpu = func() time.Duration { return benchratio.ProcessCPU() + server() }
		}
	}
	var cpuBase, cpuOurs time.Duration
	benchratio.CompareSetup(b, setup,
		func() { c := cpu(); run(); cpuBase += cpu() - c },
		func() { c := cpu(); run(withLedger...); cpuOurs += cpu() - c })
	b.ReportMetric(float64(cpuOurs)/float64(cpuBase), "cpu-ratio")
	b.ReportMetric(rows, "rows/op")
}
