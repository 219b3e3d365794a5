package verifier

import (
	"errors"
	"fmt"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/verifier/state"
)

// saveInterval is how far LastSeen must advance before it alone is worth a
// write: a product verifying at every start, or every minute, should not
// write the disk each time, and an hour is far inside the rollback
// tolerance.
const saveInterval = time.Hour

// attachState sets up the store and reads the state New starts from. Whatever goes wrong, the
// verifier starts from a fresh state rather than failing: the license
// result must not depend on the disk. A missing state is a first run and
// not reported; anything else is kept for StateError.
func (v *Verifier) attachState(s state.Store) {
	v.store, v.observe = s, v.observeState
	st, err := s.Load()
	switch {
	case err == nil:
	case errors.Is(err, state.ErrMissing):
		err = nil
	case errors.Is(err, state.ErrCorrupt):
		// st is the store's usable default.
	default:
		st = state.State{}
	}
	v.seen, v.saved, v.stateErr = st, st.LastSeen, err
	// The list accepted in an earlier run stays in force: a list older than
	// it, handed over later, is then refused rather than undoing it.
	if st.List != nil {
		l, lerr := v.parseList(st.List)
		switch {
		case lerr != nil:
			v.stateErr = errors.Join(v.stateErr, fmt.Errorf("the saved revocation list does not load: %w", lerr))
		case l.Sequence < st.ListSequence:
			v.stateErr = errors.Join(v.stateErr, fmt.Errorf("the saved revocation list has sequence %d, below the %d accepted", l.Sequence, st.ListSequence))
		default:
			v.list.Store(l)
		}
	}
}

// observeState compares a verified code with the state, and with record true
// records it: the latest time seen, never moving back, and the highest
// generation of its serial. It saves the state when something worth
// remembering changed. rolledBackFrom is the latest time seen when the
// clock is behind it by more than the tolerance, else zero.
func (v *Verifier) observeState(serial formats.Serial, gen uint8, now time.Time, record bool) (superseded bool, rolledBackFrom time.Time) {
	// Strip the monotonic reading: comparisons must use the wall clock,
	// which is what a user sets back.
	now = now.Round(0)
	v.mu.Lock()
	highest, known := v.seen.Generations[serial]
	superseded = known && highest > gen
	if now.Before(v.seen.LastSeen.Add(-v.tolerance)) {
		rolledBackFrom = v.seen.LastSeen
	}
	save := false
	if record {
		if !known || gen > highest {
			v.seen.SeeGeneration(serial, gen)
			save = true
		}
		if now.After(v.seen.LastSeen) {
			v.seen.LastSeen = now
			save = save || now.Sub(v.saved) >= saveInterval
		}
	}
	v.mu.Unlock()
	if save {
		v.save()
	}
	return superseded, rolledBackFrom
}

// save merges the in-memory state into the store, taking the larger of
// each field, and merges back what other processes saved meanwhile. A
// failure is kept for StateError: the state is a safeguard, and a full
// disk must not turn a good license bad.
func (v *Verifier) save() {
	v.mu.Lock()
	snap := v.seen.Clone()
	v.mu.Unlock()
	var merged state.State
	err := v.store.Update(func(s *state.State) error {
		s.Merge(snap)
		merged = s.Clone()
		return nil
	})
	v.mu.Lock()
	defer v.mu.Unlock()
	switch {
	case err == nil:
		v.saveErr = nil
	case errors.Is(err, state.ErrCorrupt):
		// The store set the corrupt state aside and saved ours.
		v.saveErr = nil
		if v.stateErr == nil {
			v.stateErr = err
		}
	default:
		v.saveErr = err
		return
	}
	v.seen.Merge(merged)
	if snap.LastSeen.After(v.saved) {
		v.saved = snap.LastSeen
	}
}

// StateError reports what went wrong with the WithState store: a corrupt
// or unreadable state found by New or a later save (the verifier then
// started afresh), and the latest save failure, cleared by a good save. It
// returns nil without a store, and after a missing state, which is
// normal on a first run. Products log it; the licenses Verify reports do
// not depend on it.
func (v *Verifier) StateError() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return errors.Join(v.stateErr, v.saveErr)
}
