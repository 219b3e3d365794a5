// Package portaltest reads the portal's routes table for the tests that
// send every method to every route, in process and against 'licmint
// serve', so that a route added to the table is swept by both.
package portaltest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"github.com/licmint/licmint/internal/portaldb"
)

var routeRE = regexp.MustCompile(`(?:page|login|console|staff|admin|mux\.Handle|mux\.HandleFunc)\("(?:([A-Z]+) )?(/[^"]*)"|bearer\("([A-Z]+)", "(/[^"]*)"`)

// Route is a pattern of the routes table: its method ("" for any) and
// path, wildcards and all.
type Route struct{ Method, Path string }

// Routes reads the routes table, routes.go of the portal's source.
func Routes() ([]Route, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("portaltest: the source of the routes table is not known")
	}
	src, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "routes.go"))
	if err != nil {
		return nil, fmt.Errorf("portaltest: the routes table: %w", err)
	}
	var out []Route
	for _, m := range routeRE.FindAllStringSubmatch(string(src), -1) {
		out = append(out, Route{Method: m[1] + m[3], Path: m[2] + m[4]})
	}
	if len(out) < 40 {
		return nil, fmt.Errorf("portaltest: only %d routes read from %s", len(out), file)
	}
	return out, nil
}

// Paths returns a path for every route of the table, its wildcards
// filled in by fill, each value in turn: sorted, each once. A wildcard
// fill has no values for is an error, so that a new one is not left out.
func Paths(fill map[string][]string) ([]string, error) {
	return paths(fill, func(Route) bool { return true })
}

// GETPaths is Paths of the routes a browser can GET: those of GET and of
// any method. A subtree pattern ("/console/") stands for a path under it
// that no other route takes ("/console/no-such-page"), its page for a
// path not found, as well as for itself if a "{$}" route takes that.
func GETPaths(fill map[string][]string) ([]string, error) {
	ps, err := paths(fill, func(r Route) bool { return r.Method == "GET" || r.Method == "" })
	if err != nil {
		return nil, err
	}
	routes, _ := Routes()
	subtree := map[string]bool{}
	for _, r := range routes {
		if strings.HasSuffix(r.Path, "/") {
			subtree[r.Path] = true
		}
	}
	var out []string
	for _, p := range ps {
		if !subtree[p] {
			out = append(out, p)
			continue
		}
		if exact(routes, p) {
			out = append(out, p)
		}
		out = append(out, p+"no-such-page")
	}
	sort.Strings(out)
	return out, nil
}

// exact tells whether a route of the table takes GET of path itself
// (its pattern ends in "{$}").
func exact(routes []Route, path string) bool {
	for _, r := range routes {
		if r.Path == path+"{$}" && (r.Method == "GET" || r.Method == "") {
			return true
		}
	}
	return false
}

// POSTPaths is Paths of the routes that take POST.
func POSTPaths(fill map[string][]string) ([]string, error) {
	return paths(fill, func(r Route) bool { return r.Method == "POST" })
}

func paths(fill map[string][]string, keep func(Route) bool) ([]string, error) {
	routes, err := Routes()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, r := range routes {
		if !keep(r) {
			continue
		}
		ps := []string{r.Path}
		for w, values := range fill {
			var next []string
			for _, p := range ps {
				if !strings.Contains(p, w) {
					next = append(next, p)
					continue
				}
				for _, v := range values {
					next = append(next, strings.ReplaceAll(p, w, v))
				}
			}
			ps = next
		}
		for _, p := range ps {
			if strings.Contains(p, "{") {
				return nil, fmt.Errorf("portaltest: the routes table has a wildcard not filled in: %s", p)
			}
			seen[p] = true
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// PublicPOST are the POST routes anyone may use, with no session of the
// audience: signing up, logging in and out, the password's, and the
// confirmation of a new email address (whose link may open anywhere).
var PublicPOST = map[string]bool{"/signup": true, "/confirm": true, "/login": true, "/logout": true, "/forgot": true,
	"/reset": true, "/confirm-email": true, "/console/login": true, "/console/totp": true, "/console/logout": true}

var consoleAdminOnlyRE = regexp.MustCompile(`^/console/(staff|tokens)`)

// AdminOnly tells whether a console path is an admin's only.
func AdminOnly(path string) bool { return consoleAdminOnlyRE.MatchString(path) }

// NeedsLogin tells whether a customer path is behind the log-in.
func NeedsLogin(path string) bool {
	for _, p := range []string{"/register", "/licenses", "/renew", "/report-stolen", "/account"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// APIScope is the scope a shop API path's POST needs.
func APIScope(path string) string {
	switch {
	case path == "/api/v1/registration-keys":
		return portaldb.ScopeMint
	case strings.HasSuffix(path, "/revoke"):
		return portaldb.ScopeRevoke
	}
	return ""
}
