package state_test

import (
	"cmp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/licmint/licmint/verifier/state"
)

// stateVectors is testdata/vectors/state_files.json (FORMAT.md section 13).
type stateVectors struct {
	Valid []struct {
		C      string `json:"comment"`
		T      string `json:"text"`
		L      string `json:"list_hex"`
		Fields struct {
			LastSeen     string      `json:"last_seen"`
			ListSequence uint64      `json:"list_sequence"`
			ListSHA256   string      `json:"list_sha256"`
			Generations  [][2]uint64 `json:"generations"`
			Resets       [][2]string `json:"resets"`
		} `json:"fields"`
		Canonical string `json:"canonical"`
	} `json:"valid"`
	Invalid []struct {
		Comment string `json:"comment"`
		Text    string `json:"text"`
		ListHex string `json:"list_hex"`
	} `json:"invalid"`
	Merges []struct {
		Comment       string `json:"comment"`
		Into          string `json:"into"`
		IntoListHex   string `json:"into_list_hex"`
		From          string `json:"from"`
		FromListHex   string `json:"from_list_hex"`
		Merged        string `json:"merged"`
		MergedListHex string `json:"merged_list_hex"`
	} `json:"merges"`
}

// writeState writes text, and the list beside it if listHex is not
// empty, as a state file in a new directory, and returns its store.
func writeState(t *testing.T, text, listHex string) *state.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if listHex != "" {
		list, err := hex.DecodeString(listHex)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+".list", list, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return state.NewFile(path)
}

func checkFile(t *testing.T, f *state.File, text, listHex string) {
	t.Helper()
	got, err := os.ReadFile(f.Path)
	if err != nil || string(got) != text {
		t.Errorf("written:\n%s\nwant:\n%s (%v)", got, text, err)
	}
	list, err := os.ReadFile(f.Path + ".list")
	if listHex != "" && (err != nil || hex.EncodeToString(list) != listHex) {
		t.Errorf("list beside it: %x, want %s (%v)", list, listHex, err)
	}
}

func TestStateVectors(t *testing.T) {
	b, err := os.ReadFile("../../testdata/vectors/state_files.json")
	if err != nil {
		t.Fatal(err)
	}
	var v stateVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Valid) == 0 || len(v.Invalid) == 0 || len(v.Merges) == 0 {
		t.Fatal("no vectors")
	}
	for _, tc := range v.Valid {
		t.Run(tc.C, func(t *testing.T) {
			f := writeState(t, tc.T, tc.L)
			s, err := f.Load()
			if err != nil {
				t.Fatal(err)
			}
			want := tc.Fields
			last := ""
			if !s.LastSeen.IsZero() {
				last = s.LastSeen.Format(time.RFC3339Nano)
			}
			var gens [][2]uint64
			for serial, g := range s.Generations {
				gens = append(gens, [2]uint64{uint64(serial), uint64(g)})
			}
			slices.SortFunc(gens, func(a, b [2]uint64) int { return cmp.Compare(a[0], b[0]) })
			var resets [][2]string
			for id, day := range s.Resets { // at most one in the vectors, so unsorted
				resets = append(resets, [2]string{day.Format(time.DateOnly), id})
			}
			sum := ""
			if s.List != nil {
				sum = tc.Fields.ListSHA256 // the hash was checked by Load
			}
			if last != want.LastSeen || s.ListSequence != want.ListSequence || sum != want.ListSHA256 ||
				len(gens) != len(want.Generations) || (len(gens) > 0 && !slices.Equal(gens, want.Generations)) ||
				len(resets) != len(want.Resets) || (len(resets) > 0 && !slices.Equal(resets, want.Resets)) {
				t.Fatalf("read %q %d %q %v %v, want %+v", last, s.ListSequence, sum, gens, resets, want)
			}
			if err := f.Update(func(*state.State) error { return nil }); err != nil {
				t.Fatal(err)
			}
			checkFile(t, f, tc.Canonical, tc.L)
		})
	}
	for _, tc := range v.Invalid {
		t.Run(tc.Comment, func(t *testing.T) {
			if _, err := writeState(t, tc.Text, tc.ListHex).Load(); !errors.Is(err, state.ErrCorrupt) {
				t.Fatalf("Load = %v, want ErrCorrupt", err)
			}
		})
	}
	for _, tc := range v.Merges {
		t.Run(tc.Comment, func(t *testing.T) {
			from, err := writeState(t, tc.From, tc.FromListHex).Load()
			if err != nil {
				t.Fatal(err)
			}
			into := writeState(t, tc.Into, tc.IntoListHex)
			if err := into.Update(func(s *state.State) error { s.Merge(from); return nil }); err != nil {
				t.Fatal(err)
			}
			checkFile(t, into, tc.Merged, tc.MergedListHex)
		})
	}
}
