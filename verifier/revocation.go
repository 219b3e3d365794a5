package verifier

import (
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
	return &revocationList{list: l, ListInfo: ListInfo{KeyID: l.KeyID, Sequence: l.Sequence, Issued: l.Issued, Entries: l.Len()}}, nil
}

// LoadRevocationList checks a signed revocation list (FORMAT.md section
// 11) against the verifier's product and trusted keys and puts it in force:
// from then on Verify reports the codes it names as StatusRevoked.
//
// A list whose sequence number is lower than the highest accepted, by this
// verifier or, with WithState, in an earlier run, is refused with
// ErrListReplayed; the same sequence is accepted again, as products load
// their list at every start. Other refusals wrap ErrListMalformed (also
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
	if cur := v.list.Load(); cur != nil {
		highest = cur.Sequence
	}
	if v.store != nil {
		v.mu.Lock()
		highest = max(highest, v.seen.ListSequence)
		v.mu.Unlock()
	}
	if l.Sequence < highest {
		return fmt.Errorf("%w: its sequence %d is lower than sequence %d, already accepted; keeping the newer list",
			ErrListReplayed, l.Sequence, highest)
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
