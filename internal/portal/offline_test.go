package portal_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/verifier/renewseal"
)

// upload posts the renew form as a browser does with a file chosen.
func (b *browser) upload(file []byte, rk string) {
	b.e.t.Helper()
	b.get("/renew")
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("csrf", b.csrf())
	fw, _ := w.CreateFormFile("request", "renewal.age")
	fw.Write(file)
	w.WriteField("request", "")
	w.WriteField("rk", rk)
	w.Close()
	req, _ := http.NewRequest("POST", b.e.url("/renew"), &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	b.do(req)
}

func TestOfflineRenewal(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, portal.WithRequestIdentities(id))
	full := e.mint(1, false, ledger.PurposeLicense)[0]
	renewals := e.mint(2, false, ledger.PurposeRenewal)
	b := e.signup("ann@example.com", "correct horse battery")
	b.submit("/register", "/register", url.Values{"rk": {full.String()}})
	held := b.codes()[0]
	v := e.product(nil)
	first, _ := v.Verify(held)
	// The page speaks of what the customer has, the product: no
	// licmint command and no age recipient, which is the vendor's.
	b.get("/renew")
	if offline := b.last[strings.Index(b.last, `id="renew-offline"`):]; strings.Contains(offline, "licmint") ||
		strings.Contains(offline, "age1") || strings.Contains(offline, id.Recipient().String()) ||
		!strings.Contains(offline, "In the product, choose to renew offline") {
		t.Errorf("the offline section of the renew page:\n%s", offline)
	}

	// The product makes a request; pasted with no renewal key, it is
	// refused: nothing was paid for.
	req, err := renewseal.NewRequest(held, "", e.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := req.MarshalText()
	b.submit("/renew", "/renew", url.Values{"request": {string(plain)}})
	if !strings.Contains(alert(b.last), "has not been renewed") {
		t.Fatalf("request without a key: %q", alert(b.last))
	}
	// Pasted with a renewal key: the new code.
	b.submit("/renew", "/renew", url.Values{"request": {string(plain)}, "rk": {renewals[0].String()}})
	codes := b.codes()
	if len(codes) != 1 {
		t.Fatalf("offline renewal: %d %q", b.code, alert(b.last))
	}
	got, err := v.Verify(codes[0])
	if err != nil || got.Expires != first.Expires+365 {
		t.Fatalf("renewed: %+v, %v", got, err)
	}

	// Sealed to the portal and uploaded, with another key: renewed again.
	e.clock.add(24 * time.Hour)
	b.login("ann@example.com", "correct horse battery")
	req, _ = renewseal.NewRequest(codes[0], "", e.clock.now())
	sealed, err := renewseal.Seal(req, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	b.upload(sealed, renewals[1].String())
	codes2 := b.codes()
	if len(codes2) != 1 {
		t.Fatalf("sealed request: %d %q", b.code, alert(b.last))
	}
	if got2, _ := v.Verify(codes2[0]); got2.Expires != got.Expires+365 {
		t.Fatalf("renewed again: %+v", got2)
	}
	// The old request again, without a key: the license was renewed
	// since, so the product gets the current code.
	b.submit("/renew", "/renew", url.Values{"request": {string(plain)}})
	if c := b.codes(); len(c) != 1 || c[0] != codes2[0] {
		t.Fatalf("request after an online renewal: %v %q", c, alert(b.last))
	}
	// Garbage is refused with a message.
	b.upload([]byte("not a request"), "")
	if !strings.Contains(alert(b.last), "not a whole renewal request") {
		t.Fatalf("garbage request: %q", alert(b.last))
	}
}
