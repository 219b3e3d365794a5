package ledger

import (
	"context"
	"crypto/ed25519"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/benchratio"
	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger/ledgertest"
	"github.com/licmint/licmint/signer"
)

// BenchmarkRecordFloor sets what recording a batch costs against what
// signing it costs, in CPU time, in one run. For each row of a batch of
// freshly minted keys it measures:
//
//   - sign: signing its code, the work of a batch without a ledger;
//   - record: recording it as a batch does (RegisterDeferred, in calls of
//     DeferredRows rows);
//   - floor: writing the rows that recorded to a second ledger, minted
//     alike, with the same statements and commits but none of the
//     ledger's own work (its rules, event bodies, hashes): the store's
//     share;
//   - bare: writing the same event, license and code rows to a third
//     ledger whose tables keep only their primary keys, without marking
//     the keys registered: the least a row the issue asks for can cost.
//
// On PostgreSQL the server's CPU time is counted too: it runs on the same
// machine. The second and third ledgers' chains must end where the first's
// does.
//
// A batch's throughput with a ledger is at most sign/(sign+record) of its
// throughput without, whatever the number of cores: the cores that sign
// are the ones that record. So 0.6× needs record/sign ≤ 2/3, and 0.5×
// needs it ≤ 1; floor/sign and bare/sign say how close a recorder could
// come.
func BenchmarkRecordFloor(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		dir := b.TempDir()
		benchFloor(b, "sqlite:"+filepath.Join(dir, "a.db"), "sqlite:"+filepath.Join(dir, "b.db"), "sqlite:"+filepath.Join(dir, "c.db"))
	})
	b.Run("postgres", func(b *testing.B) {
		benchFloor(b, ledgertest.PostgresDSN(b), ledgertest.PostgresDSN(b), ledgertest.PostgresDSN(b))
	})
}

func benchFloor(b *testing.B, dsnA, dsnB, dsnC string) {
	const rows = 20000
	ctx := context.Background()
	day0 := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	open := func(dsn string) *Ledger {
		l, err := Open(ctx, dsn, WithNow(func() time.Time { return day0 }), WithActor("bench"), WithRand(rand.NewChaCha8([32]byte{9})))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { l.Close() })
		return l
	}
	a, fl, bare := open(dsnA), open(dsnB), open(dsnC)
	chunk := a.DeferredRows()
	benchCPU := benchratio.ProcessCPU
	if server := benchratio.PostgresCPU(a.db); a.store.name() == "postgres" {
		if server == nil {
			b.Skip("the PostgreSQL server's CPU time cannot be read from here")
		}
		benchCPU = func() time.Duration { return benchratio.ProcessCPU() + server() }
	}
	// The bare tables keep their primary keys only.
	for _, ix := range []string{"events_serial", "licenses_expires", "licenses_owner", "licenses_customer", "licenses_order"} {
		if _, err := bare.wdb.ExecContext(ctx, "DROP INDEX "+ix); err != nil {
			b.Fatal(err)
		}
	}
	seed := make([]byte, ed25519.SeedSize)
	k, err := signer.NewKey(1, ed25519.NewKeyFromSeed(seed))
	if err != nil {
		b.Fatal(err)
	}
	s, err := signer.New(k, signer.WithNow(func() time.Time { return day0 }))
	if err != nil {
		b.Fatal(err)
	}
	p := formats.MustProduct("PC")
	regs := make([]Registration, rows)
	var cpuSign, cpuRecord, cpuFloor, cpuBare time.Duration
	for b.Loop() {
		var keys []formats.RegistrationKey
		for _, l := range []*Ledger{a, fl, bare} {
			m, err := l.Mint(ctx, MintRequest{Product: p, Edition: "premium", Count: rows})
			if err != nil {
				b.Fatal(err)
			}
			keys = m.Keys
		}
		head, err := a.Head(ctx)
		if err != nil {
			b.Fatal(err)
		}
		c0 := benchCPU()
		for i, k := range keys {
			c, err := s.Sign(&signer.Registration{RK: k, Edition: "premium"})
			if err != nil {
				b.Fatal(err)
			}
			regs[i] = Registration{RK: k, Edition: "premium", Issue: Issue{Code: c}}
		}
		c1 := benchCPU()
		for start := 0; start < rows; start += chunk {
			out, err := a.RegisterDeferred(ctx, regs[start:min(start+chunk, rows)])
			if err != nil || out[0].Err != nil {
				b.Fatal(err, out[0].Err)
			}
		}
		if err := a.Sync(ctx); err != nil {
			b.Fatal(err)
		}
		c2 := benchCPU()
		events := readRows(b, a, `SELECT `+eventColumns+` FROM events WHERE seq > $1 ORDER BY seq`, head.Seq)
		codes := readRows(b, a, `SELECT `+codeInsertColumns+` FROM codes WHERE event > $1 ORDER BY event`, head.Seq)
		licenses := readRows(b, a, `SELECT l.product, l.serial, l.generation, l.edition, l.trial, l.install_id, l.key_id, l.issued, l.expires,
	l.owner, l.customer, l.order_ref, l.revoked_below, l.revoke_reason, l.notified_expires
FROM licenses l JOIN codes c ON c.product = l.product AND c.serial = l.serial WHERE c.event > $1 ORDER BY c.event`, head.Seq)
		if len(events) != rows || len(codes) != rows || len(licenses) != rows {
			b.Fatalf("ledger A recorded %d events, %d codes and %d licenses for %d rows", len(events), len(codes), len(licenses), rows)
		}
		cpuSign, cpuRecord = cpuSign+c1-c0, cpuRecord+c2-c1
		fr := &floorRows{product: p, keys: keys, events: events, codes: codes, licenses: licenses}
		cpuFloor += replayFloor(b, fl, fr, chunk, true, benchCPU)
		cpuBare += replayFloor(b, bare, fr, chunk, false, benchCPU)
		ha, err := a.Head(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if h, err := fl.Verify(ctx); err != nil || h != ha {
			b.Fatalf("the floor's chain ends at %v (%v), the ledger's at %v", h, err, ha)
		}
		if h, err := bare.Head(ctx); err != nil || h != ha {
			b.Fatalf("the bare tables' chain ends at %v (%v), the ledger's at %v", h, err, ha)
		}
	}
	n := float64(b.N * rows)
	b.ReportMetric(float64(cpuSign.Nanoseconds())/1e3/n, "sign-µs/row")
	b.ReportMetric(float64(cpuRecord.Nanoseconds())/1e3/n, "record-µs/row")
	b.ReportMetric(float64(cpuFloor.Nanoseconds())/1e3/n, "floor-µs/row")
	b.ReportMetric(float64(cpuRecord)/float64(cpuSign), "record/sign")
	b.ReportMetric(float64(cpuFloor)/float64(cpuSign), "floor/sign")
	b.ReportMetric(float64(cpuBare.Nanoseconds())/1e3/n, "bare-µs/row")
	b.ReportMetric(float64(cpuBare)/float64(cpuSign), "bare/sign")
}

// floorRows are the rows ledger A recorded in one run, to write again.
type floorRows struct {
	product                 formats.Product
	keys                    []formats.RegistrationKey
	events, codes, licenses [][]any
}

// replayFloor writes r's rows to l in chunks, with the keys' UPDATE if
// update, and returns the CPU time that took.
func replayFloor(b *testing.B, l *Ledger, r *floorRows, chunk int, update bool, benchCPU func() time.Duration) time.Duration {
	ctx := context.Background()
	rows := len(r.keys)
	c0 := benchCPU()
	for start := 0; start < rows; start += chunk {
		end := min(start+chunk, rows)
		var serials []int64
		if update {
			for _, k := range r.keys[start:end] {
				serials = append(serials, int64(k.Serial))
			}
		}
		err := l.write(ctx, true, func(t *tx) error {
			for i := start; i < end; i++ {
				t.events.add(r.events[i]...)
				t.licenses.add(r.licenses[i]...)
				t.codes.add(r.codes[i]...)
			}
			return ledgerdb.InLists(t.l.store.numbered(), serials, func(match string, args []any) error {
				_, err := t.execW(`UPDATE registration_keys SET state = '`+StateRegistered+`' WHERE product = $1 AND serial `+match,
					append([]any{r.product.String()}, args...)...)
				return err
			})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := l.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	return benchCPU() - c0
}

// readRows reads a query's rows as the values to insert them again.
func readRows(b *testing.B, l *Ledger, q string, args ...any) [][]any {
	rows, err := l.db.QueryContext(context.Background(), q, args...)
	if err != nil {
		b.Fatal(err)
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		b.Fatal(err)
	}
	out, err := ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) ([]any, error) {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		err := sc.Scan(ptrs...)
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				vals[i] = string(bs)
			}
		}
		return vals, err
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}
