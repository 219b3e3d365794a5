package verifier_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/state"
)

// A child process started by TestTwoProcessesShareState verifies codes
// with a shared state file and loads a list, then exits.
func TestMain(m *testing.M) {
	if path := os.Getenv("LICMINT_VERIFIER_CHILD"); path != "" {
		if err := child(path, os.Getenv("LICMINT_VERIFIER_ID")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func child(path, id string) error {
	n, _ := strconv.Atoi(id)
	v, err := verifier.New("PC", testKeys(), verifier.WithState(state.NewFile(path)), verifier.WithNow(at("2027-01-01")))
	if err != nil {
		return err
	}
	// Each child sees its own serial, at generation n, and list sequence n.
	h := header()
	h.Serial, h.Generation = formats.Serial(1000+n), uint8(n)
	for range 20 {
		if _, err := v.Verify(sign(&testing.T{}, testKey, h, "")); err != nil {
			return err
		}
	}
	list, err := revocation.Sign(testKey, 1, formats.MustProduct("PC"), uint64(n), day("2026-12-01"), nil)
	if err != nil {
		return err
	}
	// The other child may have saved sequence 2 first: refusing 1 then is
	// right.
	if err := v.LoadRevocationList(list); err != nil && !errors.Is(err, verifier.ErrListReplayed) {
		return err
	}
	return v.StateError()
}

func signList(t testing.TB, priv ed25519.PrivateKey, seq uint64, entries ...revocation.Entry) []byte {
	t.Helper()
	b, err := revocation.Sign(priv, 1, formats.MustProduct("PC"), seq, day("2026-12-01"), entries)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gen returns the standard header at generation g.
func gen(g uint8) formats.Header {
	h := header()
	h.Generation = g
	return h
}

func status(t *testing.T, v *verifier.Verifier, code string) verifier.Status {
	t.Helper()
	l, err := v.Verify(code)
	if err != nil {
		t.Fatal(err)
	}
	if l.Status.InForce() != (l.Features.Enabled("update") && l.Features.Enabled("scan")) {
		t.Fatalf("status %v with features %v", l.Status, l.Features.Map())
	}
	return l.Status
}

func TestRevocationList(t *testing.T) {
	serial := header().Serial
	g0, g1, g2 := sign(t, testKey, gen(0), ""), sign(t, testKey, gen(1), ""), sign(t, testKey, gen(2), "")
	other := header()
	other.Serial = 42
	otherCode := sign(t, testKey, other, "")

	v := newVerifier(t)
	if _, ok := v.RevocationList(); ok {
		t.Fatal("a list in force before any was loaded")
	}
	// (serial, below 2) revokes generations 0 and 1, not 2.
	if err := v.LoadRevocationList(signList(t, testKey, 5, revocation.Entry{Serial: serial, Below: 2}, revocation.Entry{Serial: 7})); err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]verifier.Status{g0: verifier.StatusRevoked, g1: verifier.StatusRevoked, g2: verifier.StatusValid, otherCode: verifier.StatusValid} {
		if got := status(t, v, code); got != want {
			t.Errorf("%v, want %v", got, want)
		}
	}
	if info, ok := v.RevocationList(); !ok || info.Sequence != 5 || info.Entries != 2 || info.KeyID != 1 || info.Issued != day("2026-12-01") {
		t.Fatalf("RevocationList = %+v %v", info, ok)
	}
	// The same list loads again; another with its sequence is refused,
	// and the first stays in force.
	if err := v.LoadRevocationList(signList(t, testKey, 5, revocation.Entry{Serial: serial, Below: 2}, revocation.Entry{Serial: 7})); err != nil {
		t.Fatal(err)
	}
	if err := v.LoadRevocationList(signList(t, testKey, 5, revocation.Entry{Serial: serial})); !errors.Is(err, verifier.ErrListReplayed) {
		t.Fatalf("another list of sequence 5: %v, want ErrListReplayed", err)
	}
	if got := status(t, v, g2); got != verifier.StatusValid {
		t.Errorf("after the other list of sequence 5 was refused: %v", got)
	}
	// Below 0 revokes every generation.
	if err := v.LoadRevocationList(signList(t, testKey, 6, revocation.Entry{Serial: serial})); err != nil {
		t.Fatal(err)
	}
	if got := status(t, v, g2); got != verifier.StatusRevoked {
		t.Errorf("below 0: %v", got)
	}
	// Revoked wins over the dates, and an expired revoked code is revoked.
	expired := newVerifier(t, verifier.WithNow(at("2029-01-01")))
	if err := expired.LoadRevocationList(signList(t, testKey, 1, revocation.Entry{Serial: serial})); err != nil {
		t.Fatal(err)
	}
	if got := status(t, expired, g0); got != verifier.StatusRevoked {
		t.Errorf("expired and revoked: %v", got)
	}
}

func TestRevocationListRefused(t *testing.T) {
	serial := header().Serial
	code := sign(t, testKey, header(), "")
	good := signList(t, testKey, 7, revocation.Entry{Serial: serial}, revocation.Entry{Serial: 99}, revocation.Entry{Serial: 12345})
	other := ed25519.NewKeyFromSeed([]byte("another key, not in the keyring!"))
	unknownKey, _ := revocation.Sign(testKey, 9, formats.MustProduct("PC"), 8, day("2026-12-01"), nil)
	pd, _ := revocation.Sign(testKey, 1, formats.MustProduct("PD"), 8, day("2026-12-01"), nil)
	tampered := bytes.Clone(good)
	tampered[28+3] ^= 1 // a serial in the first entry
	// Swap the first two entries: still the right length, but out of order.
	reordered := bytes.Clone(good)
	copy(reordered[28:36], good[36:44])
	copy(reordered[36:44], good[28:36])
	// Also re-signed, so only the order is wrong.
	resigned := bytes.Clone(reordered[:len(reordered)-64])
	resigned = append(resigned, ed25519.Sign(testKey, append([]byte(revocation.Context), resigned...))...)
	padded := append(bytes.Clone(good), 0)
	badReserved := bytes.Clone(good)
	badReserved[11] = 1

	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"replayed older list", signList(t, testKey, 6), verifier.ErrListReplayed},
		{"tampered", tampered, verifier.ErrListBadSignature},
		{"truncated by one entry", good[:len(good)-8], verifier.ErrListMalformed},
		{"truncated signature", good[:len(good)-1], verifier.ErrListMalformed},
		{"truncated header", good[:20], verifier.ErrListMalformed},
		{"padded", padded, verifier.ErrListMalformed},
		{"reordered", reordered, verifier.ErrListBadSignature},
		{"reordered and re-signed", resigned, verifier.ErrListMalformed},
		{"reserved byte", badReserved, verifier.ErrListMalformed},
		{"untrusted key", signList(t, other, 8), verifier.ErrListBadSignature},
		{"unknown key id", unknownKey, verifier.ErrListUnknownKey},
		{"another product", pd, verifier.ErrListWrongProduct},
		{"not a list", []byte(strings.Repeat("x", 200)), verifier.ErrListMalformed},
		{"empty", nil, verifier.ErrListMalformed},
	} {
		v := newVerifier(t)
		if err := v.LoadRevocationList(good); err != nil {
			t.Fatal(err)
		}
		err := v.LoadRevocationList(tc.data)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			continue
		}
		// The last good list stays in force.
		if info, _ := v.RevocationList(); info.Sequence != 7 || status(t, v, code) != verifier.StatusRevoked {
			t.Errorf("%s: last good list not kept (%+v)", tc.name, info)
		}
	}
	// A newer list replaces the old one, after which the old is a replay.
	v := newVerifier(t)
	for _, seq := range []uint64{3, 7} {
		if err := v.LoadRevocationList(signList(t, testKey, seq, revocation.Entry{Serial: 99})); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.LoadRevocationList(signList(t, testKey, 3, revocation.Entry{Serial: serial})); !errors.Is(err, verifier.ErrListReplayed) ||
		!strings.Contains(err.Error(), "sequence 3 is lower than sequence 7") {
		t.Fatalf("replay: %v", err)
	}
	if status(t, v, code) != verifier.StatusValid {
		t.Fatal("the replayed list took effect")
	}
}

// TestListDecoderAgrees holds the verifier's list loading, with its own
// Ed25519 code, to formats/revocation read with crypto/ed25519, on lists of
// every shape mangled at every byte.
func TestListDecoderAgrees(t *testing.T) {
	entries := []revocation.Entry{{Serial: 1}, {Serial: 1 << 31, Below: 3}, {Serial: 1<<31 + 1, Below: 1},
		{Serial: 5 << 31}, {Serial: formats.MaxSerial, Below: 255}}
	key := testRing(t).VerifyList
	for n := range len(entries) + 1 {
		data := signList(t, testKey, uint64(n), entries[:n]...)
		for i := range len(data) + 1 {
			mangled := [][]byte{data[:i]}
			if i < len(data) {
				b := bytes.Clone(data)
				b[i] ^= 0x81
				mangled = append(mangled, b)
			}
			for _, d := range mangled {
				compareDecoders(t, d, key)
			}
		}
	}
}

func compareDecoders(t *testing.T, data []byte, key revocation.VerifyFunc) {
	t.Helper()
	want, werr := revocation.Parse(data, formats.MustProduct("PC"), key)
	v := newVerifier(t)
	err := v.LoadRevocationList(data)
	if (err == nil) != (werr == nil) {
		t.Fatalf("%x: verifier says %v, formats/revocation %v", data, err, werr)
	}
	for _, pair := range [][2]error{{werr, nil}, {revocation.ErrMalformed, verifier.ErrListMalformed},
		{revocation.ErrBadSignature, verifier.ErrListBadSignature}, {revocation.ErrUnknownKey, verifier.ErrListUnknownKey},
		{revocation.ErrWrongProduct, verifier.ErrListWrongProduct}} {
		if pair[1] != nil && errors.Is(werr, pair[0]) != errors.Is(err, pair[1]) {
			t.Fatalf("%x: verifier says %v, formats/revocation %v", data, err, werr)
		}
	}
	if werr != nil {
		return
	}
	for i := range want.Len() {
		e := want.Entry(i)
		for _, s := range []formats.Serial{e.Serial - 1, e.Serial, e.Serial + 1} {
			for _, g := range []uint8{0, 1, 2, 3, 254, 255} {
				h := header()
				h.Serial, h.Generation = s, g
				if s > formats.MaxSerial {
					continue
				}
				l, err := v.Verify(sign(t, testKey, h, ""))
				if err != nil {
					t.Fatal(err)
				}
				if (l.Status == verifier.StatusRevoked) != want.Revoked(s, g) {
					t.Fatalf("serial %d generation %d: %v, formats/revocation says revoked %v", s, g, l.Status, want.Revoked(s, g))
				}
			}
		}
	}
}

func FuzzLoadRevocationList(f *testing.F) {
	f.Add(signList(f, testKey, 1, revocation.Entry{Serial: 31415926535897, Below: 1}, revocation.Entry{Serial: 9}))
	f.Add(signList(f, testKey, 2))
	key := testRing(f).VerifyList
	f.Fuzz(func(t *testing.T, data []byte) {
		want, werr := revocation.Parse(data, formats.MustProduct("PC"), key)
		v := newVerifier(t)
		err := v.LoadRevocationList(data)
		if (err == nil) != (werr == nil) {
			t.Fatalf("verifier says %v, formats/revocation %v", err, werr)
		}
		if err == nil {
			if info, _ := v.RevocationList(); info.Entries != want.Len() || info.Sequence != want.Sequence {
				t.Fatalf("%+v", info)
			}
		}
	})
}

func TestSuperseded(t *testing.T) {
	g0, g1 := sign(t, testKey, gen(0), ""), sign(t, testKey, gen(1), "")
	var mem state.Memory
	v := newVerifier(t, verifier.WithState(&mem))
	if status(t, v, g0) != verifier.StatusValid || status(t, v, g1) != verifier.StatusValid {
		t.Fatal("fresh codes not valid")
	}
	if got := status(t, v, g0); got != verifier.StatusSuperseded {
		t.Fatalf("generation 0 after seeing 1: %v", got)
	}
	// Without a state, nothing is remembered.
	if got := status(t, newVerifier(t), g0); got != verifier.StatusValid {
		t.Fatalf("no state: %v", got)
	}
	// Another verifier sharing the state file learns it.
	path := filepath.Join(t.TempDir(), "state.json")
	a := newVerifier(t, verifier.WithState(state.NewFile(path)))
	status(t, a, g1)
	b := newVerifier(t, verifier.WithState(state.NewFile(path)))
	if got := status(t, b, g0); got != verifier.StatusSuperseded {
		t.Fatalf("second instance: %v", got)
	}
	if err := errors.Join(a.StateError(), b.StateError()); err != nil {
		t.Fatal(err)
	}
	// Revoked comes before superseded.
	if err := b.LoadRevocationList(signList(t, testKey, 1, revocation.Entry{Serial: header().Serial})); err != nil {
		t.Fatal(err)
	}
	if got := status(t, b, g0); got != verifier.StatusRevoked {
		t.Fatalf("revoked and superseded: %v", got)
	}
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func TestClockRollback(t *testing.T) {
	code := sign(t, testKey, header(), "")
	start := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	c := &clock{t: start}
	path := filepath.Join(t.TempDir(), "state.json")
	store := state.NewFile(path)
	v := newVerifier(t, verifier.WithState(store), verifier.WithNow(c.now))
	for _, tc := range []struct {
		at   time.Time
		want verifier.Status
	}{
		{start, verifier.StatusValid},
		{start.Add(-23 * time.Hour), verifier.StatusValid},             // back, within a day
		{start.Add(-25 * time.Hour), verifier.StatusClockRollback},     // back, beyond it
		{start.Add(30 * 24 * time.Hour), verifier.StatusValid},         // forward
		{start.Add(28 * 24 * time.Hour), verifier.StatusClockRollback}, // back from the new latest
		{start.Add(29*24*time.Hour + time.Hour), verifier.StatusValid},
	} {
		c.set(tc.at)
		if got := status(t, v, code); got != tc.want {
			t.Errorf("clock at %v: %v, want %v", tc.at, got, tc.want)
		}
	}
	// LastSeen advanced to the latest time and never went back; it was
	// saved, and a new verifier on the same file sees the rollback.
	s, err := store.Load()
	if err != nil || !s.LastSeen.Equal(start.Add(30*24*time.Hour)) {
		t.Fatalf("saved %v %v", s.LastSeen, err)
	}
	c.set(start)
	if got := status(t, newVerifier(t, verifier.WithState(store), verifier.WithNow(c.now)), code); got != verifier.StatusClockRollback {
		t.Fatalf("new instance: %v", got)
	}
	// The tolerance is an option; 0 flags any step back.
	v = newVerifier(t, verifier.WithState(&state.Memory{}), verifier.WithNow(c.now), verifier.WithRollbackTolerance(0))
	status(t, v, code)
	c.set(start.Add(-time.Second))
	if got := status(t, v, code); got != verifier.StatusClockRollback {
		t.Fatalf("zero tolerance: %v", got)
	}
	if _, err := verifier.New("PC", testKeys(), verifier.WithRollbackTolerance(-time.Hour)); err == nil {
		t.Fatal("negative tolerance accepted")
	}
}

// countingStore counts saves.
type countingStore struct {
	state.Memory
	saves int
	fail  error
}

func (s *countingStore) Update(fn func(*state.State) error) error {
	s.saves++
	if s.fail != nil {
		return s.fail
	}
	return s.Memory.Update(fn)
}

func TestStateSavesSparingly(t *testing.T) {
	code := sign(t, testKey, header(), "")
	c := &clock{t: time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)}
	store := &countingStore{}
	v := newVerifier(t, verifier.WithState(store), verifier.WithNow(c.now))
	for range 100 {
		status(t, v, code)
	}
	if store.saves != 1 {
		t.Fatalf("%d saves for 100 verifications of one code", store.saves)
	}
	c.set(c.now().Add(59 * time.Minute))
	status(t, v, code)
	c.set(c.now().Add(2 * time.Minute))
	status(t, v, code)
	if store.saves != 2 {
		t.Fatalf("%d saves after an hour", store.saves)
	}
	// A failing store does not change the license; StateError says why
	// until a save succeeds.
	store.fail = errors.New("disk full")
	if status(t, v, sign(t, testKey, gen(1), "")) != verifier.StatusValid {
		t.Fatal("status changed by a failing store")
	}
	if err := v.StateError(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("StateError = %v", err)
	}
	// Generation 1 is remembered in memory all the same.
	if got := status(t, v, code); got != verifier.StatusSuperseded {
		t.Fatalf("after a failed save: %v", got)
	}
	store.fail = nil
	status(t, v, sign(t, testKey, gen(2), ""))
	if err := v.StateError(); err != nil {
		t.Fatalf("after a good save: %v", err)
	}
}

func TestStateFileProblems(t *testing.T) {
	code := sign(t, testKey, header(), "")
	dir := t.TempDir()

	// Missing: a first run, not an error.
	missing := filepath.Join(dir, "missing.json")
	v := newVerifier(t, verifier.WithState(state.NewFile(missing)))
	if err := v.StateError(); err != nil {
		t.Fatalf("missing state: %v", err)
	}
	if status(t, v, code) != verifier.StatusValid {
		t.Fatal("missing state")
	}
	if _, err := os.Stat(missing); err != nil {
		t.Fatalf("state not saved: %v", err)
	}

	// Corrupt: a fresh start, reported; the next save replaces it.
	for name, content := range map[string]string{"garbage": "{{{", "truncated": "licmint verifier state v1\nlast-seen: 2027-", "empty": ""} {
		path := filepath.Join(dir, name+".json")
		os.WriteFile(path, []byte(content), 0o600)
		v := newVerifier(t, verifier.WithState(state.NewFile(path)))
		if err := v.StateError(); !errors.Is(err, state.ErrCorrupt) {
			t.Fatalf("%s: StateError = %v", name, err)
		}
		if status(t, v, code) != verifier.StatusValid {
			t.Fatalf("%s: not valid", name)
		}
		if s, err := state.NewFile(path).Load(); err != nil || s.Generations[header().Serial] != 0 || s.LastSeen.IsZero() {
			t.Fatalf("%s: not replaced: %+v %v", name, s, err)
		}
	}

	// Unreadable (a directory): a fresh start, reported; saves fail and
	// are reported, and the license stands.
	v = newVerifier(t, verifier.WithState(state.NewFile(dir)))
	if v.StateError() == nil || status(t, v, code) != verifier.StatusValid || v.StateError() == nil {
		t.Fatalf("unreadable state: %v", v.StateError())
	}
}

// TestListSequenceRemembered: a list older than one accepted in an earlier
// run is refused, also by a new verifier.
func TestListSequenceRemembered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	v := newVerifier(t, verifier.WithState(state.NewFile(path)))
	if err := v.LoadRevocationList(signList(t, testKey, 4)); err != nil {
		t.Fatal(err)
	}
	v = newVerifier(t, verifier.WithState(state.NewFile(path)))
	if err := v.LoadRevocationList(signList(t, testKey, 3)); !errors.Is(err, verifier.ErrListReplayed) {
		t.Fatalf("older list in a later run: %v", err)
	}
	// The list saved in the earlier run stays in force.
	if info, ok := v.RevocationList(); !ok || info.Sequence != 4 {
		t.Fatalf("list in force after a refusal: %+v %v", info, ok)
	}
	if err := v.LoadRevocationList(signList(t, testKey, 4)); err != nil {
		t.Fatalf("same list in a later run: %v", err)
	}
}

// TestTwoProcessesShareState has two processes verify and load lists with
// the same state file at once: the file keeps the highest of everything.
func TestTwoProcessesShareState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "LICMINT_VERIFIER_CHILD="+path, "LICMINT_VERIFIER_ID="+strconv.Itoa(i+1))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("%v: %s", err, out)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	s, err := state.NewFile(path).Load()
	if err != nil || s.ListSequence != 2 || s.Generations[1001] != 1 || s.Generations[1002] != 2 {
		t.Fatalf("after two processes: %+v %v", s, err)
	}
}

func TestVerifyRenewal(t *testing.T) {
	cur := header() // generation 0, expires 2027-11-27
	next := cur
	next.Issued, next.Expires = day("2027-11-01"), day("2028-11-27")
	curCode, nextCode := sign(t, testKey, cur, ""), sign(t, testKey, next, "")

	var mem state.Memory
	v := newVerifier(t, verifier.WithState(&mem))
	l, err := v.VerifyRenewal(curCode, nextCode)
	if err != nil || l.Expires != next.Expires || l.Serial != cur.Serial {
		t.Fatalf("renewal: %+v %v", l, err)
	}
	// A replacement at renewal, of a higher generation, supersedes the old.
	next1 := next
	next1.Generation = 1
	if _, err := v.VerifyRenewal(curCode, sign(t, testKey, next1, "")); err != nil {
		t.Fatal(err)
	}
	if got := status(t, v, curCode); got != verifier.StatusSuperseded {
		t.Fatalf("installed code after a generation 1 renewal: %v", got)
	}
	perpetual := next
	perpetual.Expires = formats.Perpetual
	if _, err := newVerifier(t).VerifyRenewal(curCode, sign(t, testKey, perpetual, "")); err != nil {
		t.Fatalf("to perpetual: %v", err)
	}

	otherSerial := next
	otherSerial.Serial = 1
	shorter := next
	shorter.Expires = cur.Expires
	lowerGen := next
	cur2 := cur
	cur2.Generation = 2
	bound := next
	bound.Bound = true
	// The installed code with its expiry raised: check symbols are no
	// secret, the signature fails.
	fc, _ := formats.ParseSigned(curCode, formats.MustProduct("PC"))
	fc.Expires = formats.Perpetual
	forged := fc.String()
	for _, tc := range []struct {
		name, cur, next string
		want            error
		msg             string
	}{
		{"another serial", curCode, sign(t, testKey, otherSerial, ""), verifier.ErrNotRenewal, "serial 00000000000001"},
		{"same expiry", curCode, sign(t, testKey, shorter, ""), verifier.ErrNotRenewal, "does not extend"},
		{"earlier expiry", nextCode, curCode, verifier.ErrNotRenewal, "does not extend"},
		{"lower generation", sign(t, testKey, cur2, ""), sign(t, testKey, lowerGen, ""), verifier.ErrNotRenewal, "generation 0, lower than the installed generation 2"},
		{"perpetual installed", sign(t, testKey, perpetual, ""), nextCode, verifier.ErrNotRenewal, "perpetual"},
		{"new code forged", curCode, forged, verifier.ErrBadSignature, "new code:"},
		{"installed code malformed", "PC-1234", nextCode, verifier.ErrMalformed, "installed code:"},
		{"new code bound elsewhere", curCode, sign(t, testKey, bound, "another-install"), verifier.ErrInstallMismatch, "new code:"},
	} {
		var mem state.Memory
		v := newVerifier(t, verifier.WithState(&mem))
		l, err := v.VerifyRenewal(tc.cur, tc.next)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) || l.Status != verifier.StatusInvalid {
			t.Errorf("%s: %v, want %v with %q", tc.name, err, tc.want, tc.msg)
		}
		// A refused renewal leaves no trace.
		if s, _ := mem.Load(); len(s.Generations) != 0 {
			t.Errorf("%s: refused renewal recorded %v", tc.name, s.Generations)
		}
	}

	// A revoked or superseded new code is refused.
	v = newVerifier(t)
	if err := v.LoadRevocationList(signList(t, testKey, 1, revocation.Entry{Serial: cur.Serial, Below: 1})); err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyRenewal(curCode, nextCode); !errors.Is(err, verifier.ErrNotRenewal) || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked new code: %v", err)
	}
	if _, err := v.VerifyRenewal(curCode, sign(t, testKey, next1, "")); err != nil {
		t.Errorf("generation 1 after revoking below 1: %v", err)
	}
	v = newVerifier(t, verifier.WithState(&state.Memory{}))
	next2 := next
	next2.Generation = 2
	status(t, v, sign(t, testKey, next2, ""))
	if _, err := v.VerifyRenewal(curCode, sign(t, testKey, next1, "")); !errors.Is(err, verifier.ErrNotRenewal) || !strings.Contains(err.Error(), "higher generation") {
		t.Errorf("superseded new code: %v", err)
	}
	var ve *verifier.Error
	if _, err := v.VerifyRenewal(curCode, curCode); !errors.As(err, &ve) || ve.Hint == "" {
		t.Errorf("no hint: %v", err)
	}
}

// TestConcurrentLists swaps lists while other goroutines verify; run with
// -race.
func TestConcurrentLists(t *testing.T) {
	code := sign(t, testKey, header(), "")
	revoking := signList(t, testKey, 1, revocation.Entry{Serial: header().Serial})
	v := newVerifier(t, verifier.WithState(&state.Memory{}))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				l, err := v.Verify(code)
				if err != nil || (l.Status != verifier.StatusValid && l.Status != verifier.StatusRevoked) {
					t.Error("concurrent verify:", l.Status, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			list := revoking
			if i%2 == 1 {
				list = signList(t, testKey, uint64(i+1))
			}
			if err := v.LoadRevocationList(list); err != nil && !errors.Is(err, verifier.ErrListReplayed) {
				t.Error(err)
			}
		}
	})
	wg.Wait()
}

// TestVerifyAllocsWithList: a list in force costs Verify no allocation.
func TestVerifyAllocsWithList(t *testing.T) {
	v := newVerifier(t)
	if err := v.LoadRevocationList(signList(t, testKey, 1, revocation.Entry{Serial: 5})); err != nil {
		t.Fatal(err)
	}
	code := sign(t, testKey, header(), "")
	if n := testing.AllocsPerRun(50, func() {
		if _, err := v.Verify(code); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Verify allocates %v times with a list", n)
	}
}

// testRing trusts test key 1 with crypto/ed25519, apart from the
// verifier's own Ed25519 code.
func testRing(t testing.TB) *keyring.Keyring {
	r, err := keyring.New(keyring.Key{ID: 1, Public: testKey.Public().(ed25519.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRevocationSurvivesOlderList: a product shipped an older list after a
// newer one revoked a code (by an update rolled back, or a file swapped)
// keeps the newer list from its state, so the code stays revoked.
func TestRevocationSurvivesOlderList(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.txt")
	code := sign(t, testKey, header(), "")
	revoking := signList(t, testKey, 2, revocation.Entry{Serial: header().Serial})
	older := signList(t, testKey, 1)

	v := newVerifier(t, verifier.WithState(state.NewFile(path)))
	if err := v.LoadRevocationList(revoking); err != nil {
		t.Fatal(err)
	}
	if status(t, v, code) != verifier.StatusRevoked {
		t.Fatal("not revoked")
	}

	v = newVerifier(t, verifier.WithState(state.NewFile(path)))
	if err := v.LoadRevocationList(older); !errors.Is(err, verifier.ErrListReplayed) {
		t.Fatalf("older list: %v", err)
	}
	if status(t, v, code) != verifier.StatusRevoked {
		t.Fatal("an older list undid the revocation")
	}

	// A saved list that was altered is reported and not used.
	os.WriteFile(path+".list", older, 0o600)
	v = newVerifier(t, verifier.WithState(state.NewFile(path)))
	if err := v.StateError(); !errors.Is(err, state.ErrCorrupt) {
		t.Fatalf("altered saved list: StateError = %v", err)
	}
	if _, ok := v.RevocationList(); ok {
		t.Fatal("altered saved list in force")
	}
}
