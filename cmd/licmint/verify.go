package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/licjwt"
	"github.com/licmint/licmint/verifier/state"
	"github.com/spf13/cobra"
)

// verifyJSON is the --json record of verify, printed also on failure.
type verifyJSON struct {
	Status    string     `json:"status"`
	ErrorKind string     `json:"error_kind"`
	Error     *errorJSON `json:"error,omitempty"`
	Form      string     `json:"form"` // activation_code or jwt
	activationJSON
	// DaysLeft is nil when there is no license; 0 for a perpetual one,
	// as every verifier reports it (FORMAT.md section 15.3): expires
	// "perpetual" tells it apart from the expiry day.
	DaysLeft *int            `json:"days_left"`
	Features map[string]bool `json:"features"`
	// Remembered is, for clock_rollback, the day of the latest time the
	// state has seen: the day a reset code must name.
	Remembered string        `json:"remembered,omitempty"`
	Position   *positionJSON `json:"position,omitempty"`
	// ResetCleared is the day whose lock --reset-code cleared.
	ResetCleared string `json:"reset_cleared,omitempty"`
	// CRLError says why --crl was refused; StateError what went wrong
	// with --state. Neither changes the license's status.
	CRLError   string `json:"crl_error,omitempty"`
	StateError string `json:"state_error,omitempty"`

	// featureNames are the edition's features in the catalog's order, for
	// the text form.
	featureNames []string
}

func (r *verifyJSON) setError(e *errorJSON) { r.Error = e }

// verifyOptions are verify's flags and what validate makes of them.
type verifyOptions struct {
	pub, ring, product, catalog, at, installID string
	statePath, crl, renewFrom, resetCode       string
	tolerance                                  time.Duration
	asJSON                                     bool

	// Set by validate.
	hasInstallID bool             // --install-id was given
	clock        func() time.Time // --at, or now
}

func newVerifyCmd() *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify (--pub FILE | --keyring FILE) [--at YYYY-MM-DD] [--install-id ID] [--state FILE] [--reset-code CODE] [--crl FILE] [--renew-from CODE] [--json] CODE | TOKEN | -",
		Short: "Check an Activation Code or JWT license token offline",
		Long: `Verify a signed Activation Code, or a JWT license token that carries one, as a
product does: decode it, check its signature against the trusted keys, and
report the license and its status on the given day.

Trusted keys come from --pub (a NAME.pub.pem file) or --keyring (key-id
tagged PEM blocks or a JWK Set). The product is --product, or by default the
one the code itself names, so that any trusted code verifies; give --product
to check a code for a particular product. Editions and features come from
--catalog (default: the built-in catalog). An install-bound code verifies
only with its --install-id.

Statuses: valid; expiring (within the catalog's warning days, default 60);
grace (expired, within the grace days, default 30); expired (the product
runs without update and scan); not_yet_valid; and, from the checks below,
revoked, superseded and clock_rollback, which come first in that order. A
code that cannot be trusted is invalid, with error_kind typo, malformed,
unsigned, wrong_product, unknown_key, bad_signature, install_mismatch,
bad_token or not_renewal.

--crl loads a signed revocation list (from 'licmint revoke'): a code it
names is revoked. A list that is refused (tampered, truncated, signed by an
untrusted key, or older than one --state has seen) is a warning, not an
error: the code is checked without it, and --json reports crl_error.
--state keeps the verifier's memory in a file, as a product does: a code
whose serial has been seen at a higher generation is superseded, and a clock
more than --tolerance behind the latest time seen is clock_rollback, and
the day remembered is named (--json: remembered). A missing state file is
created; a corrupt one is set aside with a warning.
--reset-code applies a reset code from the vendor ('licmint reset-code')
before the check: if the state remembers the day the code names and the
clock is behind it, the lock is cleared, once. It needs --state and
--install-id. A refused reset code is invalid input: error_kind
reset_used, reset_not_locked, reset_too_early, install_mismatch (a code
for another install), wrong_product, typo or malformed.
--renew-from checks that CODE may replace the installed code given: same
serial, same or higher generation, a later expiry.

The code may be given as several arguments (as pasted with spaces) or as -
to read it from standard input, wrapped over lines. Exits 0 when the license
is in force (valid, expiring, grace), 4 when it is authentic but not in force,
3 when it is invalid, 2 on usage errors and 1 when a file cannot be read.`,
		Example: `  licmint verify --pub keys/vendor.pub.pem PC-2081-0017D-0PHSS-...-PNAB
  licmint verify --keyring keyring.jwks --at 2027-11-01 --json - < code.txt
  licmint verify --pub keys/vendor.pub.pem --install-id "$MACHINE_ID" "$TOKEN"
  licmint verify --pub keys/vendor.pub.pem --state verifier-state.txt --crl PC.crl "$CODE"
  licmint verify --pub keys/vendor.pub.pem --state verifier-state.txt --install-id "$MACHINE_ID" --reset-code "$RESET" "$CODE"
  licmint verify --pub keys/vendor.pub.pem --renew-from "$INSTALLED_CODE" "$NEW_CODE"`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(cmd); err != nil {
				return err
			}
			return o.run(cmd, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.pub, "pub", "", "trusted public key `FILE` (NAME.pub.pem)")
	fl.StringVar(&o.ring, "keyring", "", "trusted keyring `FILE`: PEM blocks or a JWK Set")
	fl.StringVar(&o.product, "product", "", "product `CODE` the code must be for (default: the code's own)")
	fl.StringVar(&o.catalog, "catalog", "", "catalog `FILE` for edition names and features (default: built-in)")
	fl.StringVar(&o.at, "at", "", "check the status on this day, `YYYY-MM-DD` (default: today, UTC)")
	fl.StringVar(&o.installID, "install-id", "", "this install's `ID`, for install-bound codes")
	fl.StringVar(&o.statePath, "state", "", "verifier state `FILE`, created if missing, as a product keeps it; it remembers the latest day seen, --at days included")
	fl.StringVar(&o.resetCode, "reset-code", "", "a reset `CODE` from the vendor: clear this install's clock_rollback lock first (needs --state and --install-id)")
	fl.StringVar(&o.crl, "crl", "", "signed revocation list `FILE` to check the code against")
	fl.DurationVar(&o.tolerance, "tolerance", verifier.DefaultRollbackTolerance, "how far the clock may go back behind the latest time in --state")
	fl.StringVar(&o.renewFrom, "renew-from", "", "the installed `CODE`: check that the given code is its renewal")
	jsonFlagVar(cmd, &o.asJSON)
	return cmd
}

// validate checks the flags, before any file or standard input is read.
func (o *verifyOptions) validate(cmd *cobra.Command) error {
	if (o.pub == "") == (o.ring == "") {
		return usageError("give exactly one of --pub FILE and --keyring FILE: the keys to trust")
	}
	o.clock = now
	if o.at != "" {
		d, err := formats.ParseDay(o.at)
		if err != nil {
			return usageError("--at: %v", err)
		}
		o.clock = func() time.Time { return d.Time() }
	}
	o.hasInstallID = cmd.Flags().Changed("install-id")
	if o.resetCode != "" && (o.statePath == "" || !o.hasInstallID) {
		return usageError("--reset-code needs --state FILE and --install-id ID: it clears this install's remembered time in the state")
	}
	if o.hasInstallID {
		if err := formats.CheckInstallID(o.installID); err != nil {
			return usageError("--install-id: %v", err)
		}
	}
	if o.tolerance < 0 {
		return usageError("--tolerance %v is negative", o.tolerance)
	}
	if o.product != "" {
		if _, err := formats.ParseProduct(o.product); err != nil {
			return usageError("--product: %v", err)
		}
	}
	return nil
}

// run reads the code or token, checks it as a product would and prints
// the record.
func (o *verifyOptions) run(cmd *cobra.Command, args []string) error {
	input, err := readCodeInput(cmd, args)
	if err != nil {
		return err
	}
	rec := verifyJSON{Form: "activation_code", Features: map[string]bool{}}
	isToken := looksLikeToken(input)
	if isToken {
		if o.renewFrom != "" {
			return usageError("--renew-from checks Activation Codes; give the new code, not a token")
		}
		rec.Form = "jwt"
	}
	v, err := o.verifier(cmd, input, isToken, &rec)
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	if o.resetCode != "" {
		if err := v.Reset(o.resetCode); err != nil {
			return verifyFailed(&rec, o.installID, err)
		}
		c, _ := formats.ParseResetCode(o.resetCode, formats.Product{}) // accepted just now
		rec.ResetCleared = c.Remembered.String()
		fmt.Fprintf(stderr, "licmint: note: reset code accepted: this install no longer remembers %s\n", rec.ResetCleared)
	}
	var l verifier.License
	switch {
	case isToken:
		l, err = licjwt.New(v).Verify(input)
	case o.renewFrom != "":
		l, err = v.VerifyRenewal(o.renewFrom, input)
	default:
		l, err = v.Verify(input)
	}
	if serr := v.StateError(); serr != nil {
		rec.StateError = serr.Error()
		fmt.Fprintf(stderr, "licmint: warning: verifier state: %v\n", serr)
	}
	if err != nil {
		return verifyFailed(&rec, o.installID, err)
	}

	rec.setLicense(&l)
	if !isToken {
		c, _ := formats.ParseSigned(input, l.Product) // verified just now
		rec.ShortForm, rec.ActivationCode = c.ShortForm(), c.String()
	}
	var failure error
	if !l.Status.InForce() {
		failure = withRecord(notInForce(&l, o.clock(), o.installID), &rec)
		if o.asJSON {
			return failure // report prints the record, with the error in it
		}
	}
	if err := o.print(cmd.OutOrStdout(), &rec); err != nil {
		return err
	}
	return failure
}

// verifier reads the files the flags name and returns the verifier for the
// product of the code or token in input: --product, or the one it names.
// A revocation list that is refused is a warning, kept in rec.
func (o *verifyOptions) verifier(cmd *cobra.Command, input string, isToken bool, rec *verifyJSON) (*verifier.Verifier, error) {
	opts := []verifier.Option{verifier.WithNow(o.clock), verifier.WithRollbackTolerance(o.tolerance)}
	if o.hasInstallID {
		opts = append(opts, verifier.WithInstallID(o.installID))
	}
	if o.statePath != "" {
		// A device or FIFO given as the state would be locked beside and
		// replaced on saving: refuse it before the verifier touches it.
		if fi, err := os.Stat(o.statePath); err == nil && !fi.Mode().IsRegular() {
			return nil, withHint(exitError, fmt.Errorf("--state %s: not a regular file", o.statePath),
				"give a file for the verifier state; licmint creates it if missing and replaces it on saving")
		}
		opts = append(opts, verifier.WithState(state.NewFile(o.statePath)))
	}
	var crl []byte
	if o.crl != "" {
		var err error
		if crl, err = readCRL(o.crl); err != nil {
			return nil, fileError("--crl", err)
		}
	}
	cat, err := loadCatalog(o.catalog)
	if err != nil {
		return nil, err
	}
	keys, err := o.trustedKeys()
	if err != nil {
		return nil, err
	}
	product, err := o.productOf(input, isToken)
	if err != nil {
		return nil, verifyFailed(rec, o.installID, err)
	}
	if p, err := cat.Product(product.String()); err == nil {
		opts = append(opts, verifier.WithCatalog(p))
	}
	v, err := verifier.New(product.String(), keys, opts...)
	if err != nil {
		return nil, keyError(err, "check the --pub or --keyring file, the --catalog and --install-id")
	}
	if crl != nil {
		if err := v.LoadRevocationList(crl); err != nil {
			rec.CRLError = err.Error()
			fmt.Fprintf(cmd.ErrOrStderr(), "licmint: warning: revocation list refused: %s: %v\n", o.crl, err)
		}
	}
	return v, nil
}

// productOf returns --product, or else the product that input names: an
// Activation Code's, or a token's (licjwt.Product). Nothing is trusted
// from it: the signature still has to verify. Input that names no product
// is refused with the error verifying it would give.
func (o *verifyOptions) productOf(input string, isToken bool) (formats.Product, error) {
	switch {
	case o.product != "":
		return formats.ParseProduct(o.product) // validate checked it
	case isToken:
		return licjwt.Product(input)
	}
	c, err := formats.ParseSigned(input, formats.Product{})
	return c.Product, err
}

// trustedKeys reads the keys of --pub or --keyring.
func (o *verifyOptions) trustedKeys() ([]verifier.Key, error) {
	flag, path := "--pub", o.pub
	if o.ring != "" {
		flag, path = "--keyring", o.ring
	}
	if err := checkPairComplete(flag, path); err != nil {
		return nil, err
	}
	data, err := readLimited(path, publicKeyInput)
	if err != nil {
		return nil, fileError(flag, err)
	}
	ring, err := keyring.Parse(data)
	if err != nil {
		return nil, keyError(fmt.Errorf("%s: %w", path, err), "give a public key file NAME.pub.pem or a keyring from 'licmint pubkey'")
	}
	var keys []verifier.Key
	for _, k := range ring.Keys() {
		keys = append(keys, verifier.Key{ID: k.ID, Public: k.Public})
	}
	return keys, nil
}

// verifyFailed reports a code, token or reset code that verify refused:
// exit status 3, and with --json the record, which report prints with the
// error in it.
func verifyFailed(rec *verifyJSON, installID string, err error) error {
	rec.Status, rec.ErrorKind = "invalid", errorKind(err)
	rec.Position = positionOf(err)
	var ve *verifier.Error
	if errors.As(err, &ve) {
		return withRecord(withHint(exitInvalid, err, verifierHint(installID, ve)), rec)
	}
	return withRecord(invalid(err), rec)
}

// looksLikeToken tells a JWT (base64url parts separated by dots, the
// header starting {" as eyJ) from an Activation Code, which has no dots.
func looksLikeToken(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "eyJ") && strings.Contains(s, ".")
}

// setLicense fills in the verified license and where it stands.
func (r *verifyJSON) setLicense(l *verifier.License) {
	r.Status = l.Status.String()
	r.activationJSON = verifiedActivationJSON(l)
	left := l.DaysLeft
	r.DaysLeft = &left
	r.Features, r.featureNames = l.Features.Map(), l.Features.Names()
	if !l.LastSeen.IsZero() {
		r.Remembered = l.LastSeen.UTC().Format(time.DateOnly)
	}
}

// print writes the record of a verified license: as JSON with --json, or
// else as the text a person reads.
func (o *verifyOptions) print(w io.Writer, r *verifyJSON) error {
	if o.asJSON {
		return printJSON(w, r)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	yes := map[bool]string{true: "yes", false: "no"}
	fmt.Fprintf(tw, "status\t%s\n", r.Status)
	fmt.Fprintf(tw, "product\t%s\n", r.Product)
	if r.Edition != strconv.Itoa(r.EditionNumber) {
		fmt.Fprintf(tw, "edition\t%s (%d)\n", r.Edition, r.EditionNumber)
	} else {
		fmt.Fprintf(tw, "edition\t%d (not in the catalog)\n", r.EditionNumber)
	}
	fmt.Fprintf(tw, "trial\t%s\n", yes[r.Trial])
	fmt.Fprintf(tw, "serial\t%s\n", r.Serial)
	fmt.Fprintf(tw, "generation\t%d\n", r.Generation)
	fmt.Fprintf(tw, "install-bound\t%s\n", yes[r.InstallBound])
	fmt.Fprintf(tw, "signed by\tkey id %d\n", r.KeyID)
	fmt.Fprintf(tw, "issued\t%s\n", r.Issued)
	switch {
	case r.DaysLeft == nil, r.Expires == formats.Perpetual.String():
		fmt.Fprintf(tw, "expires\tnever (perpetual)\n")
	case *r.DaysLeft > 0:
		fmt.Fprintf(tw, "expires\t%s (%d days left)\n", r.Expires, *r.DaysLeft)
	default:
		fmt.Fprintf(tw, "expires\t%s (%d days ago)\n", r.Expires, -*r.DaysLeft)
	}
	var feats []string
	for _, name := range r.featureNames {
		feats = append(feats, name+" "+map[bool]string{true: "on", false: "off"}[r.Features[name]])
	}
	if len(feats) == 0 {
		feats = []string{"none in the catalog"}
	}
	fmt.Fprintf(tw, "features\t%s\n", strings.Join(feats, ", "))
	if err := tw.Flush(); err != nil {
		return err
	}
	var err error
	switch r.Status {
	case verifier.StatusExpiring.String():
		_, err = fmt.Fprintf(w, "expires in %d days: renew before %s\n", *r.DaysLeft, r.Expires)
	case verifier.StatusGrace.String():
		_, err = fmt.Fprintf(w, "expired on %s, in the grace period: renew now\n", r.Expires)
	}
	return err
}

// notInForce is the exit status 4 error for an authentic license that is
// not in force; clock is the time it was checked at, installID the
// install's id, if given.
func notInForce(l *verifier.License, clock time.Time, installID string) error {
	switch l.Status {
	case verifier.StatusNotYetValid:
		return withHint(exitNotInForce, fmt.Errorf("the license is not valid until %s", l.Issued),
			"check the clock (or --at); the code was issued on that day")
	case verifier.StatusExpired:
		return withHint(exitNotInForce, fmt.Errorf("the license expired on %s; its features are off", l.Expires),
			"ask the vendor for a renewal code")
	case verifier.StatusRevoked:
		return withHint(exitNotInForce, fmt.Errorf("the revocation list revokes serial %s generation %d; its features are off", l.Serial, l.Generation),
			"if the vendor replaced the code, enter the replacement; otherwise contact the vendor")
	case verifier.StatusSuperseded:
		return withHint(exitNotInForce, fmt.Errorf("a higher generation of serial %s than %d has been seen here: the code was replaced", l.Serial, l.Generation),
			"enter the latest code the vendor issued for this serial")
	case verifier.StatusClockRollback:
		seen := l.LastSeen.UTC().Format(time.DateOnly)
		install := "this install's id"
		if installID != "" {
			install = fmt.Sprintf("install %q", installID)
		}
		return withHint(exitNotInForce,
			fmt.Errorf("the clock reads %s but this install has seen %s, more than the tolerance later: the clock was set back, or was once set ahead; its features are off",
				clock.UTC().Format(time.DateOnly), seen),
			fmt.Sprintf("if the clock is right, ask the vendor for a reset code for %s and day %s (licmint reset-code) and give it with --reset-code; otherwise set the clock right (or check --at and --tolerance)", install, seen))
	}
	return withHint(exitNotInForce, fmt.Errorf("the license is %s", l.Status), "")
}
