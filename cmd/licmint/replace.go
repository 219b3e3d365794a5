package main

import (
	"fmt"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/signer"
	"github.com/spf13/cobra"
)

type replaceFlags struct {
	lifecycleFlags
	revokeOld bool
	reason    string
}

func newReplaceCmd() *cobra.Command {
	var f replaceFlags
	cmd := &cobra.Command{
		Use:   "replace --key FILE [--install-id ID] CODE | -",
		Short: "Replace a stolen Activation Code with the next generation",
		Long: `Issue the replacement of a stolen or leaked Activation Code to its rightful
licensee: the same license, with the same issue and expiry days, one
generation higher and signed with --key. A product that has seen the
replacement reports the old code as superseded; to revoke the old code on
every product, add the serial with the new generation (S:G, printed on
standard error) to the next revocation list ('licmint revoke').

Only authentic codes are replaced: the code must verify against the signing
key or a public key in --keyring (the retired keys of a rotation). An
install-bound code needs its --install-id; the replacement is bound to the
same install. The code may be given as several arguments (as pasted with
spaces) or as - to read it from standard input. Exits 3 when the code is
refused.`,
		Example: `  licmint replace --key keys/vendor.key.age PC-2081-0017D-0PHSS-...-PNAB
  licmint replace --key keys/vendor.key.age --install-id host-7f3a --json - < stolen.txt`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			input, err := readCodeInput(cmd, args)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("install-id") && f.installID == "" {
				return usageError("--install-id is empty; leave it out for a code that is not bound to an install")
			}
			code, err := formats.ParseSigned(input, formats.Product{})
			if err != nil {
				return invalid(err)
			}
			// What the code alone rules out is said before the key is opened.
			if err := signer.CheckReplaceable(code); err != nil {
				return lifecycleError(err, "CODE")
			}
			if code.Bound && f.installID == "" {
				return usageError("the code is bound to an install: give its --install-id")
			}
			l, err := commandLedger(cmd, f.ledger.dsn, ledgerRecord)
			if err != nil {
				return err
			}
			if l != nil {
				defer closeLedger(cmd, l)
			} else if f.revokeOld {
				return usageError("--revoke-old records the revocation in the ledger: give --ledger DSN, or revoke with 'licmint revoke --serial S:G'")
			}
			s, err := f.signer(cmd)
			if err != nil {
				return err
			}
			is, err := service(s, l).Replace(cmd.Context(), &issuance.Replacement{Code: &code, InstallID: f.installID, RevokeOld: f.revokeOld, Reason: f.reason, Token: f.jwt})
			if err != nil {
				return ledgerError(err, func(err error) error { return lifecycleError(err, "CODE") })
			}
			repl := is.Code
			entry := fmt.Sprintf("%s:%d", repl.Serial, repl.Generation)
			// The revoke command suggested is one that runs: the key and ledger
			// this command was given, and an --out to write the list to.
			revoke := "licmint revoke --key " + shellQuote(f.key)
			for _, id := range f.secret.identities {
				revoke += " --identity " + shellQuote(id)
			}
			if f.secret.passphraseFile != "" {
				revoke += " --passphrase-file " + shellQuote(f.secret.passphraseFile)
			}
			if f.secret.pub != "" {
				revoke += " --pub " + shellQuote(f.secret.pub)
			}
			if cmd.Flags().Changed("ledger") {
				revoke += " --ledger " + shellQuote(f.ledger.dsn)
			}
			switch {
			case f.revokeOld:
				fmt.Fprintf(cmd.ErrOrStderr(), "licmint: note: the earlier generations are revoked in the ledger; '%s --out revoked.lmrl' puts them on the next list\n", revoke)
			case l != nil:
				fmt.Fprintf(cmd.ErrOrStderr(), "licmint: note: to revoke the old code, give --revoke-old, or record it with '%s --serial %s --out revoked.lmrl'\n", revoke, entry)
			default:
				fmt.Fprintf(cmd.ErrOrStderr(), "licmint: note: add serial %s to the next revocation list to revoke the old code (licmint revoke --serial %s ...)\n", entry, entry)
			}
			w := cmd.OutOrStdout()
			if !f.asJSON {
				return printReissued(w, &is)
			}
			rec := reissueJSON{activationJSON: newActivationJSON(&repl, s.Catalog()), JWT: is.JWT}
			prev := int(repl.Generation) - 1
			rec.PreviousGeneration, rec.RevokeEntry = &prev, entry
			return printJSON(w, rec)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&f.catalogFile, "catalog", "", "product catalog JSON `FILE` (default: the built-in catalog)")
	cmd.Flags().BoolVar(&f.revokeOld, "revoke-old", false, "with --ledger: also revoke the earlier generations on the next list ('licmint revoke --ledger')")
	cmd.Flags().StringVar(&f.reason, "reason", "stolen", "with --ledger: why, recorded with the replacement")
	return cmd
}

// shellQuote quotes s for a POSIX shell where it holds anything but
// letters, digits and the punctuation of paths, so that a command line
// suggested in a message can be pasted as it is.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@+,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
