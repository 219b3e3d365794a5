package main

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// ---- Revocation lists (FORMAT.md section 11) ----

type listEntry struct {
	Serial string `json:"serial"`
	Below  int    `json:"below"`
}

type listCheck struct {
	Serial     string `json:"serial"`
	Generation int    `json:"generation"`
	Revoked    bool   `json:"revoked"`
}

type listVector struct {
	Comment string `json:"comment"`
	Name    string `json:"name"`
	Hex     string `json:"hex"`
	// SignedFrom is what the encoder was given, in that order, when it is
	// not the entries themselves.
	SignedFrom []listEntry `json:"signed_from,omitempty"`
	Product    string      `json:"product"`
	KeyID      int         `json:"key_id"`
	Sequence   uint64      `json:"sequence"`
	Issued     string      `json:"issued"`
	Entries    []listEntry `json:"entries"`
	Checks     []listCheck `json:"checks"`
}

type badListVector struct {
	Comment string `json:"comment"`
	Hex     string `json:"hex"`
	// Product is the verifier's product.
	Product string `json:"product"`
	Error   string `json:"error"`
}

type listFields struct {
	product  string
	keyID    byte
	reserved [3]byte // bytes 11, 22 and 23
	seq      uint64
	issued   uint64
	version  uint32
	entries  []listEntry
}

// encodeList writes a list from its definition, entries in the order
// given, signed with key.
func encodeList(f listFields, key ed25519.PrivateKey) []byte {
	b := []byte("LMRL")
	b = binary.BigEndian.AppendUint32(b, f.version)
	b = append(b, f.product...)
	b = append(b, f.keyID, f.reserved[0])
	b = binary.BigEndian.AppendUint64(b, f.seq)
	b = binary.BigEndian.AppendUint16(b, uint16(f.issued))
	b = append(b, f.reserved[1], f.reserved[2])
	b = binary.BigEndian.AppendUint32(b, uint32(len(f.entries)))
	for _, e := range f.entries {
		b = binary.BigEndian.AppendUint64(b, serial(e.Serial)<<8|uint64(e.Below))
	}
	msg := append([]byte("licmint/revocation-list/v1\x00"), b...)
	return append(b, ed25519.Sign(key, msg)...)
}

// mergeEntries is what an encoder does with the entries it is given:
// ascending by serial, a repeated serial kept once with its strictest
// bound (0, else the highest).
func mergeEntries(in []listEntry) []listEntry {
	bySerial := map[string]int{}
	var out []listEntry
	for _, e := range in {
		i, ok := bySerial[e.Serial]
		if !ok {
			bySerial[e.Serial] = len(out)
			out = append(out, e)
			continue
		}
		if out[i].Below != 0 && (e.Below == 0 || e.Below > out[i].Below) {
			out[i].Below = e.Below
		}
	}
	for i := range out { // insertion sort: a handful of entries
		for j := i; j > 0 && serial(out[j].Serial) < serial(out[j-1].Serial); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func genRevocationLists() {
	key := testPriv()
	given := []listEntry{
		{"27182818284590", 3}, {"31415926535897", 1}, {"27182818284590", 0},
		{"99999999999999", 7}, {"99999999999999", 255}, {"00000000000001", 2}, {"00000000000001", 1},
	}
	checks := []listCheck{
		{"31415926535897", 0, true}, {"31415926535897", 1, false}, {"31415926535897", 2, false},
		{"27182818284590", 0, true}, {"27182818284590", 255, true},
		{"99999999999999", 254, true}, {"99999999999999", 255, false},
		{"00000000000001", 1, true}, {"00000000000001", 2, false},
		{"14142135623730", 0, false}, {"00000000000000", 0, false},
	}
	mk := func(comment, name string, f listFields, from []listEntry, checks []listCheck) listVector {
		f.version = 1
		data := encodeList(f, key)
		issued := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f.issued)).Format(time.DateOnly)
		if f.entries == nil {
			f.entries = []listEntry{}
		}
		return listVector{Comment: comment, Name: name, Hex: hex.EncodeToString(data), SignedFrom: from,
			Product: f.product, KeyID: int(f.keyID), Sequence: f.seq, Issued: issued, Entries: f.entries, Checks: checks}
	}
	base := listFields{product: "PC", keyID: 1, seq: 7, issued: day("2027-01-15"), entries: mergeEntries(given)}
	seven := mk("sequence 7; the encoder was given repeated serials, and kept each once with its strictest bound", "seq7", base, given, checks)
	older := base
	older.seq, older.issued, older.entries = 6, day("2027-01-08"), []listEntry{{"27182818284590", 0}}
	six := mk("sequence 6: valid alone, refused once sequence 7 has been accepted", "seq6", older,
		nil, []listCheck{{"27182818284590", 0, true}, {"31415926535897", 0, false}})
	empty := listFields{product: "PC", keyID: 1, seq: 8, issued: day("2199-06-05")}
	eight := mk("sequence 8: no entries, issued on the largest day", "seq8", empty, nil, []listCheck{{"31415926535897", 0, false}})
	other7 := base
	other7.issued, other7.entries = day("2027-01-16"), []listEntry{{"31415926535897", 0}}
	sevenOther := mk("another list of sequence 7: valid alone, refused once seq7 has been accepted", "seq7-other", other7,
		nil, []listCheck{{"31415926535897", 1, true}, {"27182818284590", 0, false}})
	valid := []listVector{seven, six, eight, sevenOther}

	good, _ := hex.DecodeString(seven.Hex)
	var bad []badListVector
	add := func(comment string, data []byte, product, kind string) {
		bad = append(bad, badListVector{comment, hex.EncodeToString(data), product, kind})
	}
	resign := func(mod func(*listFields)) []byte {
		f := base
		f.version = 1
		f.entries = append([]listEntry(nil), base.entries...)
		mod(&f)
		return encodeList(f, key)
	}
	tampered := append([]byte(nil), good...)
	tampered[28+7] ^= 0x01 // the first entry's bound
	add("tampered: one bit of an entry changed", tampered, "PC", "bad_signature")
	f := base
	f.version = 1
	add("signed by another key under a trusted key id", encodeList(f, ed25519.NewKeyFromSeed(otherSeed[:])), "PC", "bad_signature")
	add("signed with key id 9, which the verifier does not trust", resign(func(f *listFields) { f.keyID = 9 }), "PC", "unknown_key")
	add("a list for product PD", resign(func(f *listFields) { f.product = "PD" }), "PC", "wrong_product")
	add("truncated by one byte", good[:len(good)-1], "PC", "malformed")
	add("one byte appended", append(append([]byte(nil), good...), 0), "PC", "malformed")
	add("shorter than any list", good[:91], "PC", "malformed")
	add("format version 2", resign(func(f *listFields) { f.version = 2 }), "PC", "malformed")
	add("reserved byte 11 set", resign(func(f *listFields) { f.reserved[0] = 1 }), "PC", "malformed")
	add("reserved byte 23 set", resign(func(f *listFields) { f.reserved[2] = 1 }), "PC", "malformed")
	add("issue day 65535", resign(func(f *listFields) { f.issued = 0xFFFF }), "PC", "malformed")
	add("entries out of order", resign(func(f *listFields) { f.entries[0], f.entries[1] = f.entries[1], f.entries[0] }), "PC", "malformed")
	add("a serial repeated", resign(func(f *listFields) { f.entries[1] = listEntry{f.entries[0].Serial, 5} }), "PC", "malformed")
	add("a serial of 15 digits", resign(func(f *listFields) { f.entries[len(f.entries)-1].Serial = "100000000000000" }), "PC", "malformed")
	add("product code not letters", resign(func(f *listFields) { f.product = "P1" }), "PC", "malformed")
	body := good[:len(good)-64]
	add("signed with R the identity and S = k·a, which crypto/ed25519 accepts (FORMAT.md section 10)",
		append(append([]byte(nil), body...), signIdentityR(append([]byte("licmint/revocation-list/v1\x00"), body...))...), "PC", "bad_signature")

	type replay struct {
		Comment  string `json:"comment"`
		Accepted string `json:"accepted"`
		Then     string `json:"then"`
		Error    string `json:"error,omitempty"`
	}
	writeJSON("revocation_lists.json", map[string]any{
		"comment":  "Revocation list vectors (FORMAT.md section 11), as hex. Written by formats/internal/genvectors (go generate ./formats); do not edit. The verifier trusts the test key under key id 1.",
		"test_key": testKeyJSON(),
		"valid":    valid,
		"invalid":  bad,
		"replays": []replay{
			{"an older sequence after a newer one is refused", "seq7", "seq6", "replayed"},
			{"the same sequence again is accepted (products load their list at every start)", "seq7", "seq7", ""},
			{"a newer sequence replaces an older one", "seq6", "seq7", ""},
			{"another list with the sequence in force is refused: the first accepted stays", "seq7", "seq7-other", "replayed"},
		},
	})
}
