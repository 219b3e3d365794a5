// Package benchratio times an operation against its baseline in
// alternation, within one benchmark, so that their ratio holds on a shared
// machine whose speed drifts between back-to-back benchmarks.
package benchratio

import (
	"testing"
	"time"
)

// Compare runs base and ours alternately, each b.N times, and reports
// their mean times as base-ns/op and ours-ns/op, and ours/base as ratio.
func Compare(b *testing.B, base, ours func()) {
	b.Helper()
	CompareSetup(b, nil, base, ours)
}

// CompareSetup is Compare with setup, if not nil, run before each pair and
// timed in neither: for work that ours uses up, such as fresh keys to
// record.
func CompareSetup(b *testing.B, setup, base, ours func()) {
	b.Helper()
	b.ReportAllocs()
	var tBase, tOurs time.Duration
	i := 0
	for b.Loop() {
		if setup != nil {
			b.StopTimer()
			setup()
			b.StartTimer()
		}
		// Alternate which runs first, so that neither always inherits
		// the other's cache state.
		first, second := base, ours
		if i%2 == 1 {
			first, second = ours, base
		}
		t0 := time.Now()
		first()
		t1 := time.Now()
		second()
		t2 := time.Now()
		if i%2 == 1 {
			tOurs, tBase = tOurs+t1.Sub(t0), tBase+t2.Sub(t1)
		} else {
			tBase, tOurs = tBase+t1.Sub(t0), tOurs+t2.Sub(t1)
		}
		i++
	}
	n := float64(b.N)
	b.ReportMetric(float64(tBase.Nanoseconds())/n, "base-ns/op")
	b.ReportMetric(float64(tOurs.Nanoseconds())/n, "ours-ns/op")
	b.ReportMetric(float64(tOurs)/float64(tBase), "ratio")
}
