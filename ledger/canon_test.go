package ledger

import (
	"bytes"
	"testing"

	"github.com/licmint/licmint/formats"
)

// checkBody fails t unless eventBody writes what encoding/json writes.
func checkBody(t *testing.T, h eventHead, serial formats.Serial, data any) {
	t.Helper()
	h.Serial = serial.String()
	want, err := eventBodyJSON(h, data)
	if err != nil {
		t.Fatal(err)
	}
	h.Serial = "" // written from serial
	got, err := eventBody([]byte("prefix"), h, serial, data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Errorf("eventBody:\n got %s\nwant prefix%s", got, want)
	}
}

// The events a batch writes build their bodies without encoding/json,
// byte for byte as encoding/json writes them: the chain hashes them.
func TestEventBodyCanonical(t *testing.T) {
	odd := []string{"", "plain", `quote " and \ backslash`, "<html> & co", "tab\there\nnewline\x00nul\x7f",
		"é unicode ✓", "\u2028 line separator \u2029", "bad \xff utf-8 \xc3", "emoji 😀"}
	for _, s := range odd {
		h := eventHead{Seq: 1<<53 + 7, At: "2027-03-01T10:00:00.123456789Z", Actor: s, Kind: eventSigned, Product: "PC"}
		checkBody(t, h, formats.MaxSerial, codeEvent{Generation: 255, Edition: s, InstallID: s, KeyID: 9, Issued: "2027-03-01",
			Expires: s, CodeSHA256: s, JWTSHA256: s, RK: s, Owner: s, PreviousExpires: s})
		checkBody(t, h, 0, codeEvent{Edition: s, Issued: s, Expires: "perpetual", CodeSHA256: "ab"})
		h.Kind = eventMinted
		checkBody(t, h, 1, mintEvent{RK: s, Trial: true, Edition: s, Days: -3, Purpose: s, Order: s, Customer: s, Reason: s})
		checkBody(t, h, 31415926535897, mintEvent{RK: "PC-0314-1592-6535-8978", Edition: s, Days: 365, Purpose: string(PurposeLicense)})
	}
	// Kinds without an appender keep encoding/json.
	checkBody(t, eventHead{Seq: 3, At: "x", Actor: "a", Kind: eventRevoked, Product: "PC"}, 5, revokeEvent{Below: 2, Reason: "<stolen>"})
	checkBody(t, eventHead{Seq: 4, At: "x", Actor: "a", Kind: "account_created"}, 0, nil)
}

func FuzzEventBody(f *testing.F) {
	f.Add("alice@build-7", "premium", "install-1", "<x>&\"y\"", uint64(31415926535897), uint8(3), int64(9), true)
	f.Add("", "", "", "\xff\u2028", uint64(0), uint8(0), int64(-1), false)
	f.Fuzz(func(t *testing.T, actor, edition, install, free string, serial uint64, gen uint8, n int64, trial bool) {
		h := eventHead{Seq: n, At: free, Actor: actor, Kind: free, Product: edition}
		s := formats.Serial(serial % (formats.MaxSerial + 1))
		checkBody(t, h, s, codeEvent{Generation: gen, Edition: edition, InstallID: install, KeyID: gen, Issued: free, Expires: free,
			CodeSHA256: actor, JWTSHA256: free, RK: install, Owner: free, PreviousExpires: install})
		checkBody(t, h, s, mintEvent{RK: free, Trial: trial, Edition: edition, Days: int(n), Purpose: actor, Order: install, Customer: free, Reason: edition})
	})
}
