package catalog_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats/catalog"
)

func TestDefault(t *testing.T) {
	c := catalog.Default()
	p, err := c.Product("pc")
	if err != nil {
		t.Fatal(err)
	}
	if p.Trial() != 30 || p.Maintenance() != 365 || p.Warning() != 60 || p.Grace() != 30 {
		t.Fatalf("terms %d %d %d %d", p.Trial(), p.Maintenance(), p.Warning(), p.Grace())
	}
	for _, name := range []string{"standard", "premium"} {
		e, err := p.Edition(name)
		if err != nil || strings.Join(e.Features, ",") != "update,scan" {
			t.Fatalf("%s: %+v %v", name, e, err)
		}
		if back, ok := p.EditionNumber(e.Number); !ok || back.Name != name {
			t.Fatalf("edition number %d", e.Number)
		}
	}
	if _, err := p.Edition("gold"); !errors.Is(err, catalog.ErrUnknownEdition) || !strings.Contains(err.Error(), "standard, premium") {
		t.Fatalf("unknown edition: %v", err)
	}
	if _, err := c.Product("XY"); !errors.Is(err, catalog.ErrUnknownProduct) || !strings.Contains(err.Error(), "PC") {
		t.Fatalf("unknown product: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for name, tc := range map[string]struct{ json, want string }{
		"syntax":           {"{\n \"products\": {,}}", "line 2"},
		"unknown field":    {`{"products": {"PC": {"editions": [{"name": "a", "number": 1}], "trial": 5}}}`, "unknown field"},
		"no products":      {`{"products": {}}`, "no products"},
		"lower-case code":  {`{"products": {"pc": {"editions": [{"name": "a"}]}}}`, "upper-case"},
		"no editions":      {`{"products": {"PC": {}}}`, "no editions"},
		"duplicate name":   {`{"products": {"PC": {"editions": [{"name": "a", "number": 1}, {"name": "a", "number": 2}]}}}`, "twice"},
		"duplicate number": {`{"products": {"PC": {"editions": [{"name": "a", "number": 1}, {"name": "b", "number": 1}]}}}`, "twice"},
		"negative term":    {`{"products": {"PC": {"editions": [{"name": "a"}], "grace_days": -1}}}`, "grace_days"},
		"edition 256":      {`{"products": {"PC": {"editions": [{"name": "a", "number": 256}]}}}`, "number"},
		"trailing data":    {`{"products": {"PC": {"editions": [{"name": "a"}]}}} {}`, "after"},
		"null product":     {`{"products": {"PC": null}}`, "null"},
	} {
		_, err := catalog.Parse([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", name, err, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`{"products": {"PC": {"editions": [{"name": "a", "number": 1, "features": ["x"]}]}}}`)
	f.Add(`{"products": {}}`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := catalog.Parse([]byte(s))
		if err != nil {
			return
		}
		for code, p := range c.Products {
			if p.Code.String() != code || len(p.Editions) == 0 {
				t.Fatalf("accepted %q with product %q", s, code)
			}
		}
	})
}
