package keyring_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/licmint/licmint/formats/keyring"
)

// TestVectors reads testdata/vectors/key_files.json (FORMAT.md section 10).
func TestVectors(t *testing.T) {
	b, err := os.ReadFile("../../testdata/vectors/key_files.json")
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		KeyID     uint8  `json:"key_id"`
		PublicHex string `json:"public_key_hex"`
	}
	var v struct {
		Valid []struct {
			Comment, Text, Canonical string
			Keys                     []key `json:"keys"`
		} `json:"valid"`
		Private []struct {
			Comment, Text string
			KeyID         uint8  `json:"key_id"`
			SeedHex       string `json:"seed_hex"`
		} `json:"private"`
		Invalid []struct {
			Comment, Text, Error string
		} `json:"invalid"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Valid) == 0 || len(v.Private) == 0 || len(v.Invalid) == 0 {
		t.Fatal("no vectors")
	}
	for _, tc := range v.Valid {
		t.Run(tc.Comment, func(t *testing.T) {
			r, err := keyring.Parse([]byte(tc.Text))
			if err != nil {
				t.Fatal(err)
			}
			keys := r.Keys()
			if len(keys) != len(tc.Keys) {
				t.Fatalf("%d keys, want %d", len(keys), len(tc.Keys))
			}
			for i, k := range keys {
				if k.ID != tc.Keys[i].KeyID || hex.EncodeToString(k.Public) != tc.Keys[i].PublicHex {
					t.Fatalf("key %d: id %d %x, want %+v", i, k.ID, k.Public, tc.Keys[i])
				}
			}
			var out []byte
			switch tc.Canonical {
			case "":
				return
			case "pem":
				out = r.AppendPEM(nil)
			case "jwks":
				if out, err = r.MarshalJWKS(); err != nil {
					t.Fatal(err)
				}
			default:
				t.Fatalf("unknown canonical form %q", tc.Canonical)
			}
			if string(out) != tc.Text {
				t.Fatalf("written as\n%s\nwant\n%s", out, tc.Text)
			}
		})
	}
	for _, tc := range v.Private {
		t.Run(tc.Comment, func(t *testing.T) {
			id, priv, err := keyring.ParsePrivatePEM([]byte(tc.Text))
			if err != nil || id != tc.KeyID || hex.EncodeToString(priv.Seed()) != tc.SeedHex {
				t.Fatalf("key id %d, seed %x (%v); want %d, %s", id, priv.Seed(), err, tc.KeyID, tc.SeedHex)
			}
			if got := keyring.MarshalPrivatePEM(id, priv); string(got) != tc.Text {
				t.Fatalf("written as\n%s\nwant\n%s", got, tc.Text)
			}
		})
	}
	for _, tc := range v.Invalid {
		t.Run(tc.Comment, func(t *testing.T) {
			r, err := keyring.Parse([]byte(tc.Text))
			switch {
			case tc.Error == "no_key_id" && !errors.Is(err, keyring.ErrNoKeyID):
				t.Fatalf("Parse: %v, want ErrNoKeyID", err)
			case tc.Error == "invalid" && err == nil:
				t.Fatalf("accepted: %+v", r.Keys())
			case tc.Error != "invalid" && tc.Error != "no_key_id":
				t.Fatalf("unknown error kind %q", tc.Error)
			}
		})
	}
}
