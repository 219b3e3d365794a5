// Package state remembers what an offline verifier has seen, so that a
// clock set back, a revocation list replayed or a replaced code reused can be
// told apart from normal use (FORMAT.md section 13).
package state

import (
	"errors"
	"maps"
	"sync"
	"time"

	"github.com/licmint/licmint/formats"
)

// Outcomes of loading a state, matched with errors.Is. Both come with a
// usable default state: the caller decides how much to trust a fresh start.
var (
	// ErrMissing: there is no saved state, as on a first run, or after
	// someone deleted it.
	ErrMissing = errors.New("no saved verifier state")
	// ErrCorrupt: the saved state could not be read; it was set aside and
	// a fresh state started.
	ErrCorrupt = errors.New("verifier state is corrupt")
)

// MaxSerials bounds how many serials' generations a state remembers. A new
// serial beyond it pushes out the lowest serial remembered, whenever it was
// seen: the state keeps no times per serial. That only weakens superseded
// detection for the serial dropped.
const MaxSerials = 10000

// MaxResets bounds how many accepted reset codes a state remembers; the
// ones that cleared the earliest days go first.
const MaxResets = 100

// State is what a verifier has seen. Every field only grows, so two states
// merge by taking the larger of each; the one exception is LastSeen, which
// an accepted reset code moves back (see Merge).
type State struct {
	// LastSeen is the latest verification time seen.
	LastSeen time.Time
	// ListSequence is the highest revocation list sequence accepted.
	ListSequence uint64
	// List is that list, as signed, so that a later run keeps it in force
	// when it is handed an older one; nil if none. It is never modified.
	List []byte
	// Generations is the highest generation seen per serial.
	Generations map[formats.Serial]uint8
	// Resets are the reset codes accepted (FORMAT.md section 16), by their
	// id, each with the start (midnight UTC) of the remembered day it
	// cleared. A code listed here is refused the next time.
	Resets map[string]time.Time
}

// Merge folds o into s. A reset code accepted in one state and not yet
// known to the other declares the other's LastSeen wrong if it is at or
// after the start of the day the reset cleared, so that LastSeen is then
// taken from the state that accepted the reset: a process that saved
// before the reset cannot bring the lock back.
func (s *State) Merge(o State) {
	mine, theirs := s.LastSeen, o.LastSeen
	if clearedBy(o.Resets, s.Resets, mine) {
		mine = time.Time{}
	}
	if clearedBy(s.Resets, o.Resets, theirs) {
		theirs = time.Time{}
	}
	s.LastSeen = mine
	if theirs.After(mine) {
		s.LastSeen = theirs
	}
	for id, day := range o.Resets {
		s.AddReset(id, day)
	}
	if o.ListSequence > s.ListSequence || (o.ListSequence == s.ListSequence && s.List == nil) {
		s.List = o.List
	}
	s.ListSequence = max(s.ListSequence, o.ListSequence)
	for serial, g := range o.Generations {
		s.SeeGeneration(serial, g)
	}
}

// SeeGeneration records generation g of serial and reports the highest
// generation seen for it, g included.
func (s *State) SeeGeneration(serial formats.Serial, g uint8) uint8 {
	if s.Generations == nil {
		s.Generations = map[formats.Serial]uint8{}
	}
	if old, ok := s.Generations[serial]; ok && old >= g {
		return old
	}
	if _, ok := s.Generations[serial]; !ok && len(s.Generations) >= MaxSerials {
		// Forget the lowest serial rather than grow without bound.
		var lowest formats.Serial
		first := true
		for k := range s.Generations {
			if first || k < lowest {
				lowest, first = k, false
			}
		}
		delete(s.Generations, lowest)
	}
	s.Generations[serial] = g
	return g
}

// clearedBy reports whether t, a LastSeen from a state that knows the
// resets in known, was cleared by one of resets that it does not know.
func clearedBy(resets, known map[string]time.Time, t time.Time) bool {
	for id, day := range resets {
		if _, ok := known[id]; !ok && !t.Before(day) {
			return true
		}
	}
	return false
}

// AddReset records the reset code id, which cleared the day starting at
// day. Beyond MaxResets it forgets the one that cleared the earliest day.
func (s *State) AddReset(id string, day time.Time) {
	if s.Resets == nil {
		s.Resets = map[string]time.Time{}
	}
	if _, ok := s.Resets[id]; ok {
		return
	}
	if len(s.Resets) >= MaxResets {
		var oldest string
		for k, d := range s.Resets {
			if oldest == "" || d.Before(s.Resets[oldest]) || (d.Equal(s.Resets[oldest]) && k < oldest) {
				oldest = k
			}
		}
		delete(s.Resets, oldest)
	}
	s.Resets[id] = day
}

// Clone returns a deep copy.
func (s State) Clone() State {
	s.Generations = maps.Clone(s.Generations)
	s.Resets = maps.Clone(s.Resets)
	return s
}

// Store keeps a State between runs. Implementations are safe for concurrent
// use, also across processes where they say so.
type Store interface {
	// Load returns the saved state; with ErrMissing or ErrCorrupt it also
	// returns a usable default.
	Load() (State, error)
	// Update applies fn to the saved state and saves the result
	// atomically. If fn fails, nothing is saved.
	Update(fn func(*State) error) error
}

// Memory is a Store that keeps the state in memory, for tests and for
// products that persist it themselves.
type Memory struct {
	mu sync.Mutex
	s  State
	ok bool
}

// Load implements Store.
func (m *Memory) Load() (State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.ok {
		return State{}, ErrMissing
	}
	return m.s.Clone(), nil
}

// Update implements Store.
func (m *Memory) Update(fn func(*State) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.s.Clone()
	if err := fn(&s); err != nil {
		return err
	}
	m.s, m.ok = s, true
	return nil
}
