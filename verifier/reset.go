package verifier

import (
	"errors"
	"fmt"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/verifier/state"
)

// Refusals of Reset, matched with errors.Is, besides the decoding errors
// of formats.ParseResetCode (ErrTypo, ErrMalformed, ErrWrongProduct …),
// ErrUnknownKey and ErrInstallMismatch. After any refusal the state is as
// it was, and the code can be used later if the refusal was about the
// clock.
var (
	// ErrResetUsed: this install has already accepted the reset code. A
	// code clears one lock once; a new lock needs a new code.
	ErrResetUsed = errors.New("reset code already used")
	// ErrResetNotLocked: the install is not locked at the day the code
	// names: its state remembers another day, or none, or the clock is not
	// behind the remembered time by more than the rollback tolerance.
	ErrResetNotLocked = errors.New("not locked at the reset code's day")
	// ErrResetTooEarly: the clock is behind the day the vendor issued the
	// code by more than the rollback tolerance, so it is wrong, and
	// resetting would lock the install again at once. Setting the clock
	// right and using the same code again works.
	ErrResetTooEarly = errors.New("clock behind the reset code's issue day")
)

// Reset applies a reset code (FORMAT.md section 16) from the vendor, as
// typed or pasted. It needs WithState and WithInstallID: the code is
// signed for one install and clears that install's lock.
//
// A clock once set far ahead is remembered in the state, and every later
// correct day reads as StatusClockRollback, whose License.LastSeen names
// the remembered time. A reset code for this install and that day clears
// it: Reset then sets the state's latest time to the clock, or to the
// start of the day the code was issued if that is later, and records the
// code as used, so that it is accepted once. The product calls Verify
// again afterwards.
//
// Reset refuses a code for another install (ErrInstallMismatch: the
// signature covers the install id), another product (ErrWrongProduct), an
// untrusted key (ErrUnknownKey), another day or an install that is not
// locked (ErrResetNotLocked), a clock behind the code's issue day
// (ErrResetTooEarly) and a code already used (ErrResetUsed), each as an
// *Error that says why and what to do. A state that cannot be saved is
// returned as it is and nothing is reset.
func (v *Verifier) Reset(code string) error {
	if v.store == nil {
		return errors.New("verifier: Reset needs a state (WithState): without one there is no remembered time to clear")
	}
	c, err := formats.ParseResetCode(code, v.product)
	if err != nil {
		return err
	}
	refuse := func(sentinel error, hint, format string, a ...any) error {
		return &Error{Err: sentinel, Msg: fmt.Sprintf(format, a...), Hint: hint, reset: true}
	}
	key := v.keys[c.KeyID]
	if key == nil {
		return refuse(ErrUnknownKey, "ask the vendor for a reset code signed with a key this product trusts",
			"signed with key id %d, which this verifier does not trust", c.KeyID)
	}
	if v.installID == "" {
		return refuse(ErrInstallMismatch, "a reset code is for one install, and the product did not say which install it is on: ask the vendor for help",
			"a reset code is for one install, and no install id was given")
	}
	var buf [formats.MaxResetMessageLen]byte
	msg, err := c.AppendMessage(buf[:0], v.installID)
	if err != nil {
		return err // unreachable: the parser and New checked everything AppendMessage does
	}
	if !v.verifySig(key, nil, msg, c.Signature[:]) {
		return refuse(ErrInstallMismatch,
			fmt.Sprintf("ask the vendor for a reset code for install %q, or copy the code again from the original", v.installID),
			"the signature does not verify with install id %q: the code was issued for another install, or altered", v.installID)
	}

	now := v.now().Round(0) // the wall clock, as in observeState
	issued := c.Issued.Time()
	v.mu.Lock()
	snap := v.seen.Clone()
	v.mu.Unlock()
	var result state.State
	applied := false
	id := c.ID()
	err = v.store.Update(func(s *state.State) error {
		s.Merge(snap)
		_, used := s.Resets[id]
		switch seen := s.LastSeen; {
		case used:
			return refuse(ErrResetUsed, fmt.Sprintf("if this install is locked again, ask the vendor for a new reset code for install %q and the day it remembers", v.installID),
				"this reset code was already used on this install; a reset code clears one lock once")
		case seen.IsZero():
			return refuse(ErrResetNotLocked, "nothing needs resetting",
				"this install remembers no time: there is no lock to clear")
		case today(seen) != int64(c.Remembered):
			return refuse(ErrResetNotLocked,
				fmt.Sprintf("if the clock is right, ask the vendor for a reset code for install %q and day %s", v.installID, dayOf(seen)),
				"the code clears a lock at %s, but this install remembers %s", c.Remembered, dayOf(seen))
		case !now.Before(seen.Add(-v.tolerance)):
			return refuse(ErrResetNotLocked, "nothing needs resetting; keep the code in case the clock is set back",
				"the clock reads %s, not behind the remembered %s: there is no lock to clear", dayOf(now), dayOf(seen))
		case now.Before(issued.Add(-v.tolerance)):
			return refuse(ErrResetTooEarly, "set the clock right, then give the same reset code again",
				"the clock reads %s, before %s, the day the code was issued: the clock is wrong", dayOf(now), c.Issued)
		}
		s.LastSeen = now
		if issued.After(now) {
			s.LastSeen = issued
		}
		s.AddReset(id, c.Remembered.Time())
		result, applied = s.Clone(), true
		return nil
	})
	switch {
	case err == nil:
	case applied && errors.Is(err, state.ErrCorrupt):
		// The store set a corrupt state aside and saved the reset.
		v.mu.Lock()
		v.stateErr = errors.Join(v.stateErr, err)
		v.mu.Unlock()
	default:
		return err
	}
	v.mu.Lock()
	// Merge rather than replace, to keep what Verify recorded meanwhile;
	// the reset drops the in-memory time it cleared.
	v.seen.Merge(result)
	v.saved = v.seen.LastSeen
	v.mu.Unlock()
	return nil
}

// dayOf formats the UTC day of t, whatever its year.
func dayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }
