package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
	"github.com/spf13/cobra"
)

// resetCodeJSON is the --json record of reset-code.
type resetCodeJSON struct {
	ResetCode  string `json:"reset_code"`
	Product    string `json:"product"`
	InstallID  string `json:"install_id"`
	Remembered string `json:"remembered"`
	Issued     string `json:"issued"`
	KeyID      int    `json:"key_id"`
}

type resetCodeFlags struct {
	key                string
	secret             secretFlags
	installID, product string
	remembered, issued string
	asJSON             bool
}

func newResetCodeCmd() *cobra.Command {
	var f resetCodeFlags
	cmd := &cobra.Command{
		Use:   "reset-code --key FILE --install-id ID --remembered YYYY-MM-DD",
		Short: "Issue a reset code that clears one install's clock_rollback lock",
		Long: `Issue a reset code (FORMAT.md section 16): a signed code that lets one
install clear the time its verifier state remembers, once. A product whose
clock was once set far ahead reports every later, correct day as
clock_rollback and names the day it remembers; if the customer's clock is
right now, send them a reset code for their install id and that day, which
the product accepts ('licmint verify --reset-code CODE' does the same).

The code is bound to --install-id and --product (default PC), and clears a
lock at the --remembered day only. It is issued today (or --issued), and
the remembered day must be after that: an install that remembers a day no
later than the true date needs its clock set right, not a reset. Each code
carries a random nonce, so a second code for the same install and day
differs from the first, and each is accepted once.

The code is printed on standard output, or with --json a record.`,
		Example: `  licmint reset-code --key keys/vendor.key.age --install-id host-7f3a9c0e --remembered 2036-11-29
  licmint reset-code --key keys/vendor.key.age --product PD --install-id "$ID" --remembered 2036-11-29 --json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case f.key == "":
				return usageError("--key FILE is required: the signing key")
			case !cmd.Flags().Changed("install-id"):
				return usageError("--install-id ID is required: the install the code is for, as the product reports it")
			case f.remembered == "":
				return usageError("--remembered YYYY-MM-DD is required: the day the product remembers")
			}
			product, err := formats.ParseProduct(f.product)
			if err != nil {
				return usageError("--product: %v", err)
			}
			if err := formats.CheckInstallID(f.installID); err != nil {
				return usageError("--install-id: %v", err)
			}
			remembered, err := formats.ParseDay(f.remembered)
			if err != nil {
				return usageError("--remembered: %v", err)
			}
			clock := now
			if f.issued != "" {
				d, err := formats.ParseDay(f.issued)
				if err != nil {
					return usageError("--issued: %v", err)
				}
				clock = func() time.Time { return d.Time() }
			}
			issued, err := formats.DayOf(clock())
			if err != nil {
				return usageError("the issue day: %v", err)
			}
			// What the request alone rules out is said before the key is opened.
			if err := signer.CheckResetCode(product, f.installID, remembered, issued); err != nil {
				return resetCodeError(err)
			}
			key, err := f.secret.loadKey(cmd, f.key)
			if err != nil {
				return err
			}
			s, err := signer.New(key, signer.WithNow(clock))
			if err != nil {
				return err
			}
			c, err := s.ResetCode(product, f.installID, remembered)
			if err != nil {
				return resetCodeError(err)
			}
			// Read back as a product will, so that a code that would be refused is
			// never sent.
			text := c.String()
			back, err := formats.ParseResetCode(text, product)
			if err != nil || back != c {
				return fmt.Errorf("the reset code does not read back: %v", err)
			}
			msg, err := back.AppendMessage(nil, f.installID)
			if err != nil || !ed25519.Verify(key.Public().Public, msg, back.Signature[:]) {
				return fmt.Errorf("the reset code does not verify with the signing key's public key")
			}
			w := cmd.OutOrStdout()
			if !f.asJSON {
				_, err := fmt.Fprintln(w, text)
				return err
			}
			return printJSON(w, resetCodeJSON{
				ResetCode: text, Product: c.Product.String(), InstallID: f.installID,
				Remembered: c.Remembered.String(), Issued: c.Issued.String(), KeyID: int(c.KeyID),
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.key, "key", "", keyFlagUsage)
	f.secret.register(cmd)
	fl.StringVar(&f.installID, "install-id", "", "the install `ID` the product reports, exactly")
	fl.StringVar(&f.remembered, "remembered", "", "the day the product remembers, `YYYY-MM-DD`, as its clock_rollback message names it")
	fl.StringVar(&f.product, "product", "PC", "product `CODE` the install runs")
	fl.StringVar(&f.issued, "issued", "", "issue day, `YYYY-MM-DD` (default today, UTC)")
	jsonFlagVar(cmd, &f.asJSON)
	return cmd
}

// resetCodeError names the flag a refused request is about, as exit 3.
func resetCodeError(err error) error {
	hint := ""
	var fe *signer.FieldError
	if errors.As(err, &fe) {
		if fe.Field == "remembered" {
			hint = "give the day the product's clock_rollback message names; if it is not after today, the customer's clock needs setting right instead"
		}
		flag := map[string]string{"install_id": "--install-id", "remembered": "--remembered", "issued": "--issued", "product": "--product"}[fe.Field]
		fe.Field = "" // the message names the flag instead
		err = fmt.Errorf("%s: %w", flag, fe)
	}
	return withHint(exitInvalid, err, hint)
}
