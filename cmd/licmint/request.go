package main

import (
	"fmt"
	"io"

	"filippo.io/age"
	"github.com/licmint/licmint/verifier/renewseal"
	"github.com/spf13/cobra"
)

func newRequestCmd() *cobra.Command {
	var (
		code, installID, out, portal string
		to                           []string
		force, asJSON, showQR        bool
	)
	cmd := &cobra.Command{
		Use:   "request --code AC [--install-id ID] [--to age1...] [--out FILE] [--url PORTAL]",
		Short: "Make a renewal request for an offline install",
		Long: `Make the renewal request an offline customer sends to the vendor: a text block
holding the current Activation Code, the install id (for an install-bound
code) and the time. With --to it is encrypted with age to the vendor's
recipient, so that the install id reaches only the vendor. The vendor
answers with 'licmint renew --request FILE'.

The request is printed, or written to --out (never over an existing file
without --force). With --url, the link to the portal's renew page that
carries the request is printed instead (beside --out's file): opened on a
phone, as a QR code or a message, it fills the request in there. The
request is in the link's fragment (after #), which browsers never send to
the server. --qr draws the link as a QR code below it, for a phone to scan
from the terminal.`,
		Example: `  licmint request --code PC-2081-... > renewal.txt
  licmint request --code "$(cat code.txt)" --install-id host-7f3a --to age1... --out renewal.age
  licmint request --code PC-2081-... --url https://licenses.example.com --qr`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if code == "" {
				return usageError("--code is required")
			}
			if err := codeFlagNotFile("--code", code); err != nil {
				return err
			}
			req, err := renewseal.NewRequest(code, installID, now())
			if err != nil {
				return invalid(err)
			}
			if req.Code.Bound && installID == "" {
				return usageError("this code is bound to an install: give its --install-id")
			}
			var text []byte
			if len(to) > 0 {
				var recipients []age.Recipient
				for _, s := range to {
					rs, err := parseRecipient("--to", s)
					if err != nil {
						return err
					}
					recipients = append(recipients, rs...)
				}
				text, err = renewseal.Seal(req, recipients...)
			} else {
				text, err = req.MarshalText()
			}
			if err != nil {
				return err
			}
			if showQR && (portal == "" || asJSON) {
				return usageError("--qr draws the --url link in the terminal: give --url, without --json")
			}
			rec := requestJSON{Out: out, Encrypted: len(to) > 0}
			if portal != "" {
				if rec.URL, err = renewseal.RequestURL(portal, text); err != nil {
					return usageError("--url: %v", err)
				}
			}
			if out == "" {
				if asJSON {
					rec.Request = string(text)
					return printJSON(cmd.OutOrStdout(), rec)
				}
				if rec.URL != "" {
					return printLink(cmd.OutOrStdout(), rec.URL, showQR)
				}
				_, err = cmd.OutOrStdout().Write(text)
				return err
			}
			if err := writeFileAtomic(out, force, 0o644, func(f io.Writer) error {
				_, err := f.Write(text)
				return err
			}); err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rec)
			}
			if rec.URL != "" {
				return printLink(cmd.OutOrStdout(), rec.URL, showQR)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&code, "code", "", "the current signed Activation Code")
	f.StringVar(&installID, "install-id", "", "this install's id, for an install-bound code")
	f.StringArrayVar(&to, "to", nil, "encrypt to this age recipient (repeatable)")
	f.StringVar(&out, "out", "", "write the request to this file instead of standard output")
	f.BoolVar(&force, "force", false, "overwrite --out if it exists")
	f.StringVar(&portal, "url", "", "print the link to this portal's renew page that carries the request, such as https://licenses.example.com")
	f.BoolVar(&showQR, "qr", false, "draw the --url link as a QR code too")
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

// printLink prints the renewal link, and below it its QR code.
func printLink(w io.Writer, link string, qr bool) error {
	if _, err := fmt.Fprintln(w, link); err != nil || !qr {
		return err
	}
	return writeTermQR(w, link)
}

// requestJSON is the --json record of request: the request itself, or the
// file it was written to, and with --url the portal link carrying it.
type requestJSON struct {
	Request   string `json:"request,omitempty"`
	Out       string `json:"out,omitempty"`
	URL       string `json:"url,omitempty"`
	Encrypted bool   `json:"encrypted"`
}
