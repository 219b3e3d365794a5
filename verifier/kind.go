package verifier

import "errors"

// errorKinds name the outcomes of Verify, VerifyRenewal and
// LoadRevocationList, as FORMAT.md section 7, the CLI's --json output and
// the C, JavaScript and Python
// bindings report them. The first match wins. ErrUnknownVersion reads as
// malformed: the kinds a verifier reports are fixed, and a code of a newer
// format is, to it, not a code.
var errorKinds = []struct {
	err  error
	kind string
}{
	{ErrUnknownKey, "unknown_key"},
	{ErrBadSignature, "bad_signature"},
	{ErrInstallMismatch, "install_mismatch"},
	{ErrWrongProduct, "wrong_product"},
	{ErrTypo, "typo"},
	{ErrUnsigned, "unsigned"},
	{ErrUnknownVersion, "malformed"},
	{ErrMalformed, "malformed"},
	{ErrNotRenewal, "not_renewal"},
	{ErrResetUsed, "reset_used"},
	{ErrResetNotLocked, "reset_not_locked"},
	{ErrResetTooEarly, "reset_too_early"},
	{ErrListReplayed, "list_replayed"},
	{ErrListUnknownKey, "list_unknown_key"},
	{ErrListBadSignature, "list_bad_signature"},
	{ErrListWrongProduct, "list_wrong_product"},
	{ErrListMalformed, "list_malformed"},
}

// ErrorKind returns the name of the outcome err wraps, such as "typo" or
// "bad_signature", or "" if it wraps none of this package's sentinels.
func ErrorKind(err error) string {
	if err == nil {
		return ""
	}
	for _, k := range errorKinds {
		if errors.Is(err, k.err) {
			return k.kind
		}
	}
	return ""
}
