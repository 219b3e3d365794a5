package portaltest

import (
	"slices"
	"testing"
)

// GETPaths has every page a browser can ask for: the GET routes, the
// "{$}" ones as their path, and a not-found path under each subtree;
// never a route that only takes POST.
func TestGETPaths(t *testing.T) {
	fill := map[string][]string{"{$}": {""}, "{license}": {"PC-1"}, "{action}": {"revoke"}, "{rk}": {"RK"}, "{id}": {"7"}, "{product}": {"PC"}, "{account}": {"ann@example.com"}}
	ps, err := GETPaths(fill)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/", "/no-such-page", "/console/", "/console/no-such-page", "/login", "/console/licenses/PC-1/revoke",
		"/console/tokens/7/revoke", "/crl/PC", "/static/no-such-page"} {
		if !slices.Contains(ps, want) {
			t.Errorf("GETPaths lacks %s: %q", want, ps)
		}
	}
	for _, not := range []string{"/logout", "/console/logout", "/console/staff/unlock", "/api/v1/registration-keys", "/static/"} {
		if slices.Contains(ps, not) {
			t.Errorf("GETPaths has %s, which takes no GET", not)
		}
	}
	if !slices.IsSorted(ps) || len(slices.Compact(slices.Clone(ps))) != len(ps) {
		t.Errorf("GETPaths is not sorted, each once: %q", ps)
	}
	delete(fill, "{rk}")
	if _, err := GETPaths(fill); err == nil {
		t.Error("a wildcard not filled in was not reported")
	}
}
