package portal

import (
	"errors"
	"net/http"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
)

// The product API: POST /api/v1/current-code, which a product that is
// online calls with the code it holds, to pick up its license's renewal
// without its user entering a new code. It takes no token: the code, a
// signed bearer credential, is what entitles the caller to its license's
// current code, and a replaced generation's holder gets nothing.

// MaxCurrentCodeBody bounds the body of POST /api/v1/current-code: a
// code, an install id and JSON's punctuation.
const MaxCurrentCodeBody = 4 << 10

// CurrentCodeRequest is the body of POST /api/v1/current-code.
type CurrentCodeRequest struct {
	ActivationCode string `json:"activation_code"`
	// InstallID is the install the code is bound to, for a bound code.
	InstallID string `json:"install_id,omitempty"`
}

// CurrentCodeJSON is the answer to POST /api/v1/current-code: the
// license's current code, which a product puts in place of its own if it
// expires later.
type CurrentCodeJSON struct {
	ActivationCode string `json:"activation_code"`
	Expires        string `json:"expires"`
	// Renewed is set when the code is not the one presented.
	Renewed bool `json:"renewed"`
	// JWT is the code's JWT license token, if the license has one.
	JWT string `json:"jwt,omitempty"`
}

func (s *Server) apiCurrentCode(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// Refused requests are limited per address; a code of a license is
	// answered whatever the count, so that one install sending garbage
	// does not lock out its neighbours behind the same address. Past the
	// limit a refusal costs a read, not a write.
	ip := bucket{"current:ip:" + rateAddr(clientIP(r)), s.limits.CurrentIP}
	l, over, err := s.overLimit(ctx, false, ip)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	refuse := func(kind, format string, a ...any) {
		if !over {
			// The count after this refusal decides too: refusals sent
			// at once all read a count under the limit.
			var err error
			if l, over, err = s.overLimit(ctx, true, ip); err != nil {
				s.logf("portal: rate limit %s: %v", ip.key, err)
			}
		}
		if over {
			apiError(w, apiTooMany, "%s", s.tooMany(w, l))
			return
		}
		apiError(w, kind, format, a...)
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxCurrentCodeBody)
	var req CurrentCodeRequest
	if err := readJSON(r, &req); err != nil {
		refuse(apiInvalid, "%v", err)
		return
	}
	code, err := formats.ParseActivationCode(strings.TrimSpace(req.ActivationCode))
	if err != nil {
		refuse(apiInvalid, "activation_code: %v", err)
		return
	}
	is, err := s.svc.Current(ctx, code, req.InstallID)
	switch {
	case errors.Is(err, signer.ErrInstallIDRequired):
		refuse(apiInvalid, "install_id: the code is bound to an install; send the install id it was issued for")
	case errors.Is(err, signer.ErrNotAuthentic), errors.Is(err, signer.ErrUnknownKey), errors.Is(err, formats.ErrUnsigned),
		errors.As(err, new(*signer.FieldError)):
		refuse(apiInvalid, "activation_code: not a code this portal issued, or changed since (or, for a bound code, not its install id); send the whole code as issued")
	case errors.Is(err, ledger.ErrNoLicense):
		refuse(apiNotFound, "no license of this code is on record")
	case errors.Is(err, ledger.ErrSuperseded):
		apiError(w, apiSuperseded, "this code of license %s was replaced by a later generation, which the licensee holds", licenseID(code.Product, code.Serial))
	case errors.Is(err, ledger.ErrRevoked):
		apiError(w, apiRevoked, "license %s is revoked", licenseID(code.Product, code.Serial))
	case err != nil:
		s.apiFail(w, r, err)
	default:
		text := is.Code.String()
		writeJSON(w, http.StatusOK, CurrentCodeJSON{ActivationCode: text, Expires: is.Code.Expires.String(),
			Renewed: text != code.String(), JWT: is.JWT})
	}
}
