package verifier

import (
	"bytes"
	"fmt"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
)

// ListInfo describes the revocation list in force.
type ListInfo struct {
	KeyID    uint8
	Sequence uint64
	Issued   formats.Day
	// Entries counts the serials the list names.
	Entries int
}

// revocationList is a verified list and what LoadRevocationList reports of
// it.
type revocationList struct {
	ListInfo
	list *revocation.List
	data []byte // as signed, to tell another list of the same sequence
}

// parseList checks a list (FORMAT.md section 11) with the pre-decoded
// trusted keys; package revocation itself links no Ed25519 code.
func (v *Verifier) parseList(data []byte) (*revocationList, error) {
	l, err := revocation.Parse(data, v.product, func(id uint8, context, body, sig []byte) error {
		key := v.keys[id]
		if key == nil {
			return revocation.ErrUnknownKey
		}
		if !v.verifySig(key, context, body, sig) {
			return revocation.ErrBadSignature
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &revocationList{list: l, data: data, ListInfo: ListInfo{KeyID: l.KeyID, Sequence: l.Sequence, Issued: l.Issued, Entries: l.Len()}}, nil
}

// LoadRevocationList checks a signed revocation list (FORMAT.md section
// 11) against the verifier's product and trusted keys and puts it in force:
// from then on Verify reports the codes it names as StatusRevoked.
//
// A list whose sequence number is lower than the highest accepted, by this
// verifier or, with WithState, in an earlier run, is refused with
// ErrListReplayed; the same sequence is accepted again, as products load
// their list at every start, but another list with that sequence is
// refused with ErrListReplayed. Other refusals wrap ErrListMalformed (also
// for a truncated or reordered file), ErrListUnknownKey,
// ErrListBadSignature or ErrListWrongProduct. After any refusal the last
// good list stays in force. The verifier keeps a reference to data, which
// must not be modified afterwards.
func (v *Verifier) LoadRevocationList(data []byte) error {
	l, err := v.parseList(data)
	if err != nil {
		return err
	}
	v.listMu.Lock()
	defer v.listMu.Unlock()
	var highest uint64
	var same []byte // the list accepted with the highest sequence, if known
	if cur := v.list.Load(); cur != nil {
		highest, same = cur.Sequence, cur.data
	}
	if v.store != nil {
		v.mu.Lock()
		if v.seen.ListSequence > highest || (v.seen.ListSequence == highest && same == nil) {
			highest, same = v.seen.ListSequence, v.seen.List
		}
		v.mu.Unlock()
	}
	switch {
	case l.Sequence < highest:
		return fmt.Errorf("%w: its sequence %d is lower than sequence %d, already accepted; keeping the newer list",
			ErrListReplayed, l.Sequence, highest)
	case l.Sequence == highest && same != nil && !bytes.Equal(same, data):
		// A vendor never signs two lists with one sequence; the first
		// accepted stays, in this run and the next, rather than each run
		// taking whichever it is handed.
		return fmt.Errorf("%w: another list with sequence %d was accepted already; keeping it (a newer list has a higher sequence)",
			ErrListReplayed, l.Sequence)
	}
	v.list.Store(l)
	if v.store != nil {
		v.mu.Lock()
		newer := l.Sequence > v.seen.ListSequence || v.seen.List == nil
		if newer {
			v.seen.ListSequence, v.seen.List = l.Sequence, data
		}
		v.mu.Unlock()
		if newer {
			v.save()
		}
	}
	return nil
}

// RevocationList describes the list in force, if LoadRevocationList has
// accepted one.
func (v *Verifier) RevocationList() (ListInfo, bool) {
	if l := v.list.Load(); l != nil {
		return l.ListInfo, true
	}
	return ListInfo{}, false
}
