package portal_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
)

// eachPortal runs f on a portal on SQLite and, when LICMINT_TEST_POSTGRES
// names a server, on one on PostgreSQL.
func eachPortal(t *testing.T, f func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { f(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, newEnvOn(t, ledgertest.PostgresDSN(t), nil)) })
}

// An order half registered lists its license and the keys not yet
// registered, each with what the customer would be asked about; a search
// for the owner's address finds the account too.
func TestConsoleOrderSearch(t *testing.T) {
	eachPortal(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		m, err := e.svc.Mint(ctx, ledger.MintRequest{Product: pc, Edition: "standard", Count: 3, Order: "A-2001"})
		if err != nil {
			t.Fatal(err)
		}
		trial, err := e.svc.Mint(ctx, ledger.MintRequest{Product: pc, Edition: "standard", Trial: true, Count: 1, Order: "T-7"})
		if err != nil {
			t.Fatal(err)
		}
		ann := e.signup("ann@example.com", "correct horse battery")
		ann.submit("/register", "/register", url.Values{"rk": {m.Keys[0].String()}})
		if len(ann.codes()) != 1 {
			t.Fatalf("registration: %q", alert(ann.last))
		}
		if err := e.svc.Void(ctx, m.Keys[2], "refunded"); err != nil {
			t.Fatal(err)
		}
		sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)
		id := "PC-" + m.Keys[0].Serial.String()
		minted := day0.Format("2006-01-02 15:04:05") + " UTC"

		sam.get("/console/?q=A-2001")
		res := resultRE.FindAllStringSubmatch(sam.last, -1)
		want := []string{"/console/licenses/" + id, "/console/keys/" + m.Keys[1].String(), "/console/keys/" + m.Keys[2].String()}
		if len(res) != len(want) {
			t.Fatalf("order search: %v\n%s", res, sam.last)
		}
		for i, w := range want {
			if res[i][1] != w {
				t.Errorf("result %d: %s, want %s", i, res[i][1], w)
			}
		}
		for _, detail := range []string{
			"Registration Key, minted: PC standard, full, minted " + minted + ", order A-2001",
			"Registration Key, void: PC standard, full, minted " + minted + ", order A-2001",
		} {
			if !strings.Contains(sam.last, detail) {
				t.Errorf("no %q in\n%s", detail, sam.last)
			}
		}
		// The license's result links to its owner's account.
		if !strings.Contains(sam.last, `<a href="/console/accounts/ann@example.com" data-account-link>Account of ann@example.com</a>`) {
			t.Errorf("no link to the owner's account:\n%s", sam.last)
		}
		sam.get("/console/?q=T-7")
		if !strings.Contains(sam.last, "Registration Key, minted: PC standard, trial, minted "+minted+", order T-7") ||
			!strings.Contains(sam.last, `href="/console/keys/`+trial.Keys[0].String()+`"`) {
			t.Errorf("a trial order:\n%s", sam.last)
		}
		sam.get("/console/keys/" + m.Keys[1].String())
		if sam.code != 200 || !strings.Contains(sam.last, `data-action="void"`) {
			t.Errorf("the unregistered key's page: %d", sam.code)
		}

		// By the owner's address: the license, and the account.
		sam.get("/console/?q=" + url.QueryEscape("Ann@Example.com"))
		res = resultRE.FindAllStringSubmatch(sam.last, -1)
		if len(res) != 2 || res[0][1] != "/console/licenses/"+id || res[1][1] != "/console/accounts/ann@example.com" {
			t.Errorf("search by email: %v", res)
		}
		// An address with no account and no license: nothing, and no hint.
		sam.get("/console/?q=" + url.QueryEscape("nobody@example.com"))
		if !strings.Contains(sam.last, "data-no-result") || alert(sam.last) != "" {
			t.Errorf("nobody: %q", alert(sam.last))
		}
	})
}

// A mistyped key or code in the search box is located as the customers'
// pages locate it; an order reference, or anything not shaped like a key
// or code, gets no hint. What was typed is shown escaped.
func TestConsoleSearchTypos(t *testing.T) {
	e := newEnv(t)
	key, ann := e.registered()
	code := ann.codes()[0]
	sam, _ := e.staff("sam@vendor.test", portaldb.RoleSupport)

	// A key with a letter for a digit, as the register page has it.
	bad := []byte(key.String())
	bad[5] = 'x'
	sam.get("/console/?q=" + url.QueryEscape(string(bad)))
	if a := alert(sam.last); !strings.Contains(a, "This Registration Key is mistyped at character 3 of group 2") || !strings.Contains(sam.last, "data-no-result") {
		t.Errorf("a letter in a key: %q", a)
	}
	ann.submit("/register", "/register", url.Values{"rk": {string(bad)}})
	if alert(ann.last) != alert(sam.last) {
		t.Errorf("the console says %q, the register page %q", alert(sam.last), alert(ann.last))
	}
	// Two digits swapped: the check digit, with no position.
	swapped := []byte(key.String())
	for i := 8; i < len(swapped)-1; i++ {
		if swapped[i] != swapped[i+1] && swapped[i] != '-' && swapped[i+1] != '-' {
			swapped[i], swapped[i+1] = swapped[i+1], swapped[i]
			break
		}
	}
	if _, err := formats.ParseRegistrationKey(string(swapped)); !errors.Is(err, formats.ErrTypo) {
		t.Fatalf("the swapped key parses: %v", err)
	}
	sam.get("/console/?q=" + url.QueryEscape(string(swapped)))
	if a := alert(sam.last); !strings.Contains(a, "This Registration Key is mistyped: check digit does not match") {
		t.Errorf("swapped digits: %q", a)
	}
	// A digit short.
	short := strings.Replace(key.String(), "-", "", 1)[:len(key.String())-2]
	sam.get("/console/?q=" + url.QueryEscape(short))
	if a := alert(sam.last); !strings.Contains(a, "This Registration Key is mistyped") {
		t.Errorf("a key a digit short, %q: %q", short, a)
	}

	// A code with one symbol changed, whole or in its short form: where,
	// as package formats locates it.
	ac, _ := formats.ParseActivationCode(code)
	for name, text := range map[string]string{"code": code, "short form": ac.ShortForm()} {
		typo, fe := changeSymbol(t, text, 12)
		sam.get("/console/?q=" + url.QueryEscape(typo))
		want := "This Activation Code is mistyped"
		if fe.Group > 0 {
			want += fmt.Sprintf(" at character %d of group %d", fe.Char, fe.Group)
		}
		if a := alert(sam.last); !strings.HasPrefix(a, want+":") {
			t.Errorf("%s with a typo: %q, want %q", name, a, want)
		}
	}
	// A symbol outside the alphabet.
	sam.get("/console/?q=" + url.QueryEscape(ac.ShortForm()[:10]+"U"+ac.ShortForm()[11:]))
	if a := alert(sam.last); !strings.Contains(a, "This Activation Code is mistyped at character") {
		t.Errorf("a U in the short form: %q", a)
	}

	// Not shaped like a key or code: no hint.
	for _, q := range []string{"ORDER-1001", "shop-2026-0042", "A-1001", "PC-31415926535899", "12345", "nobody@example.com"} {
		sam.get("/console/?q=" + url.QueryEscape(q))
		if a := alert(sam.last); a != "" || !strings.Contains(sam.last, "data-no-result") {
			t.Errorf("%q: %q", q, a)
		}
	}
	// What was typed is shown as text, never as markup.
	sam.get("/console/?q=" + url.QueryEscape(`PC-1234-<b>x</b>-9012-3456"><script>alert(1)</script>`))
	if strings.Contains(sam.last, "<script>alert") || strings.Contains(sam.last, "<b>x") {
		t.Errorf("markup in the search shown:\n%s", sam.last)
	}
}

// changeSymbol changes the symbol at about byte i of text to another of
// the alphabet, one the parser takes for a typo, and returns the new text
// and where the parser locates it.
func changeSymbol(t *testing.T, text string, i int) (string, *formats.FormatError) {
	t.Helper()
	for ; i < len(text); i++ {
		if text[i] == '-' {
			continue
		}
		for _, c := range []byte("0123456789ABCDEFGHJKMNPQRSTVWXYZ") {
			if c == text[i] {
				continue
			}
			typo := text[:i] + string(c) + text[i+1:]
			_, err := formats.ParseActivationCode(typo)
			var fe *formats.FormatError
			if errors.As(err, &fe) && errors.Is(err, formats.ErrTypo) {
				return typo, fe
			}
		}
	}
	t.Fatalf("no typo of %s", text)
	return "", nil
}
