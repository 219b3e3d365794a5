package online_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/online"
)

var (
	day0 = time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	pc   = formats.MustProduct("PC")
	ctx  = context.Background()
)

// vendor is a real portal on a SQLite ledger, and a product's verifier
// that trusts its key.
type vendor struct {
	now  time.Time
	svc  *issuance.Service
	url  string
	prod *verifier.Verifier
}

func newVendor(t *testing.T) *vendor {
	t.Helper()
	vd := &vendor{now: day0}
	clock := func() time.Time { return vd.now }
	led, err := ledger.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "l.db"), ledger.WithNow(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	key, err := signer.GenerateKey(1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := signer.New(key, signer.WithCatalog(catalog.Default()), signer.WithNow(clock))
	if err != nil {
		t.Fatal(err)
	}
	vd.svc = issuance.New(s, led)
	trusted := verifier.Key{ID: key.ID(), Public: key.Public().Public}
	ts := httptest.NewUnstartedServer(nil)
	srv, err := portal.New(ctx, vd.svc, led, portal.WithNow(clock), portal.WithTrustedKeys(trusted),
		portal.WithPublicURL("http://"+ts.Listener.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	vd.url = ts.URL
	cp, _ := catalog.Default().Product("PC")
	if vd.prod, err = verifier.New("PC", []verifier.Key{trusted}, verifier.WithCatalog(cp), verifier.WithNow(clock)); err != nil {
		t.Fatal(err)
	}
	return vd
}

func (vd *vendor) register(t *testing.T, token bool) issuance.Issued {
	t.Helper()
	m, err := vd.svc.Mint(ctx, ledger.MintRequest{Product: pc, Edition: "standard", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	is, err := vd.svc.Register(ctx, &issuance.Registration{Registration: signer.Registration{RK: m.Keys[0]}, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return is
}

// A product picks up its renewal from the portal, and learns when its
// code was replaced or its license revoked.
func TestCurrent(t *testing.T) {
	vd := newVendor(t)
	first := vd.register(t, true)
	code := first.Code.String()
	res, err := online.Current(ctx, nil, vd.url, code, "", vd.prod)
	if err != nil || res.Renewed || res.Code != code || !res.License.Status.InForce() {
		t.Fatalf("not renewed: %+v, %v", res, err)
	}

	// A year on, the code has lapsed and the vendor has renewed it.
	vd.now = day0.AddDate(1, 1, 0)
	ren, err := vd.svc.Renew(ctx, &issuance.Renewal{Code: first.Code})
	if err != nil {
		t.Fatal(err)
	}
	if lic, _ := vd.prod.Verify(code); lic.Status.InForce() {
		t.Fatal("the first code is still in force a year on")
	}
	res, err = online.Current(ctx, nil, vd.url+"/", code, "", vd.prod)
	if err != nil || !res.Renewed || res.Code != ren.Code.String() || res.JWT != ren.JWT || res.JWT == "" ||
		!res.License.Status.InForce() || res.License.Expires != ren.Code.Expires {
		t.Fatalf("renewed: %+v, %v", res, err)
	}

	// Replaced, as for a stolen code; revoked.
	if _, err := vd.svc.Replace(ctx, &issuance.Replacement{Product: pc, Serial: first.Code.Serial}); err != nil {
		t.Fatal(err)
	}
	if _, err := online.Current(ctx, nil, vd.url, res.Code, "", vd.prod); !errors.Is(err, online.ErrSuperseded) {
		t.Fatalf("replaced: %v", err)
	}
	other := vd.register(t, false)
	if _, err := vd.svc.Revoke(ctx, pc, other.Code.Serial, "chargeback"); err != nil {
		t.Fatal(err)
	}
	if _, err := online.Current(ctx, nil, vd.url, other.Code.String(), "", vd.prod); !errors.Is(err, online.ErrRevoked) {
		t.Fatalf("revoked: %v", err)
	}
	// An altered code: another symbol in place of the next-to-last one
	// ('0' becomes '1', '1' becomes '0', any other '0' or '1').
	last := other.Code.String()
	altered := last[:len(last)-2] + string("10"[last[len(last)-2]&1]) + last[len(last)-1:]
	if _, err := online.Current(ctx, nil, vd.url, altered, "", vd.prod); !errors.Is(err, online.ErrRefused) {
		t.Fatalf("altered: %v", err)
	}
}

// An answer the product's verifier does not take as a renewal of its code
// is refused, whatever the portal (or whoever answers in its place) says.
func TestCurrentBadAnswers(t *testing.T) {
	vd := newVendor(t)
	a, b := vd.register(t, false), vd.register(t, false)
	for name, answer := range map[string]string{
		"another license's code": `{"activation_code": "` + b.Code.String() + `", "expires": "2028-03-01", "renewed": true}`,
		"not a code":             `{"activation_code": "PC-1234", "expires": "2028-03-01", "renewed": true}`,
		"not JSON":               `<html>`,
		"too long":               `{"activation_code": "` + strings.Repeat("A", online.MaxAnswer) + `"}`,
	} {
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != online.Path || r.Method != http.MethodPost {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(answer))
		}))
		_, err := online.Current(ctx, nil, fake.URL, a.Code.String(), "", vd.prod)
		fake.Close()
		if !errors.Is(err, online.ErrBadAnswer) {
			t.Errorf("%s: %v", name, err)
		}
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error": {"kind": "internal", "message": "try again"}}`, http.StatusInternalServerError)
	}))
	defer down.Close()
	if _, err := online.Current(ctx, nil, down.URL, a.Code.String(), "", vd.prod); err == nil || errors.Is(err, online.ErrBadAnswer) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("a failing portal: %v", err)
	}
}
