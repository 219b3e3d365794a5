package portal

import (
	"net/http"
	"slices"
	"strings"

	"github.com/licmint/licmint/issuance"
)

// The one place where the refusals of the ledger and the issuance service,
// by their issuance.Kind, become the portal's answers: for each thing the
// portal does, which refusals it can meet, the status (and for the APIs the
// error kind) each is answered with, and the words. An error matched by
// none is the portal's own failure.

// An op is what the portal was doing when it was refused.
type op int

const (
	opRegister     op = iota // a customer registers a key
	opRenew                  // a customer renews
	opReportStolen           // a customer reports a code stolen
	opReplace                // the console replaces or moves a license
	opResend                 // the console mails a license's code again
	opVoid                   // the console voids a key
	opCurrent                // a product asks for its license's current code
	opMint                   // the shop mints keys
	opRevoke                 // the shop revokes a license
)

// A refusal is how one refusal is answered.
type refusal struct {
	status int
	kind   string // the API's error kind, for the JSON APIs
	// msg is the words; {license} stands for the license's id, and {err}
	// for the error's own text.
	msg string
	// counted is set for a refusal that counts against the rate limit of
	// failed attempts: a key or code that may be a guess, rather than a
	// mistake about one's own license.
	counted bool
}

type refusalRule struct {
	kinds []issuance.Kind // the error is of one of these kinds
	refusal
}

const (
	msgRefusedKey       = "This Registration Key cannot be registered. Check it against your purchase, or contact support."
	msgReplaced         = "The code in the request was replaced: your license's current code is under My licenses."
	msgNotYours         = "The code in the request is not one of your licenses."
	msgReplacedMeantime = "This license was replaced meanwhile, by someone else or the customer: nothing was done. Check its history, and act again from its page if it is still needed."
	msgResendRevoked    = "This license is revoked: its code no longer works, so it is not mailed."
)

const unprocessable = http.StatusUnprocessableEntity

var refusals = map[op][]refusalRule{
	opRegister: {
		{[]issuance.Kind{issuance.KindRenewalKey}, refusal{unprocessable, "", "This is a renewal key: enter it on the Renew page, for the license it renews.", true}},
		// One answer for a key never minted, void or another account's,
		// so that the portal never tells which, or whose.
		{[]issuance.Kind{issuance.KindNotMinted, issuance.KindVoid, issuance.KindOtherOwner, issuance.KindOtherTerms}, refusal{unprocessable, "", msgRefusedKey, true}},
		// The account's login id changed as the key was sent.
		{[]issuance.Kind{issuance.KindNoAccount}, refusal{http.StatusConflict, "", "Your email address, your login id, changed as this key was sent, so nothing was registered. Register it again.", false}},
	},
	opRenew: {
		{[]issuance.Kind{issuance.KindNotMinted, issuance.KindVoid}, refusal{unprocessable, "", "This Registration Key cannot renew a license. Check it against your purchase, or contact support.", true}},
		{[]issuance.Kind{issuance.KindNotRenewalKey}, refusal{unprocessable, "", "This key is not a renewal key, or is for another product: a key for a new license is entered on Register your product.", true}},
		{[]issuance.Kind{issuance.KindUsed}, refusal{unprocessable, "", "This renewal key has been used already.", true}},
		{[]issuance.Kind{issuance.KindOtherTerms}, refusal{unprocessable, "", "This renewal key is for another edition than this license's.", true}},
		{[]issuance.Kind{issuance.KindNoLicense}, refusal{unprocessable, "", msgNotYours, true}},
		{[]issuance.Kind{issuance.KindSuperseded}, refusal{unprocessable, "", msgReplaced, false}},
		{[]issuance.Kind{issuance.KindRevoked}, refusal{unprocessable, "", "This license is revoked, and cannot be renewed. Contact support.", false}},
		{[]issuance.Kind{issuance.KindNotRenewable}, refusal{unprocessable, "", "Trial and perpetual licenses are not renewed: register a full Registration Key instead.", false}},
		{[]issuance.Kind{issuance.KindNotAuthentic, issuance.KindUnknownKey, issuance.KindInstallIDNeeded}, refusal{unprocessable, "", "The code in the request is not one this portal issued, or was changed.", true}},
	},
	opReportStolen: {
		{[]issuance.Kind{issuance.KindNoLicense}, refusal{unprocessable, "", "Choose one of your licenses.", false}},
		{[]issuance.Kind{issuance.KindRevoked, issuance.KindLastGeneration, issuance.KindNotReplaceable}, refusal{unprocessable, "", "This license's code cannot be replaced here. Contact support.", false}},
	},
	opReplace: {
		{[]issuance.Kind{issuance.KindRevoked}, refusal{unprocessable, "", "This license is revoked: it cannot be replaced.", false}},
		{[]issuance.Kind{issuance.KindLastGeneration}, refusal{unprocessable, "", "This license has reached its last generation: it cannot be replaced again.", false}},
		{[]issuance.Kind{issuance.KindSuperseded}, refusal{unprocessable, "", msgReplacedMeantime, false}},
		{[]issuance.Kind{issuance.KindNotReplaceable}, refusal{unprocessable, "", "This license's code cannot be replaced: {err}.", false}},
	},
	opResend: {
		{[]issuance.Kind{issuance.KindNoAccount}, refusal{unprocessable, "", "This license has no owner account to mail: it was not registered through the portal. Give the customer the code from this page.", false}},
		{[]issuance.Kind{issuance.KindRevoked}, refusal{unprocessable, "", msgResendRevoked, false}},
	},
	opVoid: {
		{[]issuance.Kind{issuance.KindUsed}, refusal{unprocessable, "", "This key was registered meanwhile: revoke its license instead.", false}},
	},
	opCurrent: {
		{[]issuance.Kind{issuance.KindInstallIDNeeded}, refusal{http.StatusBadRequest, apiInvalid, "install_id: the code is bound to an install; send the install id it was issued for", true}},
		{[]issuance.Kind{issuance.KindNotAuthentic, issuance.KindUnknownKey, issuance.KindUnsigned, issuance.KindBadField}, refusal{http.StatusBadRequest, apiInvalid,
			"activation_code: not a code this portal issued, or changed since (or, for a bound code, not its install id); send the whole code as issued", true}},
		{[]issuance.Kind{issuance.KindNoLicense}, refusal{http.StatusNotFound, apiNotFound, "no license of this code is on record", true}},
		// Past the limit or not, a replaced or revoked license's holder
		// is told so: the code is authentic.
		{[]issuance.Kind{issuance.KindSuperseded}, refusal{http.StatusGone, apiSuperseded, "this code of license {license} was replaced by a later generation, which the licensee holds", false}},
		{[]issuance.Kind{issuance.KindRevoked}, refusal{http.StatusGone, apiRevoked, "license {license} is revoked", false}},
	},
	opMint: {
		{[]issuance.Kind{issuance.KindUnknownProduct, issuance.KindUnknownEdition}, refusal{unprocessable, apiUnprocessable, "{err}: the catalog does not sell {license}", false}},
		{[]issuance.Kind{issuance.KindOrderTerms}, refusal{http.StatusConflict, apiConflict, "{err}; an order's keys are minted once, so use a new order reference for another sale", false}},
	},
	opRevoke: {
		{[]issuance.Kind{issuance.KindNoLicense}, refusal{http.StatusNotFound, apiNotFound, "no license {license} in the ledger", false}},
	},
}

// anyOp are the refusals every op can meet.
var anyOp = []refusalRule{
	{[]issuance.Kind{issuance.KindTampered}, refusal{http.StatusConflict, apiTampered,
		"The ledger's record of {license} no longer matches its event log: nothing was done. The vendor has been told (the refusal is recorded); contact support.", false}},
}

// refused returns how err is answered when o meets it, its words filled
// in with subject (the license's id, or what else the words name), or
// false when err is no refusal of o.
func refused(o op, err error, subject string) (refusal, bool) {
	if err == nil {
		return refusal{}, false
	}
	k := issuance.KindOf(err)
	if k == issuance.KindNone {
		return refusal{}, false
	}
	for _, rule := range append(refusals[o], anyOp...) {
		if slices.Contains(rule.kinds, k) {
			r := rule.refusal
			r.msg = strings.NewReplacer("{license}", subject, "{err}", err.Error()).Replace(r.msg)
			return r, true
		}
	}
	return refusal{}, false
}

// apiRefused is err as the API's refusal when o meets it, else err.
func apiRefused(o op, err error, subject string) error {
	if r, ok := refused(o, err, subject); ok {
		return &apiErr{kind: r.kind, msg: r.msg}
	}
	return err
}
