package renewseal

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"filippo.io/age/armor"
	"github.com/licmint/licmint/formats/renewal"
)

// MaxRequestURL bounds the link RequestURL makes, in bytes. A QR code
// holds 2331 bytes at error correction level M, and every browser takes
// a link of this length; a plain request's link is about 360 bytes, a
// sealed one's 830 to 880.
const MaxRequestURL = 2048

// ErrPortalURL: the portal's address given to RequestURL cannot carry a
// request.
var ErrPortalURL = errors.New("not a portal address")

// RequestURL returns a link to the portal's renew page that carries req,
// a request as Request.MarshalText or Seal made it, so that a customer
// whose install is offline can take it to the portal on a phone (as a QR
// code) or in a message, and find it filled in there. portal is the
// address the customer reaches the portal at, such as
// https://licenses.example.com; http is taken only for this machine
// (localhost, 127.0.0.1, ::1), as anything else would expose the request
// in transit.
//
// The link is portal + "/renew#request=" and req percent-encoded: every
// byte but the letters, digits and "-._~:/" as %XX, with upper-case hex
// digits. The request is in the fragment because a browser never sends
// the fragment to the server, so the request (the code and install id)
// stays out of the server's and proxies' logs and out of Referer headers;
// the renew page's script moves it into the form, which the customer
// sends. Percent-encoding, rather than base64, keeps the request
// readable and the link shorter, since a request is mostly letters and
// digits. A link longer than MaxRequestURL is refused.
func RequestURL(portal string, req []byte) (string, error) {
	base, err := portalBase(portal)
	if err != nil {
		return "", err
	}
	if err := checkRequest(req); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(base)
	b.WriteString("/renew#request=")
	const hex = "0123456789ABCDEF"
	for _, c := range req {
		if isLinkSafe(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	if b.Len() > MaxRequestURL {
		return "", fmt.Errorf("renewal link: %d bytes, more than %d, too long for a QR code: send the request as a file instead", b.Len(), MaxRequestURL)
	}
	return b.String(), nil
}

// isLinkSafe reports whether c stands for itself in the link: what a
// fragment allows and no form decoder reads otherwise ("+" is a space to
// some, "&" and "=" separate fields).
func isLinkSafe(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~:/", c) >= 0
}

// portalBase checks the portal's address and returns it without a
// trailing slash.
func portalBase(portal string) (string, error) {
	u, err := url.Parse(portal)
	shown := portal
	if err == nil && u.User != nil {
		shown = u.Redacted() // never repeat a password
	}
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("renewal link: %w %q: %s", ErrPortalURL, shown, why)
	}
	switch {
	case err != nil || u.Opaque != "":
		return bad("give the address the customer opens the portal at, such as https://licenses.example.com")
	case u.Scheme != "https" && u.Scheme != "http":
		return bad("it must start with https://")
	case u.Host == "" || u.Hostname() == "":
		return bad("it has no host name")
	case u.User != nil:
		return bad("it must not hold a user name or password")
	case u.RawQuery != "" || u.ForceQuery:
		return bad("it must not have a query (?...)")
	case u.Fragment != "" || strings.Contains(portal, "#"):
		return bad("it must not have a fragment (#...): the link puts the request there")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return bad("http:// is taken only for this machine (localhost, 127.0.0.1, ::1): use https://")
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkRequest refuses what is not a renewal request, plain or sealed:
// the portal could do nothing with it.
func checkRequest(req []byte) error {
	if len(req) > renewal.MaxSize {
		return fmt.Errorf("renewal link: the request is %d bytes, more than %d", len(req), renewal.MaxSize)
	}
	if bytes.HasPrefix(bytes.TrimSpace(req), []byte(armor.Header)) {
		if !bytes.HasSuffix(bytes.TrimSpace(req), []byte(armor.Footer)) {
			return fmt.Errorf("renewal link: %w: the sealed request is cut short", renewal.ErrMalformed)
		}
		return nil
	}
	if _, err := renewal.Parse(req); err != nil {
		return fmt.Errorf("renewal link: %w", err)
	}
	return nil
}
