package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/issuance"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type addUserJSON struct {
	Email string `json:"email"`
	Role  string `json:"role"`
	Login string `json:"login"`
}

func newServeAddUserCmd() *cobra.Command {
	var (
		led          ledgerFlags
		role, pwFile string
		asJSON       bool
	)
	cmd := &cobra.Command{
		Use:   "adduser --ledger DSN --role support|admin [--password-file FILE] EMAIL",
		Short: "Add a staff user of the support console",
		Long: fmt.Sprintf(`Add a staff user of the portal's support console (/console/), with a role:
support searches licenses and acts on them (resend, replace, revoke, move,
void, reset codes, revocation lists); admin also manages staff users and
the shop API's tokens. The password comes from the first line of
--password-file, or is asked for twice on the terminal; the ledger keeps
its argon2id hash. At the first log-in, at /console/login, within %d hours,
the user sets up an authenticator app (TOTP); every log-in then needs its
code. Whoever logs in first with the password enrols: hand it over in
person.

Admins add and remove staff users in the console too; this command makes
the first admin. Adding a removed user again restores them with the new role
and password, and a new authenticator to set up (as when a TOTP secret
leaked).`, int(portal.StaffEnrolLifetime.Hours())),
		Example: `  licmint serve adduser --ledger licenses.db --role admin ada@vendor.example
  licmint serve adduser --ledger licenses.db --role support --password-file pw.txt --json sam@vendor.example`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !portaldb.ValidRole(role) {
				return usageError("--role %q: want support or admin", role)
			}
			password, err := staffPassword(cmd, pwFile)
			if err != nil {
				return err
			}
			l, err := commandLedger(cmd, led.dsn, ledgerExisting)
			if err != nil {
				return err
			}
			defer closeLedger(cmd, l)
			email := strings.ToLower(strings.TrimSpace(args[0]))
			err = portal.AddStaff(cmd.Context(), l, email, role, password)
			var ie *portal.InputError
			switch {
			case errors.As(err, &ie) && ie.Field == "email":
				return usageError("%q: %s", args[0], ie.Msg)
			case errors.As(err, &ie):
				return withHint(exitInvalid, fmt.Errorf("the password: %s", ie.Msg), "")
			case issuance.KindOf(err) == issuance.KindStaffExists:
				return ledgerError(fmt.Errorf("%s: %w", email, err), nil)
			case err != nil:
				return ledgerError(err, func(err error) error { return err })
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return printJSON(w, addUserJSON{Email: email, Role: role, Login: "/console/login"})
			}
			fmt.Fprintf(w, "Staff user %s (%s) added. They log in at /console/login and set up their authenticator there, within %d hours.\n",
				email, role, int(portal.StaffEnrolLifetime.Hours()))
			return nil
		},
	}
	led.registerWriting(cmd)
	fl := cmd.Flags()
	fl.StringVar(&role, "role", "", "the user's role: `support` or admin")
	fl.StringVar(&pwFile, "password-file", "", "read the password from the first line of `FILE` (default: ask on the terminal)")
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

// staffPassword reads the new user's password from a file's first line,
// or twice from the terminal.
func staffPassword(cmd *cobra.Command, file string) (string, error) {
	if file != "" {
		b, err := readLimited(file, passphraseInput)
		defer clear(b)
		if err != nil {
			return "", fileError("--password-file", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return strings.TrimSuffix(line, "\r"), nil
	}
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return "", usageError("no password: give --password-file FILE, or run this on a terminal to be asked")
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(cmd.ErrOrStderr(), prompt)
		b, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", withHint(exitError, fmt.Errorf("reading the password: %w", err), "")
		}
		return string(b), nil
	}
	p, err := ask("Password for the new staff user: ")
	if err != nil {
		return "", err
	}
	again, err := ask("Same password again: ")
	if err != nil {
		return "", err
	}
	if again != p {
		return "", withHint(exitInvalid, errors.New("the two passwords differ"), "run the command again")
	}
	return p, nil
}
