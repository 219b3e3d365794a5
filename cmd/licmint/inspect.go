package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/licmint/licmint/formats"
	"github.com/spf13/cobra"
)

// inspectJSON is the --json record of inspect, printed also when the input
// cannot be decoded.
type inspectJSON struct {
	Kind string `json:"kind"`           // "activation code" or "registration key"
	Form string `json:"form,omitempty"` // a code's: short or signed
	// RK is a Registration Key's canonical form; its product, trial and
	// serial are a code's members of the same names.
	RK string `json:"rk,omitempty"`
	activationJSON
	Version       int    `json:"version,omitempty"`
	SignatureHex  string `json:"signature_hex,omitempty"`
	Authenticated bool   `json:"authenticated"`
	ErrorKind     string `json:"error_kind,omitempty"`
	// Position locates a typo, as in verify's record and the error member.
	Position *positionJSON `json:"position,omitempty"`

	// Error is the failure, with --json, when the code cannot be decoded.
	Error *errorJSON `json:"error,omitempty"`
}

func (r *inspectJSON) setError(e *errorJSON) { r.Error = e }

func newInspectCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect [--json] CODE | -",
		Short: "Decode an Activation Code or Registration Key without trusting it",
		Long: `Decode an Activation Code, short or signed form, and show its fields: product,
edition, trial, install binding, generation, serial, dates. The signature is
NOT checked: use 'licmint verify' for that. A Registration Key is shown too.

The code may be given as several arguments (as pasted with spaces) or as -
to read it from standard input, wrapped over lines as e-mail does. Exits 3
when it cannot be decoded; the error names the group and character. --json
prints the record, with an error member when the code cannot be decoded.`,
		Example: `  licmint inspect PC-2081-0017D-0PHSS-4MQ4G-VDJ0W-DYQEG
  licmint inspect --json - < code.txt`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			input, err := readCodeInput(cmd, args)
			if err != nil {
				return err
			}
			rec, err := inspect(input)
			switch {
			case err != nil:
				return withRecord(invalid(err), &rec)
			case asJSON:
				return printJSON(cmd.OutOrStdout(), rec)
			}
			printInspect(cmd.OutOrStdout(), rec)
			return nil
		},
	}
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

func inspect(input string) (inspectJSON, error) {
	c, err := formats.ParseActivationCode(input)
	if err != nil {
		// A Registration Key is a fair thing to paste here too.
		if k, rkErr := formats.ParseRegistrationKey(input); rkErr == nil {
			rec := inspectJSON{Kind: "registration key", RK: k.String()}
			rec.Product, rec.Trial, rec.Serial = k.Product.String(), k.Trial, k.Serial.String()
			return rec, nil
		}
		return inspectJSON{Kind: "activation code", ErrorKind: errorKind(err), Position: positionOf(err)}, err
	}
	// No catalog: what the code says, not what a vendor calls it.
	rec := inspectJSON{Kind: "activation code", Form: "short", activationJSON: newActivationJSON(&c, nil), Version: int(c.Version)}
	if c.Signed {
		rec.Form = "signed"
		rec.SignatureHex = fmt.Sprintf("%x", c.Signature)
	}
	return rec, nil
}

func printInspect(w io.Writer, r inspectJSON) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	fmt.Fprintf(tw, "kind\t%s\n", r.Kind)
	if r.RK != "" {
		fmt.Fprintf(tw, "code\t%s\n", r.RK)
	} else {
		fmt.Fprintf(tw, "code\t%s\n", r.ActivationCode)
	}
	fmt.Fprintf(tw, "product\t%s\n", r.Product)
	fmt.Fprintf(tw, "trial\t%s\n", yes(r.Trial))
	fmt.Fprintf(tw, "serial\t%s\n", r.Serial)
	if r.Kind == "activation code" {
		fmt.Fprintf(tw, "form\t%s\n", r.Form)
		fmt.Fprintf(tw, "short form\t%s\n", r.ShortForm)
		fmt.Fprintf(tw, "format version\t%d\n", r.Version)
		fmt.Fprintf(tw, "key id\t%d\n", r.KeyID)
		fmt.Fprintf(tw, "edition\t%d\n", r.EditionNumber)
		fmt.Fprintf(tw, "install-bound\t%s\n", yes(r.InstallBound))
		fmt.Fprintf(tw, "generation\t%d\n", r.Generation)
		fmt.Fprintf(tw, "issued\t%s\n", r.Issued)
		fmt.Fprintf(tw, "expires\t%s\n", r.Expires)
		sig := "none (short form)"
		if r.Form == "signed" {
			sig = "present, NOT verified (use licmint verify)"
		}
		fmt.Fprintf(tw, "signature\t%s\n", sig)
	}
	tw.Flush()
}
