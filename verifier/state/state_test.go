package state_test

import (
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
	"github.com/licmint/licmint/verifier/state"
)

// A child process started by TestTwoProcesses runs updates and exits.
func TestMain(m *testing.M) {
	if path := os.Getenv("LICMINT_STATE_CHILD"); path != "" {
		id, _ := strconv.Atoi(os.Getenv("LICMINT_STATE_ID"))
		if err := bump(state.NewFile(path), id, 50); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// bump raises ListSequence by one n times and records serial id.
func bump(s state.Store, id, n int) error {
	for range n {
		if err := s.Update(func(st *state.State) error {
			st.ListSequence++
			st.SeeGeneration(formats.Serial(id), uint8(id))
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

func TestFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	f := state.NewFile(path)
	if _, err := f.Load(); !errors.Is(err, state.ErrMissing) {
		t.Fatalf("missing file: %v", err)
	}
	now := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := f.Update(func(s *state.State) error {
		s.LastSeen, s.ListSequence = now, 9
		s.SeeGeneration(31415926535897, 2)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s, err := f.Load()
	if err != nil || !s.LastSeen.Equal(now) || s.ListSequence != 9 || s.Generations[31415926535897] != 2 {
		t.Fatalf("%+v %v", s, err)
	}
	// A failing update saves nothing.
	boom := errors.New("boom")
	if err := f.Update(func(s *state.State) error { s.ListSequence = 100; return boom }); err != boom {
		t.Fatal(err)
	}
	if s, _ := f.Load(); s.ListSequence != 9 {
		t.Fatal("failed update was saved")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("state file mode %v is readable by others", fi.Mode().Perm())
	}
}

func TestCorruptFile(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":    "not a state",
		"truncated":  "licmint verifier state v1\nlast-seen: 2027-01-02T03:0",
		"version":    "licmint verifier state v2\n",
		"serial":     "licmint verifier state v1\ngeneration: abc 1\n",
		"generation": "licmint verifier state v1\ngeneration: 5 256\n",
		"twice":      "licmint verifier state v1\nlist-sequence: 1\nlist-sequence: 2\n",
		"unknown":    "licmint verifier state v1\ncolour: blue\n",
		"empty":      "",
	} {
		path := filepath.Join(t.TempDir(), "state.json")
		os.WriteFile(path, []byte(content), 0o600)
		f := state.NewFile(path)
		s, err := f.Load()
		if !errors.Is(err, state.ErrCorrupt) || s.ListSequence != 0 {
			t.Errorf("%s: Load = %+v, %v", name, s, err)
		}
		// Update sets the corrupt file aside, saves, and says so.
		err = f.Update(func(s *state.State) error { s.ListSequence = 1; return nil })
		if !errors.Is(err, state.ErrCorrupt) {
			t.Errorf("%s: Update = %v", name, err)
		}
		if s, err := f.Load(); err != nil || s.ListSequence != 1 {
			t.Errorf("%s: after update: %+v %v", name, s, err)
		}
		if b, _ := os.ReadFile(path + ".corrupt"); string(b) != content {
			t.Errorf("%s: corrupt file not kept aside", name)
		}
	}
}

// TestTwoProcesses has two processes update the same file at once: with the
// lock, no update is lost.
func TestTwoProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "LICMINT_STATE_CHILD="+path, "LICMINT_STATE_ID="+strconv.Itoa(i+1))
			out, err := cmd.CombinedOutput()
			if err != nil {
				errs[i] = fmt.Errorf("%v: %s", err, out)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s, err := state.NewFile(path).Load()
	if err != nil || s.ListSequence != 100 || s.Generations[1] != 1 || s.Generations[2] != 2 {
		t.Fatalf("after two processes: %+v %v", s, err)
	}
}

func TestMemoryAndMerge(t *testing.T) {
	var m state.Memory
	if _, err := m.Load(); !errors.Is(err, state.ErrMissing) {
		t.Fatal(err)
	}
	if err := bump(&m, 3, 10); err != nil {
		t.Fatal(err)
	}
	s, err := m.Load()
	if err != nil || s.ListSequence != 10 {
		t.Fatalf("%+v %v", s, err)
	}
	a := state.State{LastSeen: time.Unix(100, 0), ListSequence: 5}
	a.SeeGeneration(1, 4)
	b := state.State{LastSeen: time.Unix(50, 0), ListSequence: 7}
	b.SeeGeneration(1, 2)
	b.SeeGeneration(2, 1)
	a.Merge(b)
	if a.LastSeen.Unix() != 100 || a.ListSequence != 7 || a.Generations[1] != 4 || a.Generations[2] != 1 {
		t.Fatalf("merge: %+v", a)
	}
	// Generations never go down.
	if got := a.SeeGeneration(1, 0); got != 4 {
		t.Fatalf("SeeGeneration lowered to %d", got)
	}
}

func TestBounded(t *testing.T) {
	var s state.State
	for i := range state.MaxSerials + 10 {
		s.SeeGeneration(formats.Serial(i), 1)
	}
	if len(s.Generations) != state.MaxSerials {
		t.Fatalf("%d serials remembered", len(s.Generations))
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("licmint verifier state v1\nlast-seen: 2027-01-02T03:04:05Z\nlist-sequence: 3\ngeneration: 5 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "s")
		os.WriteFile(path, data, 0o600)
		s, err := state.NewFile(path).Load()
		if err != nil && !errors.Is(err, state.ErrCorrupt) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		_ = s
	})
}

// TestListKeptBeside checks that the accepted revocation list is saved
// beside the state, named by its hash, and that a changed copy is caught.
func TestListKeptBeside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.txt")
	f := state.NewFile(path)
	list := []byte("LMRL pretend list")
	if err := f.Update(func(s *state.State) error { s.ListSequence, s.List = 3, list; return nil }); err != nil {
		t.Fatal(err)
	}
	s, err := f.Load()
	if err != nil || string(s.List) != string(list) || s.ListSequence != 3 {
		t.Fatalf("%+v %v", s, err)
	}
	// Merge keeps the list of the higher sequence.
	var m state.State
	m.Merge(state.State{ListSequence: 2, List: []byte("old")})
	m.Merge(s)
	m.Merge(state.State{ListSequence: 1, List: []byte("older")})
	if string(m.List) != string(list) || m.ListSequence != 3 {
		t.Fatalf("merge: %+v", m)
	}
	os.WriteFile(path+".list", []byte("swapped"), 0o600)
	s, err = f.Load()
	if !errors.Is(err, state.ErrCorrupt) || s.List != nil || s.ListSequence != 3 {
		t.Fatalf("swapped list: %+v %v", s, err)
	}
}

// TestResets checks that accepted reset codes are saved and read back, and
// that a file without them is what earlier versions wrote.
func TestResets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.txt")
	f := state.NewFile(path)
	seen := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := f.Update(func(s *state.State) error { s.LastSeen = seen; return nil }); err != nil {
		t.Fatal(err)
	}
	old := "licmint verifier state v1\nlast-seen: 2027-01-02T03:04:05Z\nlist-sequence: 0\n"
	if b, _ := os.ReadFile(path); string(b) != old {
		t.Fatalf("a state without resets changed format:\n%s", b)
	}
	day := time.Date(2036, 11, 29, 0, 0, 0, 0, time.UTC)
	if err := f.Update(func(s *state.State) error {
		s.AddReset("101182109dd5ec0de010", day)
		s.AddReset("101182109dd5ec0de020", day.AddDate(0, 0, 1))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	want := old + "reset: 2036-11-29 101182109dd5ec0de010\nreset: 2036-11-30 101182109dd5ec0de020\n"
	if string(b) != want {
		t.Fatalf("saved\n%s\nwant\n%s", b, want)
	}
	s, err := f.Load()
	if err != nil || len(s.Resets) != 2 || !s.Resets["101182109dd5ec0de010"].Equal(day) {
		t.Fatalf("%+v %v", s, err)
	}
	for name, line := range map[string]string{
		"no id":     "reset: 2036-11-29\n",
		"short id":  "reset: 2036-11-29 1011\n",
		"upper id":  "reset: 2036-11-29 101182109DD5EC0DE010\n",
		"bad day":   "reset: 2036-13-29 101182109dd5ec0de010\n",
		"order":     "reset: 101182109dd5ec0de010 2036-11-29\n",
		"extra":     "reset: 2036-11-29 101182109dd5ec0de010 x\n",
		"no values": "reset: \n",
	} {
		os.WriteFile(path, []byte(old+line), 0o600)
		if _, err := f.Load(); !errors.Is(err, state.ErrCorrupt) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestMergeAfterReset: a state that has not seen a reset cannot bring the
// lock it cleared back, and the reset is then known to both.
func TestMergeAfterReset(t *testing.T) {
	day := time.Date(2036, 11, 29, 0, 0, 0, 0, time.UTC)
	locked := state.State{LastSeen: day.Add(8 * time.Hour)}
	reset := locked.Clone()
	reset.LastSeen = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	reset.AddReset("aa", day)

	a := reset.Clone()
	a.Merge(locked)
	b := locked.Clone()
	b.Merge(reset)
	for _, m := range []state.State{a, b} {
		if !m.LastSeen.Equal(reset.LastSeen) || len(m.Resets) != 1 {
			t.Fatalf("merge: %+v", m)
		}
	}
	// A time before the cleared day is kept, and a later one from a state
	// that knows the reset too.
	earlier := state.State{LastSeen: time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC)}
	c := reset.Clone()
	c.Merge(earlier)
	if !c.LastSeen.Equal(earlier.LastSeen) {
		t.Fatalf("earlier time lost: %v", c.LastSeen)
	}
	later := reset.Clone()
	later.LastSeen = day.AddDate(0, 0, 5)
	d := reset.Clone()
	d.Merge(later)
	if !d.LastSeen.Equal(later.LastSeen) {
		t.Fatalf("later time from a state that knows the reset lost: %v", d.LastSeen)
	}
}

func TestResetsBounded(t *testing.T) {
	var s state.State
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range state.MaxResets + 5 {
		s.AddReset(fmt.Sprintf("%020x", i), start.AddDate(0, 0, i))
	}
	if len(s.Resets) != state.MaxResets {
		t.Fatalf("%d resets remembered", len(s.Resets))
	}
	if _, ok := s.Resets[fmt.Sprintf("%020x", 0)]; ok {
		t.Fatal("the earliest reset was kept")
	}
	if _, ok := s.Resets[fmt.Sprintf("%020x", state.MaxResets+4)]; !ok {
		t.Fatal("the latest reset was dropped")
	}
}

// TestFileBounds: a file naming more serials or reset codes than a state
// keeps was not written by a verifier, and is corrupt (FORMAT.md section
// 13); at the bound it is read.
func TestFileBounds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines func(i int) string
		bound int
	}{
		{"generation", func(i int) string { return fmt.Sprintf("generation: %d 1\n", i) }, state.MaxSerials},
		{"reset", func(i int) string { return fmt.Sprintf("reset: 2030-01-01 %020x\n", i) }, state.MaxResets},
	} {
		for _, n := range []int{tc.bound, tc.bound + 1} {
			var b strings.Builder
			b.WriteString("licmint verifier state v1\nlast-seen: 2027-01-02T03:04:05Z\nlist-sequence: 0\n")
			for i := range n {
				b.WriteString(tc.lines(i))
			}
			path := filepath.Join(t.TempDir(), "s")
			if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := state.NewFile(path).Load()
			if (n > tc.bound) != errors.Is(err, state.ErrCorrupt) {
				t.Errorf("%d %s lines: Load = %v", n, tc.name, err)
			}
		}
	}
}
