package python

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/verifier/state"
)

// pyState is the script TestStateFileInterop runs: it loads the state Go
// saved, prints it, adds a generation and a reset and saves it, and prints
// what marshal makes of the state it loaded.
const pyState = `
import json, sys
import licmint
from licmint.state import format_rfc3339, format_date
store = licmint.FileStore(sys.argv[1])
s, err = store.load()
assert err is None, err
print(json.dumps({"last_seen": format_rfc3339(s.last_seen), "list_sequence": s.list_sequence,
    "list_hex": s.list.hex() if s.list is not None else "",
    "generations": {str(k): v for k, v in s.generations.items()},
    "resets": {k: format_date(v) for k, v in s.resets.items()},
    "marshal_hex": licmint.marshal(s).hex()}))
def add(st):
    st.see_generation(42, 3)
    st.add_reset("0123456789abcdef0123", s.resets["101182109dd5ec0de010"] + 86400 * 10**9)
assert store.update(add) is None
`

// TestStateFileInterop: a state file Go wrote reads the same in Python,
// marshals to Go's bytes, and after Python saves it Go reads it with
// Python's additions, and writes the very bytes Python wrote.
func TestStateFileInterop(t *testing.T) {
	py := python(t)
	var lists struct {
		Valid []struct {
			Name string `json:"name"`
			Hex  string `json:"hex"`
		} `json:"valid"`
	}
	data, err := os.ReadFile("../../testdata/vectors/revocation_lists.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &lists); err != nil {
		t.Fatal(err)
	}
	list, err := hex.DecodeString(lists.Valid[0].Hex)
	if err != nil {
		t.Fatal(err)
	}
	remembered := time.Date(2036, 11, 29, 0, 0, 0, 0, time.UTC)
	want := state.State{
		LastSeen:     time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC),
		ListSequence: 7,
		List:         list,
		Generations:  map[formats.Serial]uint8{31415926535897: 2, 1: 0, 99999999999999: 255},
		Resets:       map[string]time.Time{"101182109dd5ec0de010": remembered},
	}
	path := filepath.Join(t.TempDir(), "state.txt")
	f := state.NewFile(path)
	if err := f.Update(func(s *state.State) error { *s = want.Clone(); return nil }); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(py, "-c", pyState, path)
	cmd.Env = env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var got struct {
		LastSeen     string            `json:"last_seen"`
		ListSequence uint64            `json:"list_sequence"`
		ListHex      string            `json:"list_hex"`
		Generations  map[string]int    `json:"generations"`
		Resets       map[string]string `json:"resets"`
		MarshalHex   string            `json:"marshal_hex"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python printed %s: %v", out, err)
	}
	if got.LastSeen != "2027-01-02T03:04:05Z" || got.ListSequence != 7 || got.ListHex != lists.Valid[0].Hex ||
		len(got.Generations) != 3 || got.Generations["31415926535897"] != 2 || got.Generations["99999999999999"] != 255 ||
		got.Resets["101182109dd5ec0de010"] != "2036-11-29" {
		t.Fatalf("Python read %+v", got)
	}
	if got.MarshalHex != hex.EncodeToString(state.Marshal(want)) {
		t.Errorf("Python's marshal differs from Go's:\n%s\n%s", got.MarshalHex, hex.EncodeToString(state.Marshal(want)))
	}

	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Load()
	if err != nil {
		t.Fatalf("Go reads the state Python saved: %v", err)
	}
	if s.Generations[42] != 3 || s.Generations[31415926535897] != 2 || !s.Resets["0123456789abcdef0123"].Equal(remembered.AddDate(0, 0, 1)) ||
		!s.LastSeen.Equal(want.LastSeen) || !bytes.Equal(s.List, list) || s.ListSequence != 7 {
		t.Fatalf("Go read %+v", s)
	}
	if err := f.Update(func(*state.State) error { return nil }); err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(written, again) {
		t.Errorf("Python wrote\n%s\nGo writes\n%s", written, again)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		switch e.Name() {
		case "state.txt", "state.txt.list", "state.txt.lock":
		default:
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
