package catalog_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/licmint/licmint/formats/catalog"
)

// TestVectors reads testdata/vectors/catalogs.json (FORMAT.md section 9).
func TestVectors(t *testing.T) {
	b, err := os.ReadFile("../../testdata/vectors/catalogs.json")
	if err != nil {
		t.Fatal(err)
	}
	type edition struct {
		Name     string   `json:"name"`
		Number   uint8    `json:"number"`
		Features []string `json:"features"`
	}
	var v struct {
		Valid []struct {
			Comment, JSON string
			Products      map[string]struct {
				Name            string    `json:"name"`
				Editions        []edition `json:"editions"`
				TrialDays       int       `json:"trial_days"`
				MaintenanceDays int       `json:"maintenance_days"`
				WarningDays     int       `json:"warning_days"`
				GraceDays       int       `json:"grace_days"`
			} `json:"products"`
		} `json:"valid"`
		Invalid []struct {
			Comment, JSON, Error string
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
			c, err := catalog.Parse([]byte(tc.JSON))
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Products) != len(tc.Products) {
				t.Fatalf("%d products, want %d", len(c.Products), len(tc.Products))
			}
			for code, want := range tc.Products {
				p, err := c.Product(code)
				if err != nil {
					t.Fatal(err)
				}
				if p.Code.String() != code || p.Name != want.Name || p.Trial() != want.TrialDays ||
					p.Maintenance() != want.MaintenanceDays || p.Warning() != want.WarningDays || p.Grace() != want.GraceDays {
					t.Fatalf("product %s: %+v, want %+v", code, p, want)
				}
				if len(p.Editions) != len(want.Editions) {
					t.Fatalf("product %s: %d editions, want %d", code, len(p.Editions), len(want.Editions))
				}
				for i, e := range p.Editions {
					w := want.Editions[i]
					if e.Name != w.Name || e.Number != w.Number || !slices.Equal(e.Features, w.Features) {
						t.Fatalf("product %s edition %d: %+v, want %+v", code, i, e, w)
					}
				}
			}
		})
	}
	for _, tc := range v.Invalid {
		t.Run(tc.Comment, func(t *testing.T) {
			if tc.Error != "invalid" {
				t.Fatalf("unknown error kind %q", tc.Error)
			}
			if c, err := catalog.Parse([]byte(tc.JSON)); err == nil {
				t.Fatalf("accepted: %+v", c)
			}
		})
	}
}
