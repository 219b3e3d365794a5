package state

import (
	"bytes"
	"fmt"
)

// Marshal returns s as one byte string, for products that keep the state
// themselves, as the JavaScript package's MemoryStore does: the state file's text
// (FORMAT.md section 13) and, if s keeps a revocation list, an empty line
// and the list's bytes.
func Marshal(s State) []byte {
	b := encode(s)
	if s.List != nil {
		b = append(b, '\n')
		b = append(b, s.List...)
	}
	return b
}

// Unmarshal reads what Marshal wrote, bounded as the state file and its
// list are. Any fault, including a list that does not match the hash the
// text names, is ErrCorrupt.
func Unmarshal(data []byte) (State, error) {
	text, list, hasList := bytes.Cut(data, []byte("\n\n"))
	if hasList {
		text = append(text[:len(text):len(text)], '\n')
	} else {
		list = nil
	}
	if len(list) > MaxListSize {
		return State{}, fmt.Errorf("%w: the revocation list is %d bytes, more than %d", ErrCorrupt, len(list), MaxListSize)
	}
	s, listSum, err := decode(text)
	if err != nil {
		return State{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	switch {
	case listSum == "" && hasList:
		return State{}, fmt.Errorf("%w: a revocation list follows the state, which names none", ErrCorrupt)
	case listSum != "" && (!hasList || sha256Hex(list) != listSum):
		return State{}, fmt.Errorf("%w: the revocation list is missing or does not match its list-sha256", ErrCorrupt)
	case hasList:
		s.List = bytes.Clone(list)
	}
	return s, nil
}
