package issuance_test

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/verifier/licjwt"
)

func claimsOf(t *testing.T, tok string) *licjwt.Claims {
	t.Helper()
	var c licjwt.Claims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &c); err != nil {
		t.Fatalf("token %q: %v", tok, err)
	}
	return &c
}

// A token asked for with a key registered earlier without one is made
// and recorded; a license used as a token keeps one through renewals and
// replacements, with its customer claims.
func TestTokensFollowTheLicense(t *testing.T) {
	s, led := newServiceLedger(t)
	k := mint(t, s, ledger.MintRequest{})
	first, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: k}})
	if err != nil || first.JWT != "" {
		t.Fatalf("%+v %v", first, err)
	}
	asked, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: k,
		Customer: map[string]string{"customer": "C-7"}}, Token: true})
	if err != nil || !asked.Existing || asked.Code != first.Code || asked.JWT == "" {
		t.Fatalf("token for the existing code: %+v %v", asked, err)
	}
	if c := claimsOf(t, asked.JWT); c.ActivationCode != first.Code.String() || c.Customer["customer"] != "C-7" {
		t.Fatalf("claims %+v", c)
	}
	again, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: k}, Token: true})
	if err != nil || again.JWT != asked.JWT {
		t.Fatalf("the recorded token was not returned: %v", err)
	}

	renewed, err := s.Renew(ctx, &issuance.Renewal{Code: first.Code, Renewal: signer.Renewal{Days: 365}})
	if err != nil || renewed.JWT == "" {
		t.Fatalf("renewal lost the token: %+v %v", renewed, err)
	}
	if c := claimsOf(t, renewed.JWT); c.ActivationCode != renewed.Code.String() || c.Customer["customer"] != "C-7" {
		t.Fatalf("renewed claims %+v", c)
	}
	replaced, err := s.Replace(ctx, &issuance.Replacement{Product: pc, Serial: k.Serial, RevokeOld: true})
	if err != nil || replaced.JWT == "" || claimsOf(t, replaced.JWT).ActivationCode != replaced.Code.String() {
		t.Fatalf("replacement lost the token: %+v %v", replaced, err)
	}
	h, err := led.Find(ctx, ledger.Query{Product: pc, Serial: k.Serial})
	if err != nil || len(h) != 1 {
		t.Fatal(err)
	}
	for _, c := range h[0].Codes {
		if c.JWT == "" {
			t.Errorf("code of generation %d, expiring %s, has no token on record", c.Generation, c.Expires)
		}
	}
	if _, err := led.Verify(ctx); err != nil {
		t.Fatal(err)
	}

	// A license never used as a token gets none unless asked.
	k2 := mint(t, s, ledger.MintRequest{})
	plain, _ := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: k2}})
	if r, err := s.Replace(ctx, &issuance.Replacement{Product: pc, Serial: k2.Serial}); err != nil || r.JWT != "" {
		t.Fatalf("unasked token: %v", err)
	}
	if r, err := s.Renew(ctx, &issuance.Renewal{Code: plain.Code, Renewal: signer.Renewal{Days: 30}, Token: true}); err == nil {
		t.Fatalf("renewed a superseded generation: %+v", r)
	}
}

func TestTokensWithoutLedger(t *testing.T) {
	s := issuance.New(newSigner(t, 1), nil)
	rk, _ := formats.ParseRegistrationKey("PC-0314-1592-6535-8978")
	is, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: rk, Edition: "standard"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Renew(ctx, &issuance.Renewal{Code: is.Code, Renewal: signer.Renewal{Days: 30}, Token: true})
	if err != nil || claimsOf(t, r.JWT).ActivationCode != r.Code.String() {
		t.Fatalf("renew --jwt: %v", err)
	}
	p, err := s.Replace(ctx, &issuance.Replacement{Code: &r.Code, Token: true})
	if err != nil || claimsOf(t, p.JWT).ActivationCode != p.Code.String() {
		t.Fatalf("replace --jwt: %v", err)
	}
}

// A license moved to another owner keeps its token, but not the customer
// claims of the licensee it was taken from: they describe someone else,
// and the new owner must not receive them.
func TestMovedTokenDropsCustomerClaims(t *testing.T) {
	s := newService(t)
	k := mint(t, s, ledger.MintRequest{})
	first, err := s.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: k,
		Customer: map[string]string{"name": "Ann Example", "company": "Ann Ltd"}}, Token: true})
	if err != nil || first.JWT == "" {
		t.Fatalf("%+v %v", first, err)
	}
	same, err := s.Replace(ctx, &issuance.Replacement{Product: pc, Serial: k.Serial, NewOwner: ""})
	if err != nil || claimsOf(t, same.JWT).Customer["name"] != "Ann Example" {
		t.Fatalf("a replacement for the same owner lost the customer claims: %v", err)
	}
	moved, err := s.Replace(ctx, &issuance.Replacement{Product: pc, Serial: k.Serial, RevokeOld: true, Reason: "moved",
		NewOwner: "bob@example.com"})
	if err != nil || moved.JWT == "" || moved.License.Owner != "bob@example.com" {
		t.Fatalf("move: %+v %v", moved, err)
	}
	if c := claimsOf(t, moved.JWT); c.ActivationCode != moved.Code.String() || len(c.Customer) != 0 {
		t.Fatalf("the moved license's token carries the previous licensee's claims: %v", c.Customer)
	}
}
