package batch

import (
	"math/rand/v2"
	"testing"
)

// keySet answers as the map it replaces does, across several frozen runs,
// with keys spread as random serials are and packed as sequential ones.
func TestKeySet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, spread := range []bool{true, false} {
		var s keySet
		want := make(map[uint64]int32)
		n := 3*runKeys + 123
		for i := range n {
			k := uint64(i)
			if spread {
				k = rng.Uint64() >> 7
			}
			if i%17 == 0 && i > 0 {
				k = uint64(rng.IntN(i)) // a repeat, or a key never added
				if spread {
					k = rng.Uint64() >> 7
				}
			}
			line, ok := s.first(k)
			wline, wok := want[k]
			if ok != wok || line != wline {
				t.Fatalf("spread %v, key %d (row %d): got line %d, %v; want %d, %v", spread, k, i, line, ok, wline, wok)
			}
			if !ok {
				s.add(k, int32(i+2))
				want[k] = int32(i + 2)
			}
		}
		if len(s.runs) != len(want)/runKeys || len(s.runs) < 2 {
			t.Errorf("spread %v: %d runs for %d keys", spread, len(s.runs), len(want))
		}
		for k, wline := range want {
			if line, ok := s.first(k); !ok || line != wline {
				t.Fatalf("spread %v: key %d: got line %d, %v; want %d", spread, k, line, ok, wline)
			}
		}
	}
}

func BenchmarkKeySet(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s keySet
	b.ReportAllocs()
	for b.Loop() {
		k := rng.Uint64() >> 7
		if _, ok := s.first(k); !ok {
			s.add(k, 1)
		}
	}
}
