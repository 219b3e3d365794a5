package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/licmint/licmint/internal/portal"
	"github.com/licmint/licmint/internal/portaldb"
	"github.com/licmint/licmint/issuance"
	"github.com/spf13/cobra"
)

func newServeTokenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage the shop API's bearer tokens",
		Long: `Manage the bearer tokens of the portal's shop API (/api/v1/, described at
/api/openapi.json). A token has one scope: mint (POST /api/v1/registration-keys),
read (GET /api/v1/licenses…) or revoke (POST /api/v1/licenses/{license}/revoke).
The ledger keeps only a token's SHA-256: the token is printed once, when it is
created, and cannot be shown again. Creating and revoking tokens are events in
the ledger.`,
		Example: `  licmint serve token create --ledger licenses.db --scope mint --name shop
  licmint serve token list --ledger licenses.db
  licmint serve token revoke --ledger licenses.db 3`,
	}
	return group(cmd, newServeTokenCreateCmd(), newServeTokenListCmd(), newServeTokenRevokeCmd())
}

type tokenJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Scope     string `json:"scope"`
	Created   string `json:"created,omitempty"`
	CreatedBy string `json:"created_by,omitempty"`
	Revoked   string `json:"revoked,omitempty"`
	Token     string `json:"token,omitempty"`
}

func newServeTokenCreateCmd() *cobra.Command {
	var (
		led         ledgerFlags
		scope, name string
		asJSON      bool
	)
	cmd := &cobra.Command{
		Use:   "create --ledger DSN --scope mint|read|revoke [--name NAME]",
		Short: "Create a shop API token and print it once",
		Long: `Create a bearer token for the shop API with one scope, mint, read or revoke,
and print it, alone on standard output (TOKEN=$(licmint serve token create …)
captures it). It is printed once: the ledger keeps only its hash. Give it to
the shop as the header Authorization: Bearer TOKEN, and revoke it with
'licmint serve token revoke' when it leaks or is no longer used.`,
		Example: `  licmint serve token create --ledger licenses.db --scope mint --name shop
  licmint serve token create --ledger licenses.db --scope read --json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !portaldb.ValidScope(scope) {
				return usageError("--scope %q: want mint, read or revoke", scope)
			}
			if !portaldb.ValidTokenName(name) {
				return usageError("--name: want at most %d printable bytes", portaldb.MaxTokenName)
			}
			l, err := commandLedger(cmd, led.dsn, ledgerExisting)
			if err != nil {
				return err
			}
			defer closeLedger(cmd, l)
			token, id, err := portal.CreateAPIToken(cmd.Context(), l, name, scope)
			if err != nil {
				return ledgerError(err, func(err error) error { return err })
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return printJSON(w, tokenJSON{ID: id, Name: name, Scope: scope, Token: token})
			}
			// The token alone on standard output, so that TOKEN=$(…)
			// captures it; the words go to standard error.
			fmt.Fprintf(cmd.ErrOrStderr(), "Token %d (scope %s) created. It is shown this once: keep it in the shop's secret store.\n", id, scope)
			fmt.Fprintln(w, token)
			return nil
		},
	}
	led.registerWriting(cmd)
	cmd.Flags().StringVar(&scope, "scope", "", "what the token may do: `mint`, read or revoke")
	cmd.Flags().StringVar(&name, "name", "", "a `NAME` to know the token by, such as shop")
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

func newServeTokenListCmd() *cobra.Command {
	var (
		led    ledgerFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list --ledger DSN",
		Short: "List the shop API tokens",
		Long: `List the shop API's tokens, oldest first, revoked ones too: id, name,
scope, when and by whom each was created, and when it was revoked. The
tokens themselves are not kept, so not shown.`,
		Example: `  licmint serve token list --ledger licenses.db
  licmint serve token list --ledger licenses.db --json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := commandLedger(cmd, led.dsn, ledgerRead)
			if err != nil {
				return err
			}
			defer l.Close()
			toks, err := portaldb.NewAPITokens(l).List(cmd.Context())
			if err != nil {
				return ledgerError(err, func(err error) error { return err })
			}
			recs := make([]tokenJSON, len(toks))
			for i, t := range toks {
				recs[i] = tokenJSON{ID: t.ID, Name: t.Name, Scope: t.Scope, Created: t.Created.UTC().Format(time.RFC3339), CreatedBy: t.CreatedBy}
				if !t.Revoked.IsZero() {
					recs[i].Revoked = t.Revoked.UTC().Format(time.RFC3339)
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return printJSON(w, recs)
			}
			if len(recs) == 0 {
				fmt.Fprintln(w, "There are no API tokens: 'licmint serve token create' makes one.")
				return nil
			}
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tSCOPE\tCREATED\tBY\tREVOKED")
			for _, r := range recs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Scope, r.Created, r.CreatedBy, r.Revoked)
			}
			return tw.Flush()
		},
	}
	led.register(cmd)
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

func newServeTokenRevokeCmd() *cobra.Command {
	var (
		led    ledgerFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "revoke --ledger DSN ID",
		Short: "Revoke a shop API token",
		Long: `Revoke the shop API token with the id that 'licmint serve token list'
shows. Every portal instance refuses it from its next request on.`,
		Example: `  licmint serve token revoke --ledger licenses.db 3`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return usageError("token id %q: want the number that 'licmint serve token list' shows", args[0])
			}
			l, err := commandLedger(cmd, led.dsn, ledgerExisting)
			if err != nil {
				return err
			}
			defer closeLedger(cmd, l)
			if err := portaldb.NewAPITokens(l).Revoke(cmd.Context(), id); issuance.KindOf(err) == issuance.KindNoAPIToken {
				return ledgerError(fmt.Errorf("token %d: %w", id, err), nil)
			} else if err != nil {
				return ledgerError(err, func(err error) error { return err })
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"id": id, "revoked": true})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Token %d is revoked.\n", id)
			return nil
		},
	}
	led.registerWriting(cmd)
	jsonFlagVar(cmd, &asJSON)
	return cmd
}
