package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/formats/renewal"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/verifier/renewseal"
	"github.com/spf13/cobra"
)

// reissueJSON is the --json record of renew and replace: the new code, and
// what it replaced.
type reissueJSON struct {
	activationJSON
	PreviousExpires    string `json:"previous_expires,omitempty"`
	PreviousGeneration *int   `json:"previous_generation,omitempty"`
	RevokeEntry        string `json:"revoke_entry,omitempty"`
	JWT                string `json:"jwt,omitempty"`
}

// lifecycleFlags are what renew and replace share: the key, the old keys
// whose codes they accept, the catalog, the install id and --json.
type lifecycleFlags struct {
	key, ring, catalogFile string
	secret                 secretFlags
	installID, issuer      string
	asJSON, jwt            bool
	ledger                 ledgerFlags
}

func (f *lifecycleFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.key, "key", "", keyFlagUsage)
	f.secret.register(cmd)
	fl.StringVar(&f.ring, "keyring", "", "also accept codes signed by these public keys, `FILE` (old keys after a rotation; PEM or JWK Set)")
	fl.StringVar(&f.installID, "install-id", "", "the install `ID` an install-bound code is bound to")
	jsonFlagVar(cmd, &f.asJSON)
	fl.BoolVar(&f.jwt, "jwt", false, "also make the new code's JWT license token (with --ledger, a license whose code had one gets one anyway)")
	fl.StringVar(&f.issuer, "issuer", signer.DefaultIssuer, "JWT iss claim: who issued the license")
	f.ledger.registerWriting(cmd)
}

// signer opens the key and the trusted keyring. The keyring is read
// first, so that a bad file costs no passphrase.
func (f *lifecycleFlags) signer(cmd *cobra.Command) (*signer.Signer, error) {
	opts := []signer.Option{}
	if f.ring != "" {
		data, err := readLimited(f.ring, publicKeyInput)
		if err != nil {
			return nil, fileError("--keyring", err)
		}
		r, err := keyring.Parse(data)
		if err != nil {
			return nil, keyError(fmt.Errorf("--keyring %s: %w", f.ring, err), "give public key files NAME.pub.pem or a keyring from 'licmint pubkey'")
		}
		opts = append(opts, signer.WithTrustedKeys(r))
	}
	cat, err := loadCatalog(f.catalogFile)
	if err != nil {
		return nil, err
	}
	key, err := f.secret.loadKey(cmd, f.key)
	if err != nil {
		return nil, err
	}
	s, err := signer.New(key, append(opts, signer.WithCatalog(cat), signer.WithIssuer(f.issuer), signer.WithNow(now))...)
	if err != nil {
		return nil, keyError(err, "the keyring must not hold another key under the signing key's id")
	}
	return s, nil
}

// printReissued prints a renewed or replaced code, and its token on the
// next line if one was made.
func printReissued(w io.Writer, is *issuance.Issued) error {
	if _, err := fmt.Fprintln(w, is.Code); err != nil || is.JWT == "" {
		return err
	}
	_, err := fmt.Fprintln(w, is.JWT)
	return err
}

// lifecycleError gives a code that renew or replace refused its exit
// status and a hint, naming the flag at fault; codeFrom says where the
// code came from (--code, --request FILE or CODE).
func lifecycleError(err error, codeFrom string) *cliError {
	var fe *signer.FieldError
	if errors.As(err, &fe) {
		flag := map[string]string{"code": codeFrom, "install_id": "--install-id", "days": "--days", "issued": "--issued"}[fe.Field]
		if flag == "" {
			flag = fe.Field
		}
		fe.Field = "" // the message names the flag instead
		err = fmt.Errorf("%s: %w", flag, fe)
	}
	hint := ""
	switch {
	case errors.Is(err, signer.ErrUnknownKey):
		hint = "to accept codes of a retired key, give its public key: --keyring FILE (NAME.pub.pem, or a keyring from 'licmint pubkey')"
	case errors.Is(err, signer.ErrNotAuthentic):
		hint = "check that the code is complete and unchanged, and for an install-bound code its --install-id; nothing was signed"
	case errors.Is(err, signer.ErrInstallIDRequired):
		hint = "give --install-id ID, the install id the code was issued for"
	case errors.Is(err, formats.ErrUnsigned):
		hint = fmt.Sprintf("give the whole %d-character signed code", formats.SignedLen)
	case errors.Is(err, signer.ErrNotReplaceable):
		hint = "issue a new Registration Key with 'licmint rk new' and sign it"
	case errors.Is(err, catalog.ErrUnknownProduct):
		hint = "give the vendor catalog that has the product: --catalog FILE"
	case errors.Is(err, signer.ErrPerpetualToken):
		hint = "leave out --jwt: a perpetual license has no JWT form"
	}
	return &cliError{code: exitInvalid, err: err, hint: hint}
}

type renewFlags struct {
	lifecycleFlags
	renewalKey      string
	request, code   string
	requestIdentity []string
	days            int
	issued          string
}

func newRenewCmd() *cobra.Command {
	var f renewFlags
	cmd := &cobra.Command{
		Use:   "renew --key FILE (--request FILE | --code AC) [--days N]",
		Short: "Renew an Activation Code: same license, later expiry",
		Long: `Renew a customer's Activation Code, as for an offline install at the end of a
maintenance period: the new code is the same license (product, edition,
serial, generation, install binding), issued today (or --issued) and signed
with --key, and it expires --days after the OLD code's expiry (default: the
catalog's maintenance term), counted from the old expiry even if it has
passed, so that maintenance has no gaps. A code that lapsed longer ago than
the term is refused with the term that reaches past today.

The code comes from a renewal request (--request FILE, made by the product
with 'licmint request', plain or sealed with age to the vendor) or from
--code. A sealed request is opened with the --identity files that open the
key, or with --request-identity. An install-bound code needs its install id,
which the request carries; with --code give --install-id.

Only authentic codes are renewed: the old code must verify against the
signing key or a public key in --keyring (the retired keys of a rotation).
Trial codes are not renewed (the customer buys a full key), nor perpetual
ones. Prints the new code, or with --json a record including
previous_expires. Exits 3 when the code is refused.`,
		Example: `  licmint renew --key keys/vendor.key.age --request renewal.txt
  licmint renew --key keys/vendor.key.age --identity vendor-id.txt --request renewal.age --json
  licmint renew --key keys/vendor-2027.key.age --keyring keys/vendor.pub.pem --code PC-2081-... --days 730`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (f.request == "") == (f.code == "") {
				return usageError("give --request FILE or --code AC: the code to renew")
			}
			r := signer.Renewal{}
			if cmd.Flags().Changed("days") {
				if f.days < 1 || f.days > catalog.MaxTermDays {
					return usageError("--days %d: want 1 to %d", f.days, catalog.MaxTermDays)
				}
				r.Days = f.days
			}
			var err error
			if r.Issued, err = dayFlag("issued", f.issued); err != nil {
				return err
			}
			if cmd.Flags().Changed("install-id") && f.installID == "" {
				return usageError("--install-id is empty; leave it out for a code that is not bound to an install")
			}
			code, installID, codeFrom, err := f.current(cmd)
			if err != nil {
				return err
			}
			r.InstallID = installID
			// What the code alone rules out is said before the key is opened.
			if err := signer.CheckRenewable(code); err != nil {
				ce := lifecycleError(err, codeFrom)
				if code.Trial {
					ce.hint = "sign the customer's full Registration Key with 'licmint sign'"
				}
				return ce
			}
			if code.Bound && installID == "" {
				if f.request != "" {
					return withHint(exitInvalid, fmt.Errorf("--request %s: the code is bound to an install, but the request has no install-id line", f.request),
						"ask the customer for a new request made with 'licmint request --install-id', or give --install-id")
				}
				return usageError("the code is bound to an install: give its --install-id")
			}
			var key *formats.RegistrationKey
			if f.renewalKey != "" {
				k, err := formats.ParseRegistrationKey(f.renewalKey)
				if err != nil {
					return invalid(fmt.Errorf("--renewal-key: %w", err))
				}
				key = &k
			}
			l, err := commandLedger(cmd, f.ledger.dsn, ledgerRecord)
			if err != nil {
				return err
			}
			if l != nil {
				defer closeLedger(cmd, l)
			} else if key != nil {
				return usageError("--renewal-key is checked against the ledger: give --ledger DSN")
			}
			s, err := f.signer(cmd)
			if err != nil {
				return err
			}
			is, err := service(s, l).Renew(cmd.Context(), &issuance.Renewal{Code: code, Renewal: r, Key: key, Token: f.jwt})
			if err != nil {
				return ledgerError(err, func(err error) error { return lifecycleError(err, codeFrom) })
			}
			renewed := is.Code
			if is.Existing {
				fmt.Fprintf(cmd.ErrOrStderr(), "licmint: this code was renewed already; this is the renewal on record (renew the current code, or give --renewal-key, to extend it again)\n")
			}
			w := cmd.OutOrStdout()
			if !f.asJSON {
				return printReissued(w, &is)
			}
			rec := reissueJSON{activationJSON: newActivationJSON(&renewed, s.Catalog()), JWT: is.JWT}
			rec.PreviousExpires = code.Expires.String()
			if is.License != nil && renewed.Expires-formats.Day(max(r.Days, 0)) != code.Expires {
				// The ledger renewed a newer code of the license than the one given.
				rec.PreviousExpires = ""
			}
			return printJSON(w, rec)
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.request, "request", "", "renewal request `FILE` from 'licmint request', plain or sealed (- for standard input)")
	fl.StringVar(&f.code, "code", "", "the current signed Activation Code, instead of a request")
	fl.StringArrayVar(&f.requestIdentity, "request-identity", nil, "age identity `FILE` that opens a sealed request (repeatable; --identity files are tried too)")
	fl.IntVar(&f.days, "days", 0, "extend the old expiry by `N` days (default: the catalog's maintenance term)")
	fl.StringVar(&f.issued, "issued", "", "issue day of the new code, YYYY-MM-DD (default today, UTC)")
	fl.StringVar(&f.catalogFile, "catalog", "", "product catalog JSON `FILE` (default: the built-in catalog, product PC)")
	fl.StringVar(&f.renewalKey, "renewal-key", "", "with --ledger: the renewal Registration `KEY` the customer bought, used up by this renewal; its term applies unless --days")
	return cmd
}

// current reads the code to renew and its install id from --code or
// --request, and says which for error messages.
func (f *renewFlags) current(cmd *cobra.Command) (code formats.ActivationCode, installID, from string, err error) {
	if f.code != "" {
		from = "--code"
		if err := codeFlagNotFile("--code", f.code); err != nil {
			return code, "", from, err
		}
		code, err = formats.ParseSigned(f.code, formats.Product{})
		if err != nil {
			return code, "", from, invalid(fmt.Errorf("--code: %w", err))
		}
		return code, f.installID, from, nil
	}
	from = "--request " + f.request
	data, err := readStdinOr(cmd, f.request, requestInput)
	if err != nil {
		return code, "", from, fileError("--request", err)
	}
	ids, err := readIdentities("--request-identity", f.requestIdentity)
	if err != nil {
		return code, "", from, err
	}
	more, err := readIdentities("--identity", f.secret.identities)
	if err != nil {
		return code, "", from, err
	}
	req, err := renewseal.Open(data, append(ids, more...)...)
	switch {
	case errors.Is(err, renewal.ErrMalformed) || errors.Is(err, formats.ErrMalformed) || errors.Is(err, formats.ErrTypo):
		return code, "", from, withHint(exitInvalid, fmt.Errorf("%s: %w", from, err), "ask the customer to send the request again, unchanged")
	case err != nil:
		return code, "", from, keyError(fmt.Errorf("%s: %w", from, err), "a sealed request opens with the vendor's age identity: give --request-identity FILE")
	}
	installID = req.InstallID
	if f.installID != "" && installID != "" && f.installID != installID {
		return code, "", from, usageError("--install-id %q differs from the request's install id %q", f.installID, installID)
	}
	if installID == "" {
		installID = f.installID
	}
	return req.Code, installID, from, nil
}
