package batch

import (
	"math/bits"
	"slices"
)

// keySet remembers the Registration Keys a batch has signed, and the line
// of each one's first row, to find repeated keys. A batch of a million
// rows kept them in a map[uint64]int32 of some 30 MB, twice that in heap
// before a collection: the largest part of a batch's memory. keySet keeps
// them in 12 bytes each: a small map for the newest keys, frozen into
// sorted runs of runKeys, each with a bit filter that rules out nearly
// every key it does not hold without a search.
type keySet struct {
	recent map[uint64]int32
	runs   []keyRun
}

type keyRun struct {
	keys   []uint64 // sorted
	lines  []int32  // lines[i] is keys[i]'s
	filter []uint64 // filterBits bits
}

const (
	runKeys    = 1 << 16
	filterBits = 16 * runKeys // two bits a key: about 1.4% pass by chance
)

// filterHashes are a key's two bit positions in a run's filter.
func filterHashes(key uint64) (uint32, uint32) {
	const shift = 64 - 20 // log2(filterBits)
	h := key * 0x9e3779b97f4a7c15
	return uint32(h >> shift), uint32(bits.RotateLeft64(h, 20) >> shift)
}

// first returns the line of key's first row, if the set has it.
func (s *keySet) first(key uint64) (int32, bool) {
	if line, ok := s.recent[key]; ok {
		return line, true
	}
	a, b := filterHashes(key)
	for i := range s.runs {
		r := &s.runs[i]
		if r.filter[a/64]&(1<<(a%64)) == 0 || r.filter[b/64]&(1<<(b%64)) == 0 {
			continue
		}
		if j, ok := slices.BinarySearch(r.keys, key); ok {
			return r.lines[j], true
		}
	}
	return 0, false
}

// add records key, which the set does not have, at line.
func (s *keySet) add(key uint64, line int32) {
	if s.recent == nil {
		s.recent = make(map[uint64]int32, runKeys)
	}
	s.recent[key] = line
	if len(s.recent) < runKeys {
		return
	}
	r := keyRun{keys: make([]uint64, 0, len(s.recent)), lines: make([]int32, len(s.recent)), filter: make([]uint64, filterBits/64)}
	for k := range s.recent {
		r.keys = append(r.keys, k)
	}
	slices.Sort(r.keys)
	for i, k := range r.keys {
		r.lines[i] = s.recent[k]
		a, b := filterHashes(k)
		r.filter[a/64] |= 1 << (a % 64)
		r.filter[b/64] |= 1 << (b % 64)
	}
	s.runs = append(s.runs, r)
	clear(s.recent)
}
