package verifier

import (
	"fmt"

	"github.com/licmint/licmint/formats"
)

// VerifyRenewal checks that next, a code the vendor issued at renewal, may
// replace current, the code installed now, and returns next's license.
//
// Both codes must verify as Verify requires (install binding included),
// be for the same serial, and next must be of the same or a higher
// generation and expire later than current (a perpetual code is later than
// any date; nothing extends a perpetual one). A next code revoked by the
// list in force, or superseded by a generation already seen, is refused
// too. Refusals wrap ErrNotRenewal and say which rule failed; a code that
// does not verify gives Verify's error, prefixed by which code it is. Only
// an accepted renewal is recorded in the state: a refused one leaves no
// trace. The product then stores next in place of current.
func (v *Verifier) VerifyRenewal(current, next string) (License, error) {
	cur, err := v.checkCode(current, false)
	if err != nil {
		return License{}, fmt.Errorf("installed code: %w", err)
	}
	l, err := v.checkCode(next, false)
	if err != nil {
		return License{}, fmt.Errorf("new code: %w", err)
	}
	refuse := func(hint, format string, a ...any) (License, error) {
		return License{}, &Error{Err: ErrNotRenewal, Msg: "not a renewal: " + fmt.Sprintf(format, a...), Hint: hint}
	}
	const ask = "ask the vendor for a renewal of the installed code"
	switch {
	case l.Serial != cur.Serial:
		return refuse(ask, "the new code is for serial %s, the installed one for serial %s", l.Serial, cur.Serial)
	case l.Generation < cur.Generation:
		return refuse("keep the installed code: the new one is older",
			"the new code is generation %d, lower than the installed generation %d", l.Generation, cur.Generation)
	case cur.Expires == formats.Perpetual:
		return refuse("keep the installed code", "the installed code is perpetual: nothing extends it")
	case l.Expires <= cur.Expires:
		return refuse(ask, "the new code expires %s, which does not extend the installed code's expiry, %s", l.Expires, cur.Expires)
	case l.Status == StatusRevoked:
		return refuse(ask, "the new code is revoked by the revocation list in force")
	case l.Status == StatusSuperseded:
		return refuse("enter the latest code the vendor issued for this serial",
			"a higher generation of serial %s than the new code's %d has been seen here", l.Serial, l.Generation)
	}
	if v.observe != nil {
		v.observe(l.Serial, l.Generation, v.now(), true)
	}
	return l, nil
}

func (v *Verifier) checkCode(code string, record bool) (License, error) {
	c, err := formats.ParseSigned(code, v.product)
	if err != nil {
		return License{}, err
	}
	return v.check(&c, record)
}
