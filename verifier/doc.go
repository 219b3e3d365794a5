// Package verifier checks licmint Activation Codes offline (FORMAT.md
// section 4), for embedding in the product they license.
//
// A product sets up one Verifier with its product code, the public
// keys it trusts and its catalog entry, then calls Verify with the code a customer
// entered. Verify decodes the code, checks its signature against the key
// the code names and reports the license, its status on the verifier's
// clock and the features it enables. It needs no network access, costs
// less than one crypto/ed25519.Verify, and without a state (WithState)
// does not allocate on success.
//
// Failures are errors matched with errors.Is: ErrMalformed and ErrTypo
// (with the position in a *formats.FormatError), ErrUnsigned,
// ErrWrongProduct, ErrUnknownKey, ErrBadSignature and ErrInstallMismatch.
// A license that is authentic but not in force is not an error: its Status
// says so, and its features are off, as the product keeps running without
// update and scan features.
//
// The license lifecycle (FORMAT.md sections 11 and 13) is opt-in.
// LoadRevocationList puts a signed revocation list in force; WithState
// gives the verifier a memory between runs, so that a replaced code is
// reported as superseded and a clock set back as clock_rollback; and
// VerifyRenewal checks a renewal code before the product installs it. A
// code's status is the first that applies of revoked, superseded,
// clock_rollback and the statuses of its dates. A clock once set far
// ahead locks an install in clock_rollback (License.LastSeen names the
// time remembered) until Reset accepts a reset code, which the vendor
// signs for that install and day.
//
// This package imports no networking, process or JSON-token code, so that
// embedding it stays small; JSON Web Token licenses are checked by the
// subpackage verifier/licjwt.
package verifier
