package state_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/licmint/licmint/verifier/state"
)

func TestMarshalRoundTrip(t *testing.T) {
	var s state.State
	s.LastSeen, s.ListSequence = time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC), 7
	s.SeeGeneration(31415926535897, 2)
	for _, list := range [][]byte{nil, []byte("LMRL\x00\x00\x00\x01\n\n binary \x00\xff")} {
		s.List = list
		b := state.Marshal(s)
		got, err := state.Unmarshal(b)
		if err != nil {
			t.Fatalf("list %q: %v\n%s", list, err, b)
		}
		if !got.LastSeen.Equal(s.LastSeen) || got.ListSequence != 7 || got.Generations[31415926535897] != 2 || !bytes.Equal(got.List, list) {
			t.Errorf("list %q: round trip gave %+v", list, got)
		}
		if list != nil && &got.List[0] == &b[len(b)-len(list)] {
			t.Error("Unmarshal kept a reference to its input")
		}
	}
}

func TestUnmarshalCorrupt(t *testing.T) {
	var s state.State
	s.List = []byte("a list")
	good := state.Marshal(s)
	noList := state.Marshal(state.State{})
	for name, b := range map[string][]byte{
		"empty":          nil,
		"other header":   []byte("licmint verifier state v2\n"),
		"list altered":   append(bytes.Clone(good[:len(good)-1]), 'X'),
		"list missing":   good[:bytes.Index(good, []byte("\n\n"))+1],
		"list not named": append(append(bytes.Clone(noList), '\n'), "a list"...),
		"unknown line":   append(bytes.Clone(noList), "colour: blue\n"...),
	} {
		if _, err := state.Unmarshal(b); !errors.Is(err, state.ErrCorrupt) {
			t.Errorf("%s: got %v, want ErrCorrupt", name, err)
		}
	}
}
