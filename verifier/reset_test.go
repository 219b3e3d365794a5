package verifier_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/internal/vectors"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/state"
)

// resetCode returns a reset code signed by testKey for installID.
func resetCode(t testing.TB, product, installID, remembered, issued string, nonce uint32) string {
	t.Helper()
	c := formats.ResetCode{Product: formats.MustProduct(product), Version: formats.ResetVersion, KeyID: 1,
		Remembered: day(remembered), Issued: day(issued), Nonce: nonce}
	msg, err := c.AppendMessage(nil, installID)
	if err != nil {
		t.Fatal(err)
	}
	copy(c.Signature[:], ed25519.Sign(testKey, msg))
	return c.String()
}

// TestResetClearsLock is the scenario of the issue: one run with the clock
// ten years ahead locks the install; a reset code for that day clears it,
// once, and only for that install and day.
func TestResetClearsLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.txt")
	code := sign(t, testKey, header(), "")
	clock := at("2036-11-29")
	v := newVerifier(t, verifier.WithState(state.NewFile(path)), verifier.WithInstallID("host-1"),
		verifier.WithNow(func() time.Time { return clock() }))
	if l, err := v.Verify(code); err != nil || l.Status != verifier.StatusExpired || !l.LastSeen.IsZero() {
		t.Fatalf("ahead: %+v %v", l, err)
	}

	// The clock is put right: every check is clock_rollback, naming the
	// remembered time.
	clock = at("2026-12-01")
	l, err := v.Verify(code)
	if err != nil || l.Status != verifier.StatusClockRollback || !l.LastSeen.Equal(at("2036-11-29")()) {
		t.Fatalf("after the clock is put right: %+v %v", l, err)
	}

	refusals := []struct {
		name string
		code string
		want error
	}{
		{"another install", resetCode(t, "PC", "host-2", "2036-11-29", "2026-12-01", 1), verifier.ErrInstallMismatch},
		{"another day", resetCode(t, "PC", "host-1", "2036-11-28", "2026-12-01", 1), verifier.ErrResetNotLocked},
		{"another product", resetCode(t, "PD", "host-1", "2036-11-29", "2026-12-01", 1), verifier.ErrWrongProduct},
		{"issued after the clock", resetCode(t, "PC", "host-1", "2036-11-29", "2026-12-03", 1), verifier.ErrResetTooEarly},
		{"an activation code", code, verifier.ErrMalformed},
	}
	for _, r := range refusals {
		if err := v.Reset(r.code); !errors.Is(err, r.want) {
			t.Errorf("%s: %v, want %v", r.name, err, r.want)
		}
	}
	other := newVerifier(t, verifier.WithState(state.NewFile(path)), verifier.WithInstallID("host-1"))
	bad := ed25519.NewKeyFromSeed([]byte(strings.Repeat("x", ed25519.SeedSize)))
	c, _ := formats.ParseResetCode(resetCode(t, "PC", "host-1", "2036-11-29", "2026-12-01", 1), formats.Product{})
	msg, _ := c.AppendMessage(nil, "host-1")
	copy(c.Signature[:], ed25519.Sign(bad, msg))
	if err := other.Reset(c.String()); !errors.Is(err, verifier.ErrInstallMismatch) {
		t.Errorf("forged: %v", err)
	}
	c.KeyID = 9
	if err := other.Reset(c.String()); !errors.Is(err, verifier.ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
	if l, _ := v.Verify(code); l.Status != verifier.StatusClockRollback {
		t.Fatalf("a refused reset changed the state: %v", l.Status)
	}

	good := resetCode(t, "PC", "host-1", "2036-11-29", "2026-12-01", 7)
	if err := v.Reset(good); err != nil {
		t.Fatal(err)
	}
	if l, err := v.Verify(code); err != nil || l.Status != verifier.StatusValid || !l.LastSeen.IsZero() {
		t.Fatalf("after the reset: %+v %v", l, err)
	}
	// A verifier that loaded the locked state before the reset, saving
	// afterwards, does not bring the lock back.
	list, err := revocation.Sign(testKey, 1, formats.MustProduct("PC"), 1, day("2026-11-30"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.LoadRevocationList(list); err != nil || other.StateError() != nil {
		t.Fatalf("stale verifier: %v %v", err, other.StateError())
	}
	// Saved, for the next run.
	next := newVerifier(t, verifier.WithState(state.NewFile(path)), verifier.WithInstallID("host-1"), verifier.WithNow(at("2026-12-01")))
	if l, err := next.Verify(code); err != nil || l.Status != verifier.StatusValid {
		t.Fatalf("next run: %+v %v", l, err)
	}
	err = next.Reset(good)
	var ve *verifier.Error
	if !errors.Is(err, verifier.ErrResetUsed) || !errors.As(err, &ve) || !strings.HasPrefix(err.Error(), "reset code: ") || ve.Hint == "" {
		t.Fatalf("second use: %v", err)
	}
	// Locked again at the same day, the used code is still refused; a new
	// one for the same day works.
	clock = at("2036-11-29")
	v.Verify(code)
	clock = at("2026-12-02")
	if err := v.Reset(good); !errors.Is(err, verifier.ErrResetUsed) {
		t.Fatalf("used code on a new lock: %v", err)
	}
	if err := v.Reset(resetCode(t, "PC", "host-1", "2036-11-29", "2026-12-02", 8)); err != nil {
		t.Fatalf("new code: %v", err)
	}
}

func TestResetNeedsStateAndInstall(t *testing.T) {
	code := resetCode(t, "PC", "host-1", "2036-11-29", "2026-12-01", 1)
	if err := newVerifier(t, verifier.WithInstallID("host-1")).Reset(code); err == nil || !strings.Contains(err.Error(), "WithState") {
		t.Errorf("without state: %v", err)
	}
	var m state.Memory
	if err := newVerifier(t, verifier.WithState(&m)).Reset(code); !errors.Is(err, verifier.ErrInstallMismatch) {
		t.Errorf("without install id: %v", err)
	}
}

// TestResetAcceptanceVectors applies the acceptance cases of
// testdata/vectors/reset_codes.json to the first valid reset code.
func TestResetAcceptanceVectors(t *testing.T) {
	v, err := vectors.LoadResetCodes("../testdata/vectors/reset_codes.json")
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := hex.DecodeString(v.TestKey.Public)
	code := v.Valid[0]
	results := map[string]error{
		"install_mismatch": verifier.ErrInstallMismatch, "wrong_product": verifier.ErrWrongProduct,
		"used": verifier.ErrResetUsed, "not_locked": verifier.ErrResetNotLocked, "too_early": verifier.ErrResetTooEarly,
	}
	parse := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tc := range v.Acceptance {
		t.Run(tc.Comment, func(t *testing.T) {
			var m state.Memory
			before := state.State{LastSeen: parse(tc.LastSeen)}
			for _, id := range tc.Used {
				before.AddReset(id, day(code.Fields.Remembered).Time())
			}
			m.Update(func(s *state.State) error { *s = before.Clone(); return nil })
			now := parse(tc.Now)
			vf, err := verifier.New(tc.Product, []verifier.Key{{ID: code.Fields.KeyID, Public: pub}},
				verifier.WithState(&m), verifier.WithInstallID(tc.InstallID), verifier.WithNow(func() time.Time { return now }),
				verifier.WithRollbackTolerance(time.Duration(tc.ToleranceSeconds)*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			err = vf.Reset(code.Code)
			after, _ := m.Load()
			if tc.Result == "accepted" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if _, ok := after.Resets[code.HeaderHex]; !ok || !after.LastSeen.Equal(parse(tc.NewLastSeen)) {
					t.Fatalf("state after the reset: %+v", after)
				}
				return
			}
			if !errors.Is(err, results[tc.Result]) {
				t.Fatalf("got %v, want %s", err, tc.Result)
			}
			if !after.LastSeen.Equal(before.LastSeen) || len(after.Resets) != len(before.Resets) {
				t.Fatalf("a refusal changed the state: %+v", after)
			}
		})
	}
}
