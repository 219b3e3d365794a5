package portal_test

import (
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portal"
)

// forwarding is a proxy in front of the portal: it adds X-Forwarded-For.
type forwarding struct{ xff string }

func (f forwarding) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.xff)
	return http.DefaultTransport.RoundTrip(r)
}

func (e *env) behindProxy(xff string) *browser {
	b := e.browser()
	b.c.Transport = forwarding{xff}
	return b
}

// TestTrustedProxies: behind a trusted proxy, each client has its own
// rate limits, and what a client writes in X-Forwarded-For itself is not
// believed; without --trusted-proxy the header is ignored altogether.
func TestTrustedProxies(t *testing.T) {
	limits := portal.DefaultLimits
	limits.LoginIP = portal.Limit{Max: 2, Window: 15 * time.Minute}
	e := newEnv(t, portal.WithLimits(limits), portal.WithTrustedProxies(netip.MustParsePrefix("127.0.0.0/8")))
	e.signup("ann@example.com", "correct horse battery")
	mallory := e.behindProxy("203.0.113.5")
	for i := 0; i < limits.LoginIP.Max; i++ {
		if mallory.login("ann@example.com", "a guess"); mallory.code == http.StatusTooManyRequests {
			t.Fatalf("attempt %d refused by the limit", i)
		}
	}
	if mallory.login("ann@example.com", "a guess"); mallory.code != http.StatusTooManyRequests {
		t.Fatalf("over the per-address limit: %d", mallory.code)
	}
	// A forged hop on the left changes nothing: the proxy appended the
	// address it saw.
	forged := e.behindProxy("198.51.100.9, 203.0.113.5")
	if forged.login("ann@example.com", "a guess"); forged.code != http.StatusTooManyRequests {
		t.Fatalf("a forged X-Forwarded-For escaped the limit: %d", forged.code)
	}
	// Another customer behind the same proxy is not locked out.
	ann := e.behindProxy("192.0.2.44")
	if ann.login("ann@example.com", "correct horse battery"); ann.code != http.StatusOK {
		t.Fatalf("another client behind the proxy: %d", ann.code)
	}

	// Without trusted proxies the header is the client's word only.
	plain := newEnv(t, portal.WithLimits(limits))
	for i := 0; i < limits.LoginIP.Max; i++ {
		plain.behindProxy("203.0.113.5").login("ann@example.com", "a guess")
	}
	other := plain.behindProxy("192.0.2.44")
	if other.login("ann@example.com", "a guess"); other.code != http.StatusTooManyRequests {
		t.Fatalf("an untrusted X-Forwarded-For was believed: %d", other.code)
	}
}
