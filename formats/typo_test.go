package formats_test

import (
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
)

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// randomCode signs a random header with a random key.
func randomCode(t testing.TB, r *rand.Rand) formats.ActivationCode {
	t.Helper()
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(r.Uint32())
	}
	issued := formats.Day(r.IntN(int(formats.MaxDay)))
	expires := formats.Perpetual
	if r.IntN(4) > 0 {
		expires = issued + 1 + formats.Day(r.IntN(int(formats.MaxDay-issued)))
	}
	c := formats.ActivationCode{Header: formats.Header{
		Product: formats.Product{byte('A' + r.IntN(26)), byte('A' + r.IntN(26))},
		Version: formats.FormatVersion, KeyID: uint8(r.Uint32()), Edition: uint8(r.Uint32()),
		Trial: r.IntN(2) == 0, Generation: uint8(r.Uint32()),
		Issued: issued, Expires: expires, Serial: formats.Serial(r.Uint64N(formats.MaxSerial + 1)),
	}, Signed: true}
	msg, err := c.AppendMessage(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	copy(c.Signature[:], ed25519.Sign(ed25519.NewKeyFromSeed(seed[:]), msg))
	return c
}

// TestEverySingleTypoIsCaught tries every single-symbol substitution and
// every swap of adjacent symbols (hyphens ignored, so swaps across group
// boundaries count) in many signed codes, and in their short forms.
func TestEverySingleTypoIsCaught(t *testing.T) {
	codes := 40
	if testing.Short() {
		codes = 5
	}
	r := rand.New(rand.NewPCG(7, 11))
	located, tried := 0, 0
	for range codes {
		c := randomCode(t, r)
		for _, code := range []string{c.String(), c.ShortForm()} {
			syms := []byte(strings.ReplaceAll(code, "-", ""))
			check := func(mutated []byte, what string) {
				tried++
				_, err := formats.ParseActivationCode(string(mutated))
				if !errors.Is(err, formats.ErrTypo) {
					t.Fatalf("%s in %s: got %v, want a typo", what, code, err)
				}
				var fe *formats.FormatError
				if errors.As(err, &fe) && fe.Group > 0 {
					located++
				}
			}
			for i := 2; i < len(syms); i++ {
				orig := syms[i]
				for _, v := range []byte(alphabet) {
					if v == orig {
						continue
					}
					syms[i] = v
					check(syms, "substitution at symbol "+string(rune('0'+i%10)))
				}
				syms[i] = orig
			}
			for i := 0; i+1 < len(syms); i++ {
				if syms[i] == syms[i+1] {
					continue
				}
				syms[i], syms[i+1] = syms[i+1], syms[i]
				// A swap of a product letter and a digit is a malformed
				// product code, not a check mismatch.
				if i != 1 {
					check(syms, "adjacent swap")
				}
				syms[i], syms[i+1] = syms[i+1], syms[i]
			}
		}
	}
	t.Logf("%d typos caught, %d of them located", tried, located)
}

// TestTypoLocation checks that a single substitution is pointed at.
func TestTypoLocation(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	c := randomCode(t, r)
	code := []byte(c.String())
	for _, pos := range []int{3, 20, 37, 100, len(code) - 1} {
		if code[pos] == '-' {
			continue
		}
		mutated := append([]byte(nil), code...)
		mutated[pos] = alphabet[(strings.IndexByte(alphabet, code[pos])+7)%32]
		_, err := formats.ParseActivationCode(string(mutated))
		var fe *formats.FormatError
		if !errors.As(err, &fe) || !errors.Is(err, formats.ErrTypo) {
			t.Fatalf("got %v", err)
		}
		if fe.Line != 1 || fe.Column != pos+1 {
			t.Errorf("typo at column %d reported at line %d column %d: %v", pos+1, fe.Line, fe.Column, err)
		}
		if !strings.Contains(fe.Error(), string(code[pos])) {
			t.Errorf("message does not suggest %q: %v", code[pos], err)
		}
	}
}

func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for range 2000 {
		c := randomCode(t, r)
		s := c.String()
		if len(s) != formats.SignedLen || !strings.HasPrefix(s, c.ShortForm()) || len(c.ShortForm()) != formats.ShortLen {
			t.Fatalf("lengths: %d %q", len(s), s)
		}
		back, err := formats.ParseSigned(s, c.Product)
		if err != nil || back != c {
			t.Fatalf("round trip of %s: %+v %v", s, back, err)
		}
		short, err := formats.ParseActivationCode(c.ShortForm())
		if err != nil || short.Header != c.Header || short.Signed {
			t.Fatalf("short round trip: %v", err)
		}
	}
}

func TestSpellings(t *testing.T) {
	c := randomCode(t, rand.New(rand.NewPCG(9, 9)))
	canon := c.String()
	odd := strings.NewReplacer("0", "o", "1", "I").Replace(canon[2:])
	for _, in := range []string{
		"  " + canon + "\n",
		strings.ToLower(canon),
		strings.ReplaceAll(canon, "-", "\r\n"),
		"\t" + strings.Join(strings.Split(canon, ""), " "),
		canon[:2] + odd,
		canon[:2] + strings.ReplaceAll(canon[2:], "1", "l"),
		"---" + canon + "---",
	} {
		got, err := formats.ParseSigned(in, formats.Product{})
		if err != nil || got.String() != canon {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestBoundedInput(t *testing.T) {
	huge := strings.Repeat("0", 1<<20)
	_, err := formats.ParseActivationCode(huge)
	_, err2 := formats.ParseRegistrationKey(huge)
	if !errors.Is(err, formats.ErrMalformed) || !errors.Is(err2, formats.ErrMalformed) {
		t.Fatalf("1 MB input: %v, %v", err, err2)
	}
	// Not a timing assertion: the input must be refused before it is read,
	// which a message naming its length shows.
	if !strings.Contains(err.Error(), "1048576 bytes") {
		t.Fatalf("error does not say the input is too long: %v", err)
	}
}

func TestEncodeRejectsInvalidHeader(t *testing.T) {
	ok := formats.Header{Product: formats.MustProduct("PC"), Version: 1, Issued: 10, Expires: 20, Serial: 5}
	for name, mod := range map[string]func(*formats.Header){
		"version":      func(h *formats.Header) { h.Version = 2 },
		"product":      func(h *formats.Header) { h.Product = formats.Product{'p', '1'} },
		"serial":       func(h *formats.Header) { h.Serial = formats.MaxSerial + 1 },
		"expires":      func(h *formats.Header) { h.Expires = h.Issued },
		"issued":       func(h *formats.Header) { h.Issued = formats.Perpetual },
		"bound, no id": func(h *formats.Header) { h.Bound = true },
	} {
		h := ok
		mod(&h)
		_, err1 := h.AppendShort(nil)
		_, err2 := h.AppendMessage(nil, "")
		if err2 == nil || (name != "bound, no id" && err1 == nil) {
			t.Errorf("%s: encoded an invalid header: %v %v", name, err1, err2)
		}
	}
}

func TestDay(t *testing.T) {
	d, err := formats.ParseDay("2026-11-27")
	if err != nil || d.String() != "2026-11-27" || !d.Time().Equal(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%v %v", d, err)
	}
	if formats.Perpetual.String() != "perpetual" || formats.MaxDay.String() != "2199-06-05" {
		t.Fatal(formats.MaxDay.String())
	}
	for _, bad := range []string{"2019-12-31", "2199-06-06", "2026-13-01", "27/11/2026", ""} {
		if _, err := formats.ParseDay(bad); err == nil {
			t.Errorf("ParseDay(%q) accepted", bad)
		}
	}
}
