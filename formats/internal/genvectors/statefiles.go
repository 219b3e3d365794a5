package main

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// ---- Verifier state files (FORMAT.md section 13) ----

// stateFields is what a state file says, as a reader returns it.
type stateFields struct {
	LastSeen     string      `json:"last_seen"` // RFC 3339 in UTC; "" if none
	ListSequence uint64      `json:"list_sequence"`
	ListSHA256   string      `json:"list_sha256"` // "" if no list is kept
	Generations  [][2]uint64 `json:"generations"` // serial, generation; by serial
	Resets       [][2]string `json:"resets"`      // remembered day, id; by id
}

func genStateFiles() {
	const head = "licmint verifier state v1\n"
	listA, listB := []byte("revocation list A (any bytes: the state only hashes them)"), []byte("revocation list B")
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	type valid struct {
		Comment string `json:"comment"`
		Text    string `json:"text"`
		// ListHex is the list kept beside the state (PATH.list), if any.
		ListHex string      `json:"list_hex,omitempty"`
		Fields  stateFields `json:"fields"`
		// Canonical is the text a writer writes for these fields.
		Canonical string `json:"canonical"`
	}
	canonical := head + "last-seen: 2027-01-02T03:04:05Z\nlist-sequence: 7\nlist-sha256: " + sum(listA) +
		"\ngeneration: 0 0\ngeneration: 2718281828459 3\ngeneration: 31415926535897 1\nreset: 2036-11-29 101182109dd5ec0de010\n"
	full := stateFields{"2027-01-02T03:04:05Z", 7, sum(listA), [][2]uint64{{0, 0}, {2718281828459, 3}, {31415926535897, 1}},
		[][2]string{{"2036-11-29", "101182109dd5ec0de010"}}}
	empty := stateFields{"", 0, "", [][2]uint64{}, [][2]string{}}
	firstRun := head + "last-seen: 0001-01-01T00:00:00Z\nlist-sequence: 0\n"
	vs := []valid{
		{"every line, as a writer writes them", canonical, hex.EncodeToString(listA), full, canonical},
		{"lines in another order, no final line feed: read the same", head + strings.Join([]string{
			"reset: 2036-11-29 101182109dd5ec0de010", "generation: 31415926535897 1", "list-sha256: " + sum(listA),
			"generation: 0 0", "list-sequence: 7", "generation: 2718281828459 3", "last-seen: 2027-01-02T03:04:05Z"}, "\n"),
			hex.EncodeToString(listA), full, canonical},
		{"only the first line: nothing seen", head, "", empty, firstRun},
		{"what a writer writes when nothing was seen: list-sequence 0, last-seen the zero time", firstRun, "", empty, firstRun},
		{"last-seen with an offset and a fraction: taken in UTC, truncated to the second",
			head + "last-seen: 2027-01-02T05:04:05.75+02:00\nlist-sequence: 0\n", "",
			stateFields{"2027-01-02T03:04:05Z", 0, "", [][2]uint64{}, [][2]string{}}, head + "last-seen: 2027-01-02T03:04:05Z\nlist-sequence: 0\n"},
		{"largest serial and generation", head + "last-seen: 2027-01-02T03:04:05Z\nlist-sequence: 18446744073709551615\ngeneration: 99999999999999 255\n", "",
			stateFields{"2027-01-02T03:04:05Z", 18446744073709551615, "", [][2]uint64{{99999999999999, 255}}, [][2]string{}},
			head + "last-seen: 2027-01-02T03:04:05Z\nlist-sequence: 18446744073709551615\ngeneration: 99999999999999 255\n"},
	}
	type invalid struct {
		Comment string `json:"comment"`
		Text    string `json:"text"`
		ListHex string `json:"list_hex,omitempty"`
	}
	ok := head + "last-seen: 2027-01-02T03:04:05Z\nlist-sequence: 7\n"
	bad := []invalid{
		{"another first line", "licmint verifier state v2\nlast-seen: 2027-01-02T03:04:05Z\n", ""},
		{"empty", "", ""},
		{"an unknown name", ok + "seen: 2027-01-02T03:04:05Z\n", ""},
		{"last-seen twice", ok + "last-seen: 2027-01-02T03:04:05Z\n", ""},
		{"list-sequence twice", ok + "list-sequence: 7\n", ""},
		{"an empty line", ok + "\ngeneration: 5 1\n", ""},
		{"CR LF line ends", strings.ReplaceAll(ok, "\n", "\r\n"), ""},
		{"no space after the colon", head + "last-seen:2027-01-02T03:04:05Z\n", ""},
		{"last-seen with a lower-case t", head + "last-seen: 2027-01-02t03:04:05Z\n", ""},
		{"last-seen with a lower-case z", head + "last-seen: 2027-01-02T03:04:05z\n", ""},
		{"last-seen a leap second", head + "last-seen: 2016-12-31T23:59:60Z\n", ""},
		{"last-seen without an offset", head + "last-seen: 2027-01-02T03:04:05\n", ""},
		{"last-seen with an offset of 24 hours", head + "last-seen: 2027-01-02T03:04:05+24:00\n", ""},
		{"list-sequence with a leading zero", head + "list-sequence: 07\n", ""},
		{"list-sequence over 2^64-1", head + "list-sequence: 18446744073709551616\n", ""},
		{"list-sha256 in upper case", ok + "list-sha256: " + strings.ToUpper(sum(listA)) + "\n", hex.EncodeToString(listA)},
		{"list-sha256 and no list beside it", ok + "list-sha256: " + sum(listA) + "\n", ""},
		{"list-sha256 naming another list", ok + "list-sha256: " + sum(listA) + "\n", hex.EncodeToString(listB)},
		{"a serial with leading zeros (14 digits)", ok + "generation: 00000000000005 1\n", ""},
		{"a serial of 15 digits", ok + "generation: 100000000000000 1\n", ""},
		{"generation 256", ok + "generation: 5 256\n", ""},
		{"generation with a leading zero", ok + "generation: 5 01\n", ""},
		{"a generation line without the generation", ok + "generation: 5\n", ""},
		{"two spaces between serial and generation", ok + "generation: 5  1\n", ""},
		{"a serial listed twice", ok + "generation: 5 1\ngeneration: 5 2\n", ""},
		{"a reset code id listed twice", ok + "reset: 2036-11-29 101182109dd5ec0de010\nreset: 2036-11-30 101182109dd5ec0de010\n", ""},
		{"a reset code id in upper case", ok + "reset: 2036-11-29 101182109DD5EC0DE010\n", ""},
		{"a reset line without its day", ok + "reset: 101182109dd5ec0de010\n", ""},
	}

	type merge struct {
		Comment string `json:"comment"`
		// Into is the state saved (on disk); From the one merged into it.
		Into          string `json:"into"`
		IntoListHex   string `json:"into_list_hex,omitempty"`
		From          string `json:"from"`
		FromListHex   string `json:"from_list_hex,omitempty"`
		Merged        string `json:"merged"`
		MergedListHex string `json:"merged_list_hex,omitempty"`
	}
	st := func(lastSeen string, seq int, list []byte, lines ...string) string {
		t := head + "last-seen: " + lastSeen + "\nlist-sequence: " + itoa(seq) + "\n"
		if list != nil {
			t += "list-sha256: " + sum(list) + "\n"
		}
		for _, l := range lines {
			t += l + "\n"
		}
		return t
	}
	h := hex.EncodeToString
	merges := []merge{
		{Comment: "the later last-seen, the higher list and its list, the higher generation of each serial",
			Into: st("2027-01-02T03:04:05Z", 7, listA, "generation: 5 1", "generation: 9 0"), IntoListHex: h(listA),
			From: st("2027-01-03T00:00:00Z", 8, listB, "generation: 5 0", "generation: 7 2"), FromListHex: h(listB),
			Merged: st("2027-01-03T00:00:00Z", 8, listB, "generation: 5 1", "generation: 7 2", "generation: 9 0"), MergedListHex: h(listB)},
		{Comment: "equal sequences, both with a list: the saved state keeps its own",
			Into: st("2027-01-02T03:04:05Z", 7, listA), IntoListHex: h(listA),
			From: st("2027-01-02T03:04:05Z", 7, listB), FromListHex: h(listB),
			Merged: st("2027-01-02T03:04:05Z", 7, listA), MergedListHex: h(listA)},
		{Comment: "equal sequences, only the other with a list: it is taken",
			Into: st("2027-01-02T03:04:05Z", 7, nil),
			From: st("2027-01-02T03:04:05Z", 7, listB), FromListHex: h(listB),
			Merged: st("2027-01-02T03:04:05Z", 7, listB), MergedListHex: h(listB)},
		{Comment: "a reset the saved state does not know clears its last-seen at or after the remembered day; the other's is kept, and the reset line added",
			Into:   st("2036-11-29T08:15:00Z", 0, nil),
			From:   st("2026-11-30T10:00:00Z", 0, nil, "reset: 2036-11-29 101182109dd5ec0de010"),
			Merged: st("2026-11-30T10:00:00Z", 0, nil, "reset: 2036-11-29 101182109dd5ec0de010")},
		{Comment: "a reset both know changes nothing: the later last-seen",
			Into:   st("2027-01-05T00:00:00Z", 0, nil, "reset: 2036-11-29 101182109dd5ec0de010"),
			From:   st("2026-11-30T10:00:00Z", 0, nil, "reset: 2036-11-29 101182109dd5ec0de010"),
			Merged: st("2027-01-05T00:00:00Z", 0, nil, "reset: 2036-11-29 101182109dd5ec0de010")},
	}
	writeJSON("state_files.json", map[string]any{
		"comment": "Verifier state file vectors (FORMAT.md section 13): texts with what a reader takes from them and what a writer writes back; " +
			"invalid texts, which a reader sets aside as corrupt; merges of a saved state (into) with another (from). " +
			"A list_hex is the revocation list kept beside the state (PATH.list). Written by formats/internal/genvectors (go generate ./formats); do not edit.",
		"valid":   vs,
		"invalid": bad,
		"merges":  merges,
	})
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
