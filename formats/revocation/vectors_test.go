package revocation_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/formats/revocation"
)

// listVectors is testdata/vectors/revocation_lists.json (FORMAT.md
// section 11).
type listVectors struct {
	TestKey struct {
		Seed string `json:"seed_hex"`
	} `json:"test_key"`
	Valid []struct {
		Comment, Name, Hex, Product, Issued string
		KeyID                               uint8   `json:"key_id"`
		Sequence                            uint64  `json:"sequence"`
		SignedFrom                          []entry `json:"signed_from"`
		Entries                             []entry `json:"entries"`
		Checks                              []struct {
			Serial     string `json:"serial"`
			Generation uint8  `json:"generation"`
			Revoked    bool   `json:"revoked"`
		} `json:"checks"`
	} `json:"valid"`
	Invalid []struct {
		Comment, Hex, Product, Error string
	} `json:"invalid"`
}

type entry struct {
	Serial string `json:"serial"`
	Below  uint8  `json:"below"`
}

func (e entry) entry(t *testing.T) revocation.Entry {
	s, err := strconv.ParseUint(e.Serial, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return revocation.Entry{Serial: formats.Serial(s), Below: e.Below}
}

func loadListVectors(t *testing.T) (*listVectors, ed25519.PrivateKey) {
	b, err := os.ReadFile("../../testdata/vectors/revocation_lists.json")
	if err != nil {
		t.Fatal(err)
	}
	var v listVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	seed, err := hex.DecodeString(v.TestKey.Seed)
	if err != nil || len(seed) != ed25519.SeedSize || len(v.Valid) == 0 || len(v.Invalid) == 0 {
		t.Fatalf("revocation_lists.json: test key or vectors missing (%v)", err)
	}
	return &v, ed25519.NewKeyFromSeed(seed)
}

// trustKey1 trusts the test key under key id 1, as the vectors say, with
// the keyring's VerifyFunc: the one products use with package keyring,
// which refuses an R of small order as FORMAT.md section 10 says.
func trustKey1(t *testing.T, key ed25519.PrivateKey) revocation.VerifyFunc {
	r, err := keyring.New(keyring.Key{ID: 1, Public: key.Public().(ed25519.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	return r.VerifyList
}

func listErrorKind(err error) string {
	for _, k := range []struct {
		err  error
		kind string
	}{
		{revocation.ErrMalformed, "malformed"},
		{revocation.ErrUnknownKey, "unknown_key"},
		{revocation.ErrBadSignature, "bad_signature"},
		{revocation.ErrWrongProduct, "wrong_product"},
	} {
		if errors.Is(err, k.err) {
			return k.kind
		}
	}
	if err == nil {
		return ""
	}
	return "other: " + err.Error()
}

func TestListVectors(t *testing.T) {
	v, key := loadListVectors(t)
	verify := trustKey1(t, key)
	for _, tc := range v.Valid {
		t.Run(tc.Comment, func(t *testing.T) {
			data, err := hex.DecodeString(tc.Hex)
			if err != nil {
				t.Fatal(err)
			}
			p := formats.MustProduct(tc.Product)
			l, err := revocation.Parse(data, p, verify)
			if err != nil {
				t.Fatal(err)
			}
			issued, err := formats.ParseDay(tc.Issued)
			if err != nil {
				t.Fatal(err)
			}
			if l.Product != p || l.KeyID != tc.KeyID || l.Sequence != tc.Sequence || l.Issued != issued || l.Len() != len(tc.Entries) {
				t.Fatalf("list %+v (%d entries), want %+v", l, l.Len(), tc)
			}
			var want []revocation.Entry
			for i, e := range tc.Entries {
				want = append(want, e.entry(t))
				if got := l.Entry(i); got != want[i] {
					t.Fatalf("entry %d = %+v, want %+v", i, got, want[i])
				}
			}
			for _, c := range tc.Checks {
				s := entry{Serial: c.Serial}.entry(t).Serial
				if got := l.Revoked(s, c.Generation); got != c.Revoked {
					t.Errorf("Revoked(%s, %d) = %v, want %v", c.Serial, c.Generation, got, c.Revoked)
				}
			}
			// The encoder, given the same entries, writes the same bytes:
			// Ed25519 is deterministic.
			given := want
			if tc.SignedFrom != nil {
				given = nil
				for _, e := range tc.SignedFrom {
					given = append(given, e.entry(t))
				}
			}
			enc, err := revocation.Sign(key, tc.KeyID, p, tc.Sequence, issued, given)
			if err != nil || !bytes.Equal(enc, data) {
				t.Fatalf("Sign gives %x (%v), want %s", enc, err, tc.Hex)
			}
		})
	}
	for _, tc := range v.Invalid {
		t.Run(tc.Comment, func(t *testing.T) {
			data, err := hex.DecodeString(tc.Hex)
			if err != nil {
				t.Fatal(err)
			}
			_, err = revocation.Parse(data, formats.MustProduct(tc.Product), verify)
			if got := listErrorKind(err); got != tc.Error {
				t.Fatalf("error kind %q (%v), want %q", got, err, tc.Error)
			}
		})
	}
}
