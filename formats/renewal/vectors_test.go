package renewal_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/licmint/licmint/formats/renewal"
)

// TestVectors reads testdata/vectors/renewal_requests.json (FORMAT.md
// section 12).
func TestVectors(t *testing.T) {
	b, err := os.ReadFile("../../testdata/vectors/renewal_requests.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Valid []struct {
			Comment, Text, Product, Code, Time, Canonical string
			InstallID                                     string `json:"install_id"`
		} `json:"valid"`
		Invalid []struct {
			Comment, Text, Error string
		} `json:"invalid"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Valid) == 0 || len(v.Invalid) == 0 {
		t.Fatal("no vectors")
	}
	for _, tc := range v.Valid {
		t.Run(tc.Comment, func(t *testing.T) {
			r, err := renewal.Parse([]byte(tc.Text))
			if err != nil {
				t.Fatal(err)
			}
			want, err := time.Parse(time.RFC3339, tc.Time)
			if err != nil {
				t.Fatal(err)
			}
			if r.Code.Product.String() != tc.Product || r.Code.String() != tc.Code || r.InstallID != tc.InstallID ||
				!r.Time.Equal(want) || r.Time.Location() != time.UTC {
				t.Fatalf("request %+v (code %s), want %+v", r, r.Code, tc)
			}
			text, err := r.MarshalText()
			if err != nil || string(text) != tc.Canonical {
				t.Fatalf("MarshalText = %q (%v), want %q", text, err, tc.Canonical)
			}
		})
	}
	for _, tc := range v.Invalid {
		t.Run(tc.Comment, func(t *testing.T) {
			if tc.Error != "malformed" {
				t.Fatalf("unknown error kind %q", tc.Error)
			}
			if r, err := renewal.Parse([]byte(tc.Text)); !errors.Is(err, renewal.ErrMalformed) {
				t.Fatalf("Parse = %+v, %v; want ErrMalformed", r, err)
			}
		})
	}
}
