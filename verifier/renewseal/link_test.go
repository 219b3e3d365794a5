package renewseal_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/licmint/licmint/formats/renewal"
	"github.com/licmint/licmint/verifier/renewseal"
)

const boundCode = "PC-2081-8017D-0PHRS-Q5RZ1-G340E-YC02V-A5TXH-BKE55-MFB0D-0CZFS-SR9DD-6VBPT-GCA6B-K7MQW-ZBYMD-4ZV4N-8YGTZ-RHRGR-K0W8C-77TC5-8WSZZ-MMG7X-E5DT8-AH2E2-NTEGD-TH8BS-M0G91-DK56"

// fragmentRequest reads the request back out of a link, as the renew
// page's script does (decodeURIComponent of what follows "request=").
func fragmentRequest(t testing.TB, link string) (*url.URL, []byte) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("%s: %v", link, err)
	}
	enc, ok := strings.CutPrefix(u.EscapedFragment(), "request=")
	if !ok {
		t.Fatalf("%s: no request= fragment", link)
	}
	if strings.ContainsAny(enc, "+&= \n#?") {
		t.Fatalf("%s: the fragment holds a character a decoder may read otherwise", link)
	}
	dec, err := url.PathUnescape(enc)
	if err != nil {
		t.Fatalf("%s: %v", link, err)
	}
	return u, []byte(dec)
}

func TestRequestURL(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	now := time.Date(2027, 10, 1, 9, 30, 0, 0, time.UTC)
	plainReq, _ := renewseal.NewRequest(code, "", now)
	plain, _ := plainReq.MarshalText()
	boundReq, _ := renewseal.NewRequest(boundCode, "host-7f3a9c0e", now)
	bound, _ := boundReq.MarshalText()
	sealed, err := renewseal.Seal(boundReq, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, portal, prefix string
		req                  []byte
		max                  int
	}{
		{"plain", "https://licenses.example.com", "https://licenses.example.com/renew#request=", plain, 370},
		{"bound, a path and a slash", "https://example.com/licensing/", "https://example.com/licensing/renew#request=", bound, 400},
		{"sealed", "https://licenses.example.com", "https://licenses.example.com/renew#request=", sealed, 900},
		{"loopback", "http://127.0.0.1:8080", "http://127.0.0.1:8080/renew#request=", plain, 360},
		{"localhost", "http://localhost:8080/", "http://localhost:8080/renew#request=", plain, 360},
		{"ipv6 loopback", "http://[::1]:8080", "http://[::1]:8080/renew#request=", plain, 360},
	} {
		t.Run(tc.name, func(t *testing.T) {
			link, err := renewseal.RequestURL(tc.portal, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d bytes: %s", len(link), link)
			if !strings.HasPrefix(link, tc.prefix) || len(link) > tc.max {
				t.Fatalf("%d bytes: %s", len(link), link)
			}
			if _, got := fragmentRequest(t, link); string(got) != string(tc.req) {
				t.Fatalf("the link carries %q, not %q", got, tc.req)
			}
		})
	}
	if got, err := renewseal.Open([]byte(mustFragment(t, plain))); err != nil || got.Code.String() != code {
		t.Fatalf("the plain request read back: %+v, %v", got, err)
	}
	if got, err := renewseal.Open([]byte(mustFragment(t, sealed)), id); err != nil || got.InstallID != "host-7f3a9c0e" {
		t.Fatalf("the sealed request read back: %+v, %v", got, err)
	}
}

func mustFragment(t *testing.T, req []byte) []byte {
	link, err := renewseal.RequestURL("https://licenses.example.com", req)
	if err != nil {
		t.Fatal(err)
	}
	_, got := fragmentRequest(t, link)
	return got
}

func TestRequestURLRefuses(t *testing.T) {
	req, _ := renewseal.NewRequest(code, "", time.Date(2027, 10, 1, 9, 30, 0, 0, time.UTC))
	plain, _ := req.MarshalText()
	for _, tc := range []struct {
		portal, want string
	}{
		{"http://licenses.example.com", "http:// is taken only for this machine"},
		{"http://127.0.0.1.example.com", "http:// is taken only for this machine"},
		{"ftp://licenses.example.com", "must start with https://"},
		{"licenses.example.com", "must start with https://"},
		{"", "must start with https://"},
		{"https://", "no host name"},
		{"https:///renew", "no host name"},
		{"https://:443", "no host name"},
		{"https://user:secret@licenses.example.com", "user name or password"},
		{"https://licenses.example.com/?shop=1", "must not have a query"},
		{"https://licenses.example.com/?", "must not have a query"},
		{"https://licenses.example.com/#renew", "must not have a fragment"},
		{"https://licenses.example.com/#", "must not have a fragment"},
		{"https://licenses.example.com\n", "give the address"},
		{"mailto:vendor@example.com", "give the address"},
	} {
		_, err := renewseal.RequestURL(tc.portal, plain)
		if !errors.Is(err, renewseal.ErrPortalURL) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.portal, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") && strings.Contains(tc.portal, "secret") {
			t.Errorf("%q: the error repeats the password: %v", tc.portal, err)
		}
	}
	for name, req := range map[string][]byte{
		"empty":     nil,
		"not one":   []byte("hello"),
		"truncated": plain[:len(plain)/2],
		"cut seal":  []byte("-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n"),
		"too big":   []byte(strings.Repeat("x", renewal.MaxSize+1)),
	} {
		if _, err := renewseal.RequestURL("https://licenses.example.com", req); err == nil {
			t.Errorf("%s: a link was made", name)
		}
	}
	// A link too long for a QR code: a request with an install id near
	// its limit, in a script percent-encoding triples.
	bound, _ := renewseal.NewRequest(boundCode, strings.Repeat("é", 127), time.Date(2027, 10, 1, 9, 30, 0, 0, time.UTC))
	long, err := bound.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := renewseal.RequestURL("https://licenses.example.com/"+strings.Repeat("a", 1200), long); err == nil ||
		!strings.Contains(err.Error(), "too long for a QR code") {
		t.Errorf("an overlong link: %v", err)
	}
}

// FuzzRequestURL: whatever the portal and request, RequestURL never
// panics, and a link it makes is within MaxRequestURL, on the portal's
// host, and carries the request byte for byte.
func FuzzRequestURL(f *testing.F) {
	req, _ := renewseal.NewRequest(code, "", time.Date(2027, 10, 1, 9, 30, 0, 0, time.UTC))
	plain, _ := req.MarshalText()
	f.Add("https://licenses.example.com", plain)
	f.Add("http://[::1]:80/a%20b/", plain)
	f.Add("https://x/#", []byte("-----BEGIN AGE ENCRYPTED FILE-----\n-----END AGE ENCRYPTED FILE-----"))
	f.Fuzz(func(t *testing.T, portal string, req []byte) {
		link, err := renewseal.RequestURL(portal, req)
		if err != nil {
			return
		}
		if len(link) > renewseal.MaxRequestURL {
			t.Fatalf("%d bytes", len(link))
		}
		u, got := fragmentRequest(t, link)
		p, _ := url.Parse(portal)
		if u.Host != p.Host || u.Scheme != p.Scheme || string(got) != string(req) {
			t.Fatalf("%q, %q: %s", portal, req, link)
		}
	})
}

func ExampleRequestURL() {
	req, _ := renewseal.NewRequest(code, "", time.Date(2027, 10, 1, 9, 30, 0, 0, time.UTC))
	text, _ := req.MarshalText()
	link, err := renewseal.RequestURL("https://licenses.example.com", text)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Show the link as a QR code for a phone, or as text to copy.
	fmt.Println(len(link), link[:60])
	// Output: 363 https://licenses.example.com/renew#request=-----BEGIN%20LICM
}
