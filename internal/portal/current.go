package portal

import (
	"net/http"
	"strings"

	"github.com/licmint/licmint/formats"
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

func (s *shopAPI) apiCurrentCode(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	// Refused requests are limited per address; a code of a license is
	// answered whatever the count, so that one install sending garbage
	// does not lock out its neighbours behind the same address. Past the
	// limit a refusal costs a read, not a write.
	ip := bucket{"current:ip:" + rateAddr(clientIP(r)), s.limits.CurrentIP}
	l, over, err := s.overLimit(ctx, false, ip)
	if err != nil {
		return err
	}
	refuse := func(kind, msg string) error {
		if !over {
			// The count after this refusal decides too: refusals sent
			// at once all read a count under the limit.
			var err error
			if l, over, err = s.overLimit(ctx, true, ip); err != nil {
				s.logf("portal: rate limit %s: %v", ip.key, err)
			}
		}
		if over {
			return apiRefuse(apiTooMany, "%s", s.tooMany(w, l))
		}
		return apiRefuse(kind, "%s", msg)
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxCurrentCodeBody)
	var req CurrentCodeRequest
	if err := readJSON(r, &req); err != nil {
		return refuse(jsonErrorKind(err), err.Error())
	}
	code, err := formats.ParseActivationCode(strings.TrimSpace(req.ActivationCode))
	if err != nil {
		return refuse(apiInvalid, "activation_code: "+err.Error())
	}
	is, err := s.svc.Current(ctx, code, req.InstallID)
	if rf, ok := refused(opCurrent, err, licenseID(code.Product, code.Serial)); ok {
		if rf.counted {
			return refuse(rf.kind, rf.msg)
		}
		return apiRefuse(rf.kind, "%s", rf.msg)
	}
	if err != nil {
		return err
	}
	text := is.Code.String()
	writeJSON(w, http.StatusOK, CurrentCodeJSON{ActivationCode: text, Expires: is.Code.Expires.String(),
		Renewed: text != code.String(), JWT: is.JWT})
	return nil
}
