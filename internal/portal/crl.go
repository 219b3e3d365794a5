package portal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/licmint/licmint/formats"
)

// crl serves the product's newest revocation list, as the ledger issued
// it, byte for byte, at a stable URL for products that reach the portal
// now and then. Its ETag is the list's SHA-256, and its Last-Modified the
// time the ledger recorded it, so that a product polling with
// If-None-Match or If-Modified-Since gets 304 until a newer list is
// issued. The list is signed: it needs no TLS to be trusted, and caches
// may keep it, but must revalidate.
func (s *shopAPI) crl(w http.ResponseWriter, r *http.Request) error {
	p, err := formats.ParseProduct(r.PathValue("product"))
	if err != nil {
		return apiRefuse(apiNotFound, "no revocation list at %s: %v", r.URL.Path, err)
	}
	l, err := s.led.LatestRevocationList(r.Context(), p)
	if err != nil {
		s.logf("portal: crl: reading the newest list of %s: %v", p, err)
		return apiRefuse(apiInternal, "the revocation list could not be read; try again later")
	}
	if l == nil {
		return apiRefuse(apiNotFound, "no revocation list was issued for %s yet", p)
	}
	sum := sha256.Sum256(l.List)
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent answers the conditional and range requests.
	http.ServeContent(w, r, "", l.Issued, bytes.NewReader(l.List))
	return nil
}
