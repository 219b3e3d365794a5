package portal_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/verifier"
)

// TestExpiryNotices: the owner of a license is mailed once per term, 60
// days before its maintenance ends, by however many instances run the
// notices at once.
func TestExpiryNotices(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	keys := e.mint(3, false, ledger.PurposeLicense)
	var expires []time.Time
	for i, owner := range []string{"ann@example.com", "bob@example.com", ""} {
		is, err := e.svc.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: keys[i]}, Owner: owner})
		if err != nil {
			t.Fatal(err)
		}
		expires = append(expires, is.License.Expires.Time())
	}
	// A second instance on the same ledger, which keeps its mail in the
	// outbox for the first one's mailer.
	other, err := portal.New(ctx, e.svc, e.led, portal.WithPublicURL(e.srv.PublicURL()), portal.WithNow(e.clock.now),
		portal.WithTrustedKeys(verifier.Key{ID: e.key.ID(), Public: e.key.Public().Public}), portal.WithLog(t.Logf))
	if err != nil {
		t.Fatal(err)
	}

	if n, err := e.srv.SendNotices(ctx); err != nil || n != 0 {
		t.Fatalf("a year ahead: %d notices, %v", n, err)
	}
	// 61 days before the end: not yet.
	e.clock.add(expires[0].AddDate(0, 0, -portal.NoticeDays-1).Add(10 * time.Hour).Sub(e.clock.now()))
	if n, err := e.srv.SendNotices(ctx); err != nil || n != 0 {
		t.Fatalf("61 days ahead: %d notices, %v", n, err)
	}
	e.clock.add(24 * time.Hour)

	// Both instances run the notices at once, several times over.
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, s := range []*portal.Server{e.srv, other} {
		wg.Add(1)
		go func() { defer wg.Done(); s.RunNotices(runCtx, 5*time.Millisecond) }()
	}
	for _, to := range []string{"ann@example.com", "bob@example.com"} {
		m := e.mail.wait(t, to, "Maintenance of your PC license ends on")
		if !strings.Contains(m.Body, e.srv.PublicURL()+"/renew") {
			t.Errorf("notice to %s without a renewal link:\n%s", to, m.Body)
		}
	}
	time.Sleep(50 * time.Millisecond) // more rounds of both schedulers
	stop()
	wg.Wait()

	outbox, err := portaldb.NewOutbox(e.led).List(ctx, portaldb.MaxOutbox)
	if err != nil {
		t.Fatal(err)
	}
	notices := 0
	for _, m := range outbox {
		if strings.HasPrefix(m.Subject, "Maintenance of your") {
			notices++
		}
	}
	if notices != 2 {
		t.Fatalf("%d notices queued, want 2: one to each owner", notices)
	}
	for i, k := range keys[:2] {
		lic, err := e.led.License(ctx, pc, k.Serial)
		if err != nil || lic.NotifiedExpires != lic.Expires {
			t.Fatalf("license %d: %+v, %v", i, lic, err)
		}
	}
	if n, err := other.SendNotices(ctx); err != nil || n != 0 {
		t.Fatalf("again in the same term: %d notices, %v", n, err)
	}
	if _, err := e.led.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}
