package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portal/portaltest"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
)

// axeScript is axe-core as npm ci installs it from
// testdata/axe/package-lock.json. .ci/run does, and sets
// LICMINT_REQUIRE_AXE=1 so that the test fails without it rather than
// skip (as it does under CI=true).
var axeScript = filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js")

// axeRun runs the rules of WCAG 2.0 and 2.1, levels A and AA, and axe's
// best practices (landmarks, heading order and the like) on the page, and
// returns what they found, one entry a rule.
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}, resultTypes: ["violations"]})
	.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
		targets: v.nodes.map(n => n.target.map(String).join(" "))})))`

type axeViolation struct {
	ID, Impact, Help string
	Targets          []string
}

// updateScreenshotEnv, set to 1, makes TestBrowserAccessibility write
// README's screenshot, docs/portal.png: My licenses at 1280 px.
const updateScreenshotEnv = "LICMINT_UPDATE_SCREENSHOT"

// sweepWidths are the two windows every page state is checked in: a
// laptop's and a phone's.
var sweepWidths = [...]struct{ w, h int64 }{{1280, 900}, {390, 844}}

// TestBrowserAccessibility runs axe-core in Chromium on every page the
// routes table has that answers GET with HTML, as each visitor who can see
// it (anonymous, customer, support, admin), and on the page each of its
// forms answers when typed into wrongly, at 1280 and 390 px. Any serious
// or critical violation fails it; the others are logged. Every state's
// screenshot goes to the artefact directory.
func TestBrowserAccessibility(t *testing.T) {
	axeJS, err := os.ReadFile(axeScript)
	if err != nil {
		msg := fmt.Sprintf("axe-core is not installed (%v): run npm ci in internal/portal/testdata/axe", err)
		if os.Getenv("LICMINT_REQUIRE_AXE") == "1" || os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx := chromeFor(t, 15*time.Minute)
	// The browser starts on the test's context: a step's own timeout,
	// if it started it, would close it (see a11ySweep.do).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, portal.WithDemo(true))
	start := time.Now()
	bg := context.Background()

	// The seeded state: Ann's two licenses (one a trial), a key not yet
	// registered, a staff user of each role and an API token.
	key, ann := e.registered()
	trial := e.mint(1, true, ledger.PurposeLicense)[0]
	ann.submit("/register", "/register", url.Values{"rk": {trial.String()}})
	if len(ann.codes()) != 1 {
		t.Fatalf("registration of the trial: %d %s", ann.code, alert(ann.last))
	}
	unused := e.mint(1, false, ledger.PurposeLicense)[0]
	for email, role := range map[string]string{"sam@vendor.test": portaldb.RoleSupport, "ada@vendor.test": portaldb.RoleAdmin} {
		if err := portal.AddStaff(bg, e.led, email, role, staffPassword); err != nil {
			t.Fatal(err)
		}
	}
	_, tokID, err := portal.CreateAPIToken(bg, e.led, "shop", portaldb.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	id := "PC-" + key.Serial.String()
	actions := []string{"move", "replace", "reset-code", "resend", "revoke"}
	paths, err := portaltest.GETPaths(map[string][]string{
		"{$}":       {""},
		"{license}": {id},
		"{action}":  actions,
		"{rk}":      {unused.String()},
		"{id}":      {strconv.FormatInt(tokID, 10)},
		"{product}": {"PC"},
		"{account}": {"ann@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Pages whose query names what they are about, in that state as well.
	queries := map[string][]string{
		"/renew":                 {"?license=" + id},
		"/report-stolen/confirm": {"?license=" + id},
		"/console/staff/remove":  {"?email=sam%40vendor.test"},
	}

	s := &a11ySweep{t: t, ctx: ctx, e: e, axe: string(axeJS), shots: newShooter(t), found: map[string]*axeTally{},
		wantInvalid: map[string]string{"/register form1-typed-wrong": "rk", "/login form1-typed-wrong": "password",
			"/renew form1-typed-wrong": "rk", "/renew form2-typed-wrong": "rk-offline",
			"/console/login form1-typed-wrong": "password", "/console/password form1-typed-wrong": "current_password",
			"/console/revocation-list form1-typed-wrong": "product", "/console/licenses/" + id + "/move form1-typed-wrong": "email",
			"/console/licenses/" + id + "/reset-code form1-typed-wrong": "remembered"}}
	s.do("start", chromedp.EmulateViewport(sweepWidths[0].w, sweepWidths[0].h), chromedp.Navigate(e.url("/login")))
	s.keyboard()
	for _, visitor := range []string{"anonymous", "customer", "support", "admin"} {
		switch visitor {
		case "customer":
			s.do("customer log-in", chromedp.Navigate(e.url("/login")), chromedp.SendKeys(chromedp.CSS("#email"), "ann@example.com"),
				chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"), chromedp.Click(chromedp.CSS("main form button")),
				chromedp.WaitVisible(chromedp.CSS(".who")))
			if os.Getenv(updateScreenshotEnv) == "1" {
				s.readmeScreenshot()
			}
		case "support", "admin":
			s.staffLogin(map[string]string{"support": "sam@vendor.test", "admin": "ada@vendor.test"}[visitor], visitor)
		}
		if visitor == "support" {
			// Each action the license page offers is swept.
			s.do("license page", chromedp.Navigate(e.url("/console/licenses/"+id)))
			offered, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-action]")].map(a => a.dataset.action)`))
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range offered {
				if !slices.Contains(actions, a) {
					t.Errorf("the license page offers the action %q, which the sweep does not visit: add it to actions", a)
				}
			}
		}
		for _, path := range paths {
			if !slices.Contains(seenBy(path), visitor) {
				continue
			}
			for _, q := range append([]string{""}, queries[path]...) {
				s.sweep(path+q, visitor)
			}
		}
	}
	s.report(time.Since(start))
}

// seenBy returns the visitors who can see path: a customer's page behind
// the log-in is the customer's, the console's are the staff's, an admin
// page the admin's; the rest anyone's. The console's TOTP page is checked
// as the staff log in.
func seenBy(path string) []string {
	switch {
	case path == "/console/login":
		return []string{"anonymous"}
	case path == "/console/totp":
		return nil
	case strings.HasPrefix(path, "/console/"):
		if portaltest.AdminOnly(path) {
			return []string{"admin"}
		}
		return []string{"support", "admin"}
	case portaltest.NeedsLogin(path):
		return []string{"customer"}
	}
	return []string{"anonymous"}
}

type a11ySweep struct {
	t      *testing.T
	ctx    context.Context
	e      *env
	axe    string
	shots  *shooter
	states int
	found  map[string]*axeTally // by rule id
	// wantInvalid are states, "path state", whose error the portal
	// gives about one field: its input, which the error must be tied to.
	wantInvalid map[string]string
}

// axeTally counts a rule's violations over the sweep.
type axeTally struct {
	impact, help string
	states       int
	first        string
}

// do runs the steps, each call bounded to a minute, so that a page that
// never comes fails the test at once rather than at its deadline.
func (s *a11ySweep) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		s.shots.shot(s.ctx, "a11y-failed")
		html, _ := chromedp.Run(s.ctx, chromedp.OuterHTML(chromedp.CSS("body")))
		s.t.Fatalf("%s: %v\n%s", what, err, html)
	}
}

// staffLogin logs the tab out of the console and in as email, typing the
// password and then the code an authenticator shows for the secret the
// enrolment page gives; the enrolment page is checked on the way.
func (s *a11ySweep) staffLogin(email, visitor string) {
	s.t.Helper()
	s.do("console", chromedp.Navigate(s.e.url("/console/login")))
	if n, _ := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.querySelectorAll('form[action="/console/logout"]').length`)); n > 0 {
		// Gone once the page after the log-out has loaded.
		s.do("console log-out", chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)),
			chromedp.WaitNotPresent(chromedp.CSS(`form[action="/console/logout"]`)))
		s.do("console", chromedp.Navigate(s.e.url("/console/login")))
	}
	s.do("console log-in", chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), staffPassword),
		chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS("[data-totp-secret]")))
	s.check("/console/totp", visitor, "enrol")
	secret, err := chromedp.Run(s.ctx, chromedp.Text(chromedp.CSS("[data-totp-secret]")))
	if err != nil {
		s.t.Fatal(err)
	}
	s.do("console TOTP", chromedp.SendKeys(chromedp.CSS("#code"), s.e.totpCode(strings.TrimSpace(secret))),
		chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS(".who")))
}

// pageType returns what a GET of path answers the tab's visitor: the
// Content-Type, "redirect" or "download". It asks with a HEAD, which a
// GET route answers and which changes nothing, sent with the tab's
// cookies (the pages' Content-Security-Policy keeps the tab's own fetch
// from it).
func (s *a11ySweep) pageType(path string) string {
	s.t.Helper()
	cookies, err := chromedp.Call(s.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{s.e.url(path)}})
	if err != nil {
		s.t.Fatal(err)
	}
	req, _ := http.NewRequest("HEAD", s.e.url(path), nil)
	for _, c := range cookies.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatalf("HEAD %s: %v", path, err)
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 3:
		return "redirect"
	case resp.Header.Get("Content-Disposition") != "":
		return "download"
	}
	return resp.Header.Get("Content-Type")
}

// sweep checks the page at path as visitor, and then the page each of its
// forms answers when typed into wrongly and sent with its button.
func (s *a11ySweep) sweep(path, visitor string) {
	s.t.Helper()
	if ct := s.pageType(path); !strings.HasPrefix(ct, "text/html") {
		s.t.Logf("%s as %s: %s, not a page", path, visitor, ct)
		return
	}
	s.do(path, chromedp.Navigate(s.e.url(path)))
	s.check(path, visitor, "page")
	forms := s.forms()
	for i, f := range forms {
		if i > 0 {
			s.do(path, chromedp.Navigate(s.e.url(path)))
			s.forms()
		}
		steps := []chromedp.Action[chromedp.Void]{}
		for _, in := range f.Inputs {
			steps = append(steps, chromedp.SendKeys(chromedp.CSS(in.Sel), in.wrong()))
		}
		s.do(path+": typing", steps...)
		valid, err := chromedp.Run(s.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector('[data-a11y-form="%d"]').checkValidity()`, f.Form)))
		if err != nil || !valid {
			s.t.Errorf("%s as %s: form %d refuses the values the sweep types (%v): teach formInput.wrong its fields", path, visitor, i+1, err)
			continue
		}
		tctx, cancel := context.WithTimeout(s.ctx, 20*time.Second)
		_, err = chromedp.RunResponse(tctx, chromedp.Click(chromedp.CSS(f.Submit)))
		cancel()
		if err != nil {
			s.shots.shot(s.ctx, "a11y-failed")
			s.t.Errorf("%s as %s: form %d sent: no page came (%v)", path, visitor, i+1, err)
			continue
		}
		s.check(path, visitor, fmt.Sprintf("form%d-typed-wrong", i+1))
	}
}

// formsJS marks the forms of the page's main content that have a field a
// person types into, and those fields, emptied, for the test to find; it
// returns them.
const formsJS = `(() => {
	const out = [];
	document.querySelectorAll("main form").forEach((f, i) => {
		const inputs = [];
		f.querySelectorAll("input, textarea").forEach((el, j) => {
			if (["hidden", "checkbox", "radio", "file", "submit", "button"].includes(el.type) || el.disabled || el.readOnly || !el.offsetParent) return;
			el.value = ""; // as a person selects what is there and deletes it
			el.setAttribute("data-a11y-input", i + "-" + j);
			inputs.push({sel: '[data-a11y-input="' + i + "-" + j + '"]', type: el.type, pattern: el.pattern, inputMode: el.inputMode, minLength: el.minLength});
		});
		const b = f.querySelector("button:not([type=button]), input[type=submit]");
		if (!inputs.length || !b) return;
		f.setAttribute("data-a11y-form", i);
		b.setAttribute("data-a11y-submit", i);
		out.push({form: i, submit: '[data-a11y-submit="' + i + '"]', inputs});
	});
	return out;
})()`

type sweepForm struct {
	Form   int
	Submit string
	Inputs []formInput
}

type formInput struct {
	Sel, Type, Pattern, InputMode string
	MinLength                     int
}

// wrong is a value for the field that the browser lets through and the
// portal turns down (or, for a form with nothing to check, takes).
func (in formInput) wrong() string {
	switch {
	case in.Type == "email":
		return "nobody@example.invalid"
	case in.Type == "password":
		return "not the right password"
	case in.InputMode == "numeric" || strings.Contains(in.Pattern, "0-9"):
		return "000000"
	}
	return strings.Repeat("x", max(in.MinLength, 1))
}

func (s *a11ySweep) forms() []sweepForm {
	s.t.Helper()
	raw, err := chromedp.Run(s.ctx, chromedp.Evaluate[[]byte](formsJS))
	if err != nil {
		s.t.Fatal(err)
	}
	var fs []sweepForm
	if err := json.Unmarshal(raw, &fs); err != nil {
		s.t.Fatalf("forms: %v: %s", err, raw)
	}
	return fs
}

var slugRE = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// focusJS returns the focused element's class, whether it is in view,
// and the contrast of its focus ring with the background it is drawn on.
const focusJS = `(() => {
	const lum = c => {
		const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(v => {
			v /= 255;
			return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
		});
		return 0.2126 * r + 0.7152 * g + 0.0722 * b;
	};
	const el = document.activeElement, st = getComputedStyle(el), r = el.getBoundingClientRect();
	// What is drawn where the ring is, left of the element (or right, at
	// the window's edge): the first thing there with a background.
	const off = parseFloat(st.outlineOffset) + parseFloat(st.outlineWidth) / 2;
	const x = r.left - off >= 0 ? r.left - off : r.right + off, y = r.top + r.height / 2;
	const bg = document.elementsFromPoint(x, y).find(e => !el.contains(e) && !/rgba\(0, 0, 0, 0\)|transparent/.test(getComputedStyle(e).backgroundColor));
	const a = lum(st.outlineColor), b = lum(getComputedStyle(bg || document.body).backgroundColor);
	return {tag: el.tagName.toLowerCase(), class: el.className, id: el.id, shown: r.top >= 0 && r.height > 0,
		ring: st.outlineStyle === "none" ? 0 : parseFloat(st.outlineWidth),
		contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
})()`

type focused struct {
	Tag, Class, ID string
	Shown          bool
	Ring, Contrast float64
}

// keyboard checks, on the log-in page, that Tab reaches the skip link
// first, shown, and that Enter on it moves to the main content; and that
// the focus ring is at least 2 px with a contrast of 3:1 or more, on the
// header's links and the form's fields and button.
func (s *a11ySweep) keyboard() {
	s.t.Helper()
	at := func() focused {
		f, err := chromedp.Run(s.ctx, chromedp.Evaluate[focused](focusJS))
		if err != nil {
			s.t.Fatal(err)
		}
		return f
	}
	ring := func(f focused) {
		if f.Ring < 2 || f.Contrast < 3 {
			s.t.Errorf("the focus ring of %s.%s#%s: %.0f px, contrast %.2f:1", f.Tag, f.Class, f.ID, f.Ring, f.Contrast)
		}
	}
	s.do("Tab", chromedp.KeyEvent("\t"))
	if f := at(); f.Class != "skip" || !f.Shown {
		s.t.Errorf("Tab first reaches %+v, not the skip link, shown", f)
	} else {
		ring(f)
	}
	// The header's links, then the form's fields and button.
	for i := 0; i < 8; i++ {
		s.do("Tab", chromedp.KeyEvent("\t"))
		ring(at())
	}
	s.do("skip link", chromedp.Navigate(s.e.url("/login")), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\r"))
	if f := at(); f.Tag != "main" {
		s.t.Errorf("the skip link leads to %+v, not <main>", f)
	}
}

// structureJS returns what is wrong with the page's structure, which
// axe-core's rules leave to judgement: one h1, first, and no heading
// level skipped after it; a skip link to the main content first in the
// tab order; every input marked invalid described by an error that is
// there.
const structureJS = `(() => {
	const out = [];
	const hs = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map(h => +h.tagName[1]);
	if (hs.filter(l => l === 1).length !== 1 || hs[0] !== 1) out.push("headings " + hs.join(",") + ": not one h1, first");
	for (let i = 1; i < hs.length; i++) if (hs[i] > hs[i-1] + 1) out.push("heading h" + hs[i] + " after h" + hs[i-1]);
	const first = document.querySelector("a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex='-1'])");
	const main = document.querySelector("main");
	if (!first || !main || !main.id || first.getAttribute("href") !== "#" + main.id) out.push("the first link is not a skip link to <main id>: " + (first && first.outerHTML));
	document.querySelectorAll("[aria-invalid=true]").forEach(el => {
		const ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
		if (!ids.length || ids.some(id => !(document.getElementById(id)?.textContent.trim()))) out.push("#" + el.id + " is invalid with no error describing it");
	});
	return out;
})()`

// check runs axe on the tab's page at each width, checks its structure,
// and saves its screenshots.
func (s *a11ySweep) check(path, visitor, state string) {
	s.t.Helper()
	s.states++
	name := strings.Trim(slugRE.ReplaceAllString(path, "_"), "_")
	if name == "" {
		name = "home"
	}
	problems, err := chromedp.Run(s.ctx, chromedp.Evaluate[[]string](structureJS))
	if err != nil {
		s.t.Fatalf("%s: %v", path, err)
	}
	for _, p := range problems {
		s.t.Errorf("%s as %s (%s): %s", path, visitor, state, p)
	}
	if id, ok := s.wantInvalid[path+" "+state]; ok {
		if v, _ := chromedp.Run(s.ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.getElementById(%q)?.getAttribute("aria-invalid") || ""`, id))); v != "true" {
			s.t.Errorf("%s as %s (%s): the error is not tied to #%s", path, visitor, state, id)
		}
	}
	for _, w := range sweepWidths {
		s.do("viewport", chromedp.EmulateViewport(w.w, w.h))
		vs := s.axeRun(path)
		s.shots.shot(s.ctx, fmt.Sprintf("%s-%s-%d-%s", name, visitor, w.w, state))
		where := fmt.Sprintf("%s as %s at %d px (%s)", path, visitor, w.w, state)
		for _, v := range vs {
			tl := s.found[v.ID]
			if tl == nil {
				tl = &axeTally{impact: v.Impact, help: v.Help, first: where}
				s.found[v.ID] = tl
			}
			tl.states++
			if v.Impact == "serious" || v.Impact == "critical" {
				s.t.Errorf("axe: %s, %s (%s), on %s: %s", v.ID, v.Impact, v.Help, where, strings.Join(v.Targets, ", "))
			}
		}
	}
	s.do("viewport", chromedp.EmulateViewport(sweepWidths[0].w, sweepWidths[0].h))
}

func (s *a11ySweep) axeRun(path string) []axeViolation {
	s.t.Helper()
	if ok, _ := chromedp.Run(s.ctx, chromedp.Evaluate[bool](`typeof axe === "object"`)); !ok {
		if _, err := chromedp.Run(s.ctx, chromedp.Evaluate[chromedp.Void](s.axe)); err != nil {
			s.t.Fatalf("%s: loading axe-core: %v", path, err)
		}
	}
	raw, err := chromedp.Run(s.ctx, chromedp.Evaluate[[]byte](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		s.t.Fatalf("%s: axe.run: %v", path, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal(raw, &vs); err != nil {
		s.t.Fatalf("%s: axe.run: %v: %s", path, err, raw)
	}
	return vs
}

// report logs what the sweep checked and every rule it found broken.
func (s *a11ySweep) report(took time.Duration) {
	ids := make([]string, 0, len(s.found))
	for id := range s.found {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	counts := map[string]int{}
	for _, id := range ids {
		tl := s.found[id]
		counts[tl.impact] += tl.states
		s.t.Logf("axe: %s, %s, in %d page states (first %s): %s", id, tl.impact, tl.states, tl.first, tl.help)
	}
	s.t.Logf("axe: %d page states at %d widths in %s; violations by impact (page states × widths): critical %d, serious %d, moderate %d, minor %d",
		s.states, len(sweepWidths), took.Round(time.Second), counts["critical"], counts["serious"], counts["moderate"], counts["minor"])
}

// readmeScreenshot writes docs/portal.png, README's picture of My
// licenses, at 1280 px.
func (s *a11ySweep) readmeScreenshot() {
	s.t.Helper()
	s.do("README screenshot", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.e.url("/licenses")),
		chromedp.WaitVisible(chromedp.CSS(".license")))
	png, err := chromedp.Run(s.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		s.t.Fatal(err)
	}
	out := filepath.Join("..", "..", "docs", "portal.png")
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, png, 0o644); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Rename(tmp, out); err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("wrote %s (%d bytes)", out, len(png))
}
