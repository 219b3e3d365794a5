package main

import ()

// ---- Catalogs (FORMAT.md section 9) ----

func genCatalogs() {
	type edition struct {
		Name     string   `json:"name"`
		Number   int      `json:"number"`
		Features []string `json:"features"`
	}
	// product is a catalog entry with its terms as they apply, defaults
	// filled in.
	type product struct {
		Name            string    `json:"name"`
		Editions        []edition `json:"editions"`
		TrialDays       int       `json:"trial_days"`
		MaintenanceDays int       `json:"maintenance_days"`
		WarningDays     int       `json:"warning_days"`
		GraceDays       int       `json:"grace_days"`
	}
	type vec struct {
		Comment  string             `json:"comment"`
		JSON     string             `json:"json"`
		Products map[string]product `json:"products"`
	}
	std := []edition{{"standard", 1, []string{"update", "scan"}}, {"premium", 2, []string{"update", "scan"}}}
	valid := []vec{
		{"the built-in catalog: default terms", `{
  "products": {
    "PC": {
      "name": "Example product",
      "editions": [
        {"name": "standard", "number": 1, "features": ["update", "scan"]},
        {"name": "premium", "number": 2, "features": ["update", "scan"]}
      ]
    }
  }
}
`, map[string]product{"PC": {"Example product", std, 30, 365, 60, 30}}},
		{"two products, every term given, 0 meaning the default, editions 0 and 255, no features", `{"products": {
  "PC": {"name": "Example product", "editions": [{"name": "standard", "number": 1, "features": ["update", "scan"]}, {"name": "premium", "number": 2, "features": ["update", "scan"]}],
         "trial_days": 14, "maintenance_days": 730, "warning_days": 0, "grace_days": 36500},
  "ZZ": {"name": "", "editions": [{"name": "free", "number": 0}, {"name": "site licence", "number": 255, "features": []}],
         "trial_days": 1, "maintenance_days": 1, "warning_days": 1, "grace_days": 1}
}}`, map[string]product{
			"PC": {"Example product", std, 14, 730, 60, 36500},
			"ZZ": {"", []edition{{"free", 0, []string{}}, {"site licence", 255, []string{}}}, 1, 1, 1, 1},
		}},
	}
	type badVec struct {
		Comment string `json:"comment"`
		JSON    string `json:"json"`
		Error   string `json:"error"`
	}
	one := func(productJSON string) string { return `{"products": {"PC": ` + productJSON + `}}` }
	ed := `"editions": [{"name": "standard", "number": 1}]`
	bad := []badVec{
		{"not JSON", `products: PC`, "invalid"},
		{"no products", `{"products": {}}`, "invalid"},
		{"unknown field (a misspelt term)", one(`{"name": "x", ` + ed + `, "grace": 10}`), "invalid"},
		{"unknown top-level field", `{"products": {"PC": {"name": "x", ` + ed + `}}, "vendor": "acme"}`, "invalid"},
		{"product code in lower case", `{"products": {"pc": {"name": "x", ` + ed + `}}}`, "invalid"},
		{"product code of three letters", `{"products": {"PCX": {"name": "x", ` + ed + `}}}`, "invalid"},
		{"product null", `{"products": {"PC": null}}`, "invalid"},
		{"no editions", one(`{"name": "x", "editions": []}`), "invalid"},
		{"edition name twice", one(`{"name": "x", "editions": [{"name": "a", "number": 1}, {"name": "a", "number": 2}]}`), "invalid"},
		{"edition number twice", one(`{"name": "x", "editions": [{"name": "a", "number": 1}, {"name": "b", "number": 1}]}`), "invalid"},
		{"edition number 256", one(`{"name": "x", "editions": [{"name": "a", "number": 256}]}`), "invalid"},
		{"edition name empty", one(`{"name": "x", "editions": [{"name": "", "number": 1}]}`), "invalid"},
		{"edition name with a trailing space", one(`{"name": "x", "editions": [{"name": "a ", "number": 1}]}`), "invalid"},
		{"feature name empty", one(`{"name": "x", "editions": [{"name": "a", "number": 1, "features": [""]}]}`), "invalid"},
		{"term over 36500 days", one(`{"name": "x", ` + ed + `, "maintenance_days": 36501}`), "invalid"},
		{"negative term", one(`{"name": "x", ` + ed + `, "trial_days": -1}`), "invalid"},
		{"data after the object", one(`{"name": "x", `+ed+`}`) + ` {}`, "invalid"},
		{"name null: null is refused everywhere, not read as absent", one(`{"name": null, ` + ed + `}`), "invalid"},
		{"features null", one(`{"name": "x", "editions": [{"name": "a", "number": 1, "features": null}]}`), "invalid"},
		{"a term null", one(`{"name": "x", ` + ed + `, "grace_days": null}`), "invalid"},
		{"a product code twice: a repeated member is refused, not read last-wins", `{"products": {"PC": {"name": "x", ` + ed + `}, "PC": {"name": "y", ` + ed + `}}}`, "invalid"},
		{"a member twice in a product", one(`{"name": "x", ` + ed + `, "grace_days": 10, "grace_days": 20}`), "invalid"},
		{"a member name in another case (Products)", `{"Products": {"PC": {"name": "x", ` + ed + `}}}`, "invalid"},
		{"a term with a fraction", one(`{"name": "x", ` + ed + `, "grace_days": 10.0}`), "invalid"},
		{"an edition number as a string", one(`{"name": "x", "editions": [{"name": "a", "number": "1"}]}`), "invalid"},
		{"U+0000 in an edition name: no name may hold it (C reads names as NUL-terminated strings)", one(`{"name": "x", "editions": [{"name": "a\u0000b", "number": 1}]}`), "invalid"},
		{"U+0000 in a feature name", one(`{"name": "x", "editions": [{"name": "a", "number": 1, "features": ["scan\u0000"]}]}`), "invalid"},
		{"U+0000 in a product name", one(`{"name": "\u0000", ` + ed + `}`), "invalid"},
	}
	writeJSON("catalogs.json", map[string]any{
		"comment": "Catalog vectors (FORMAT.md section 9): each file and the products it describes, terms with defaults applied. Written by formats/internal/genvectors (go generate ./formats); do not edit.",
		"valid":   valid,
		"invalid": bad,
	})
}
