package verifier_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/licmint/licmint/verifier"
)

// TestListReplayVectors applies the sequence rule of FORMAT.md section 11
// to the lists of testdata/vectors/revocation_lists.json.
func TestListReplayVectors(t *testing.T) {
	b, err := os.ReadFile("../testdata/vectors/revocation_lists.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Valid []struct {
			Name, Hex string
		} `json:"valid"`
		Replays []struct {
			Comment, Accepted, Then, Error string
		} `json:"replays"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	_, pub := loadVectors(t)
	lists := map[string][]byte{}
	for _, l := range v.Valid {
		lists[l.Name], _ = hex.DecodeString(l.Hex)
	}
	if len(v.Replays) == 0 {
		t.Fatal("no replay vectors")
	}
	for _, tc := range v.Replays {
		t.Run(tc.Comment, func(t *testing.T) {
			vf, err := verifier.New("PC", []verifier.Key{{ID: 1, Public: pub}})
			if err != nil {
				t.Fatal(err)
			}
			if err := vf.LoadRevocationList(lists[tc.Accepted]); err != nil {
				t.Fatalf("list %s: %v", tc.Accepted, err)
			}
			err = vf.LoadRevocationList(lists[tc.Then])
			switch tc.Error {
			case "":
				if err != nil {
					t.Fatalf("list %s after %s: %v", tc.Then, tc.Accepted, err)
				}
			case "replayed":
				if !errors.Is(err, verifier.ErrListReplayed) {
					t.Fatalf("list %s after %s: %v, want ErrListReplayed", tc.Then, tc.Accepted, err)
				}
			default:
				t.Fatalf("unknown error kind %q", tc.Error)
			}
		})
	}
}
