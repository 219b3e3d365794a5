package ledger_test

import (
	"context"
	"errors"
	"testing"

	"github.com/licmint/licmint/ledger"
)

// A token made later for a code issued without one is recorded once,
// retrievable, covered by the chain, and refused for a code the ledger
// never issued.
func TestRecordToken(t *testing.T) {
	ctx := context.Background()
	eachStore(t, func(t *testing.T, dsn string) {
		l, s := open(t, dsn), testSigner(t)
		keys := mint(t, l, ledger.MintRequest{Count: 2})
		r := reg(t, s, keys[0], "standard", "")
		register(t, l, r)
		tok, err := s.Token(r.Issue.Code, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := l.RecordToken(ctx, r.Issue.Code, tok)
		if err != nil || got != tok {
			t.Fatalf("record: %v", err)
		}
		if again, err := l.RecordToken(ctx, r.Issue.Code, "another"); err != nil || again != tok {
			t.Fatalf("a second token replaced the first: %q %v", again, err)
		}
		lic, err := l.License(ctx, pc, keys[0].Serial)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := l.CurrentCode(ctx, lic); err != nil || c.JWT != tok {
			t.Fatalf("current code's token: %v %q", err, c.JWT)
		}
		h, err := l.Find(ctx, ledger.Query{Serial: keys[0].Serial, Product: pc})
		if err != nil || len(h) != 1 || h[0].Events[len(h[0].Events)-1].Kind != "token_made" {
			t.Fatalf("history: %v %+v", err, h)
		}
		verifyChain(t, l)

		other := reg(t, s, keys[1], "standard", "")
		if _, err := l.RecordToken(ctx, other.Issue.Code, tok); !errors.Is(err, ledger.ErrNotIssued) {
			t.Fatalf("a code never issued: %v", err)
		}

		// A token swapped afterwards is found.
		if _, err := rawDB(t, dsn).Exec(`UPDATE codes SET jwt = 'eyJhbGciOiJub25lIn0.e30.' WHERE jwt <> ''`); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Verify(ctx); !errors.Is(err, ledger.ErrChain) {
			t.Fatalf("swapped later token: %v", err)
		}
	})
}
