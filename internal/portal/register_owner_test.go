package portal_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
)

// A registration for an owner that must be an account is refused, with
// nothing recorded, once no account has that login id.
func TestRegisterOwnerAccount(t *testing.T) {
	eachPortalStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		keys := e.mint(2, false, ledger.PurposeLicense)
		e.signup("ann@example.com", "correct horse battery")
		reg := func(k int, owner string) error {
			_, err := e.svc.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: keys[k]}, Owner: owner, OwnerAccount: true})
			return err
		}
		if err := reg(0, "gone@example.com"); !errors.Is(err, ledger.ErrNoAccount) {
			t.Fatalf("an owner with no account: %v", err)
		}
		if _, err := e.led.License(ctx, pc, keys[0].Serial); err == nil {
			t.Fatal("the refused registration recorded a license")
		}
		if err := reg(0, "ann@example.com"); err != nil {
			t.Fatalf("the key after the refusal: %v", err)
		}
		if err := reg(1, "ann@example.com"); err != nil {
			t.Fatal(err)
		}
		e.quiet()
		if _, err := e.led.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// Keys registered while the account's login id changes end up with the
// account under one address or the other's refusal: none is left to the
// old address, which no account has after the change and whoever signs
// it up next would get.
func TestRegisterWhileEmailChanges(t *testing.T) {
	eachPortalStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		// Within the account's limit of keys a registration may try at once.
		keys := e.mint(8, false, ledger.PurposeLicense)
		ann := e.signup("ann@example.com", "correct horse battery")
		ann.submit("/account", "/account/email", url.Values{"new_email": {"ann@example.org"}, "email_password": {"correct horse battery"}})
		link := e.mail.link(t, "ann@example.org", "Confirm your new email address")
		var bs []*browser
		var csrfs []string
		for range keys {
			b := e.browser()
			b.login("ann@example.com", "correct horse battery")
			b.get("/register")
			bs = append(bs, b)
			csrfs = append(csrfs, b.csrf())
		}
		codes := make([]int, len(keys))
		var wg sync.WaitGroup
		for i, k := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := bs[i].c.PostForm(e.url("/register"), url.Values{"csrf": {csrfs[i]}, "rk": {k.String()}})
				if err == nil {
					codes[i] = resp.StatusCode
					resp.Body.Close()
				}
			}()
			if i == len(keys)/2 {
				confirmEmail(t, e, e.browser(), link)
			}
		}
		wg.Wait()
		for i, k := range keys {
			lic, err := e.led.License(ctx, pc, k.Serial)
			switch {
			case err == nil && lic.Owner != "ann@example.org":
				t.Errorf("%s: registered to %q", k, lic.Owner)
			case err == nil && codes[i] != http.StatusOK,
				// Refused, or the session looked up as the account moved:
				// the log-in page keeps the key.
				err != nil && codes[i] != http.StatusUnprocessableEntity && codes[i] != http.StatusUnauthorized:
				t.Errorf("%s: answered %d, recorded: %v", k, codes[i], err == nil)
			}
		}
		e.quiet()
		if _, err := e.led.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// A move checks the new owner's account in the transaction that records
// it, as a registration does: a login id that changed since the console
// looked gets no license, and nothing is recorded or mailed.
func TestMoveNewOwnerAccount(t *testing.T) {
	eachPortalStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		key, _ := e.registered()
		e.signup("bob@example.com", "correct horse battery")
		before := e.mailTo("ann@example.com")
		move := func(to string) error {
			_, err := e.svc.Replace(ctx, &issuance.Replacement{Product: pc, Serial: key.Serial, RevokeOld: true, Reason: "moved",
				NewOwner: to, NewOwnerAccount: true,
				Mail: func(from string, is issuance.Issued) []ledger.Mail {
					return []ledger.Mail{{To: from, Subject: "lost", Body: "."}}
				}})
			return err
		}
		if err := move("gone@example.com"); !errors.Is(err, ledger.ErrNoAccount) {
			t.Fatalf("a move to no account: %v", err)
		}
		if lic, err := e.led.License(ctx, pc, key.Serial); err != nil || lic.Owner != "ann@example.com" || lic.Generation != 0 {
			t.Fatalf("after the refused move: %+v %v", lic, err)
		}
		if e.mailTo("ann@example.com") != before {
			t.Fatal("the refused move mailed the owner")
		}
		if err := move("bob@example.com"); err != nil {
			t.Fatal(err)
		}
		if lic, err := e.led.License(ctx, pc, key.Serial); err != nil || lic.Owner != "bob@example.com" || e.mailTo("ann@example.com") != before+1 {
			t.Fatalf("after the move: %+v %v", lic, err)
		}
		e.quiet()
		if _, err := e.led.Verify(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
