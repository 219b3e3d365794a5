//go:build cgo

package c

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"
)

// vectors reads a vector file of testdata/vectors into v.
func vectors(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("../../testdata/vectors/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

type codeVectors struct {
	Valid []struct {
		Signed         string   `json:"signed"`
		Short          string   `json:"short"`
		OtherSpellings []string `json:"other_spellings"`
		Fields         struct {
			Product string `json:"product"`
			KeyID   uint8  `json:"key_id"`
			Issued  string `json:"issued"`
			Expires string `json:"expires"`
		} `json:"fields"`
		InstallID *string `json:"install_id"`
	} `json:"valid"`
	Invalid []struct {
		Comment string `json:"comment"`
		Input   string `json:"input"`
		Want    string `json:"want"`
		Error   string `json:"error"`
		Group   *int32 `json:"group"`
		Char    *int32 `json:"char"`
		Line    *int32 `json:"line"`
		Column  *int32 `json:"column"`
	} `json:"invalid"`
}

type listVectors struct {
	Valid []struct {
		Name string `json:"name"`
		Hex  string `json:"hex"`
	} `json:"valid"`
	Invalid []struct {
		Comment string `json:"comment"`
		Hex     string `json:"hex"`
		Product string `json:"product"`
		Error   string `json:"error"`
	} `json:"invalid"`
	Replays []struct {
		Comment  string `json:"comment"`
		Accepted string `json:"accepted"`
		Then     string `json:"then"`
		Error    string `json:"error"`
	} `json:"replays"`
}

type resetVectors struct {
	Valid []struct {
		Code      string `json:"code"`
		InstallID string `json:"install_id"`
	} `json:"valid"`
	Invalid []struct {
		Comment string `json:"comment"`
		Input   string `json:"input"`
		Error   string `json:"error"`
		Group   *int32 `json:"group"`
		Char    *int32 `json:"char"`
		Line    *int32 `json:"line"`
		Column  *int32 `json:"column"`
	} `json:"invalid"`
	Acceptance []struct {
		Comment     string   `json:"comment"`
		Product     string   `json:"product"`
		InstallID   string   `json:"install_id"`
		LastSeen    string   `json:"last_seen"`
		Now         string   `json:"now"`
		Tolerance   int64    `json:"tolerance_seconds"`
		Used        []string `json:"used"`
		Result      string   `json:"result"`
		NewLastSeen string   `json:"new_last_seen"`
		Code        string   `json:"code"`
	} `json:"acceptance"`
}

// FuzzDiff feeds the same random and mutated codes, revocation lists,
// state files and reset codes to package verifier and to the C library,
// and fails on any difference: kind, position, message, hint, license,
// features, or the state file written.
func FuzzDiff(f *testing.F) {
	library(f)
	var codes codeVectors
	vectors(f, "activation_codes.json", &codes)
	var lists listVectors
	vectors(f, "revocation_lists.json", &lists)
	var resets resetVectors
	vectors(f, "reset_codes.json", &resets)
	states := [][]byte{
		[]byte("licmint verifier state v1\nlast-seen: 2027-06-01T10:00:00Z\nlist-sequence: 0\ngeneration: 31415926535897 2\n"),
		[]byte("licmint verifier state v1\nlast-seen: 2036-11-29T08:15:00Z\nlist-sequence: 3\nreset: 2030-01-02 101182109dd5ec0de010\n"),
		[]byte("licmint verifier state v1\n"),
		nil,
	}
	day := uint16(2557) // 2027-01-01
	for i, v := range codes.Valid {
		f.Add(uint8(0), []byte(v.Signed), []byte(nil), []byte(nil), day, uint8(i))
		f.Add(uint8(2), []byte(v.Signed), []byte(nil), states[i%len(states)], day+uint16(i*100), uint8(i))
		f.Add(uint8(3), []byte(v.Signed), []byte(codes.Valid[(i+1)%len(codes.Valid)].Signed), []byte(nil), day, uint8(i))
		f.Add(uint8(5), []byte(v.Signed), []byte(nil), []byte(nil), day, uint8(i))
		for _, o := range v.OtherSpellings {
			f.Add(uint8(0), []byte(o), []byte(nil), []byte(nil), day, uint8(i))
		}
	}
	for _, v := range codes.Invalid {
		f.Add(uint8(0), []byte(v.Input), []byte(nil), []byte(nil), day, uint8(1))
	}
	for _, l := range append(lists.Valid, struct {
		Name string `json:"name"`
		Hex  string `json:"hex"`
	}{Hex: lists.Invalid[0].Hex}) {
		b, _ := hex.DecodeString(l.Hex)
		f.Add(uint8(1), b, []byte(codes.Valid[0].Signed), []byte(nil), day, uint8(0))
	}
	for i, r := range resets.Valid {
		f.Add(uint8(4), []byte(r.Code), []byte(codes.Valid[0].Signed), states[1], uint16(2525+i), uint8(1))
	}
	for _, r := range resets.Invalid {
		f.Add(uint8(4), []byte(r.Input), []byte(nil), states[0], day, uint8(1))
	}
	var cats struct {
		Valid   []struct{ JSON string } `json:"valid"`
		Invalid []struct{ JSON string } `json:"invalid"`
	}
	vectors(f, "catalogs.json", &cats)
	for _, c := range append(cats.Valid, cats.Invalid...) {
		f.Add(uint8(6), []byte(c.JSON), []byte(nil), []byte(nil), day, uint8(0))
	}
	var rks struct{ Vectors []struct{ Input string } }
	vectors(f, "registration_keys.json", &rks)
	for _, k := range rks.Vectors {
		f.Add(uint8(7), []byte(k.Input), []byte(nil), []byte(nil), day, uint8(0))
	}
	var keyFiles struct{ Valid, Invalid, Private []struct{ Text string } }
	vectors(f, "key_files.json", &keyFiles)
	for _, k := range append(append(keyFiles.Valid, keyFiles.Invalid...), keyFiles.Private...) {
		f.Add(uint8(8), []byte(k.Text), []byte(nil), []byte(nil), day, uint8(0))
	}
	var tokens struct {
		Valid, Invalid []struct {
			Token     string
			VerifyAt  string  `json:"verify_at"`
			InstallID *string `json:"install_id"`
		}
	}
	vectors(f, "jwts.json", &tokens)
	for _, k := range append(tokens.Valid, tokens.Invalid...) {
		at, err := time.Parse(time.DateOnly, k.VerifyAt)
		if err != nil {
			f.Fatal(err)
		}
		inst := uint8(0)
		if k.InstallID != nil {
			// Another install than the token's: "other install".
			inst = 3
			if i := slices.IndexFunc(installIDs, func(p *string) bool { return p != nil && *p == *k.InstallID }); i >= 0 {
				inst = uint8(i)
			}
		}
		f.Add(uint8(9), []byte(k.Token), []byte(nil), []byte(nil), uint16(at.Unix()/86400-18262), inst)
	}
	f.Fuzz(differential)
}
