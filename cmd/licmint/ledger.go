package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// ledgerEnv names the ledger when --ledger is not given.
const ledgerEnv = "LICMINT_LEDGER"

const ledgerFlagHelp = "the issuance ledger: `DSN` sqlite:PATH, PATH.db (in a folder that exists) or postgres://… (default $" + ledgerEnv + ")"

// addLedgerFlag adds --ledger to a command that records to or reads from
// the ledger; its value falls back on LICMINT_LEDGER.
func addLedgerFlag(fl *pflag.FlagSet, dsn *string) {
	fl.StringVar(dsn, "ledger", "", ledgerFlagHelp)
}

// ledgerDSN returns the ledger the command was given, or "" for none:
// --ledger, or else $LICMINT_LEDGER; --ledger "" means none.
func ledgerDSN(cmd *cobra.Command, flag string) string {
	if cmd.Flags().Changed("ledger") {
		return flag
	}
	return os.Getenv(ledgerEnv)
}

// openLedger opens the ledger dsn names, for writing unless readOnly: a
// ledger that takes no writes fails here, before anything is signed.
func openLedger(ctx context.Context, dsn string, readOnly bool) (*ledger.Ledger, error) {
	kind, target, err := ledgerdb.ParseDSN(dsn)
	if err != nil {
		return nil, usageError("--ledger: %v", err)
	}
	initDSN := "DSN"
	if kind == "sqlite" {
		initDSN = shellQuote(dsn)
		if err := sqliteFolder(target); err != nil {
			return nil, err
		}
	}
	opts := []ledger.Option{ledger.WithNow(now)}
	if readOnly {
		opts = append(opts, ledger.ExistingOnly())
	}
	l, err := ledger.Open(ctx, dsn, opts...)
	if err != nil {
		hint := "check --ledger (or $" + ledgerEnv + "): the file or the database, and that you may write to it"
		switch issuance.KindOf(err) {
		case issuance.KindSchemaTooNew:
			hint = "a newer licmint has migrated this ledger; use that version"
		case issuance.KindNoLedger:
			hint = "check the name; 'licmint ledger init --ledger " + initDSN + "' creates a ledger"
		}
		return nil, &cliError{code: exitError, kind: kindLedger, err: err, hint: hint}
	}
	if !readOnly {
		if err := l.Ping(ctx); err != nil {
			l.Close()
			return nil, &cliError{code: exitError, kind: kindLedger, err: fmt.Errorf("ledger: %w", err),
				hint: "the ledger must take writes before licmint signs anything: check its file's permissions or the database role"}
		}
	}
	return l, nil
}

// sqliteFolder refuses an SQLite ledger whose folder does not exist,
// naming it, where SQLite would say only "unable to open database file".
// licmint makes the ledger's file but not its folder: a mistyped path
// must not leave folders behind.
func sqliteFolder(target string) error {
	name, _, _ := strings.Cut(strings.TrimPrefix(target, "file:"), "?")
	if name == "" || name == ":memory:" {
		return nil
	}
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		return &cliError{code: exitError, kind: kindLedger, err: fmt.Errorf("ledger %s is a folder, not a file", name),
			hint: "name the ledger's file, such as --ledger " + shellQuote(filepath.Join(name, "licenses.db"))}
	}
	dir := filepath.Dir(name)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &cliError{code: exitError, kind: kindLedger, err: fmt.Errorf("ledger %s: the folder %s does not exist", name, dir),
			hint: "licmint creates the ledger's file, not its folder: create it (mkdir -p " + shellQuote(dir) + ") or give another --ledger"}
	case err == nil && !fi.IsDir():
		return &cliError{code: exitError, kind: kindLedger, err: fmt.Errorf("ledger %s: %s is not a folder", name, dir), hint: "give another --ledger"}
	}
	return nil
}

// ledgerUse says what a command needs of its ledger.
type ledgerUse int

const (
	// ledgerRecord: a ledger is optional; one given is recorded to, so it
	// must take writes, and is created if new (the commands that sign).
	ledgerRecord ledgerUse = iota
	// ledgerRead: an existing ledger, read.
	ledgerRead
	// ledgerWrite: a ledger that takes writes, created if new.
	ledgerWrite
	// ledgerExisting: an existing ledger that takes writes: a mistyped
	// name must not create a new, empty ledger (for a token or a staff
	// user nobody serves).
	ledgerExisting
)

// commandLedger opens the ledger a command was given, with --ledger or
// else $LICMINT_LEDGER, as use says. It returns nil, nil when none was
// given and use is ledgerRecord. Every command opens its ledger here, and
// those that sign before they open the key, so that a ledger that cannot
// take writes fails before a passphrase is asked for or anything signed.
func commandLedger(cmd *cobra.Command, flag string, use ledgerUse) (*ledger.Ledger, error) {
	dsn := ledgerDSN(cmd, flag)
	if dsn == "" {
		if use == ledgerRecord {
			return nil, nil
		}
		return nil, usageError("%s needs a ledger: give --ledger DSN or set %s", cmd.CommandPath(), ledgerEnv)
	}
	l, err := openLedger(cmd.Context(), dsn, use == ledgerRead || use == ledgerExisting)
	if err == nil && use != ledgerRead {
		if err = writing(cmd, l, dsn); err != nil {
			l.Close()
			return nil, err
		}
	}
	if err != nil || use != ledgerExisting {
		return l, err
	}
	if err := l.Ping(cmd.Context()); err != nil {
		l.Close()
		return nil, ledgerError(err, func(err error) error { return err })
	}
	return l, nil
}

func newLedgerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ledger",
		Short: "Keep and query the issuance ledger",
		Long: `The issuance ledger records every Registration Key minted, every license and
code issued, and an append-only, hash-chained log of events (docs/ledger.md).
Give it with --ledger DSN or $` + ledgerEnv + `: sqlite:PATH or a path ending .db
for an SQLite file, postgres://… for PostgreSQL. Commands that sign (sign,
renew, replace, revoke) record to it when given one.`,
		Example: `  licmint ledger init --ledger licenses.db
  licmint ledger find --ledger licenses.db --rk PC-0314-1592-6535-8978
  licmint ledger expiring --ledger licenses.db --within 60 --csv
  licmint ledger verify --ledger postgres://licmint@db/licmint`,
	}
	return group(cmd, newLedgerInitCmd(), newLedgerHeadCmd(), newLedgerCheckpointCmd(), newLedgerVerifyCmd(), newLedgerFindCmd(), newLedgerExpiringCmd(), newLedgerExportCmd(), newLedgerImportCmd())
}

func newLedgerInitCmd() *cobra.Command {
	var dsn string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "init --ledger DSN",
		Short: "Create a ledger, or bring its schema up to date",
		Long: `Create the ledger's tables, or apply the migrations a newer licmint brings.
Every command that opens a ledger does this too; init only says so. An
older licmint refuses a ledger whose schema is newer than it knows.`,
		Example: `  licmint ledger init --ledger licenses.db
  licmint ledger init --ledger postgres://licmint@db.internal/licmint`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := commandLedger(cmd, dsn, ledgerWrite)
			if err != nil {
				return err
			}
			defer closeLedger(cmd, l)
			head, err := l.Head(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"store": l.Store(), "schema_version": ledger.SchemaVersion(), "events": head.Seq})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ledger ready: %s, schema version %d, %d events\n", l.Store(), ledger.SchemaVersion(), head.Seq)
			return nil
		},
	}
	addLedgerFlag(cmd.Flags(), &dsn)
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

type headJSON struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

func newLedgerHeadCmd() *cobra.Command {
	var dsn string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "head --ledger DSN",
		Short: "Print the newest signed checkpoint, to publish elsewhere",
		Long: `Print the newest checkpoint: the chain's head (the sequence number and hash of
an event) and the ledger's id, signed with the vendor's signing key or an
audit key (docs/ledger.md). Every command that writes to the ledger makes
one, and so does the portal each minute it records events.

Publish it somewhere the ledger's writers cannot change (a ticket, an email,
a git commit, a transparency log): --json prints a self-contained record.
'licmint ledger verify --head FILE' later checks that the chain still
extends it, which no rewrite or truncation of the ledger can fake, and
--pub checks its signature.`,
		Example: `  licmint ledger head --ledger licenses.db --json > heads/$(date +%F).json
  licmint ledger head --ledger licenses.db`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := commandLedger(cmd, dsn, ledgerRead)
			if err != nil {
				return err
			}
			defer l.Close()
			cp, err := l.LatestCheckpoint(cmd.Context())
			if errors.Is(err, ledger.ErrNoCheckpoint) {
				return withHint(exitError, err, "every command that writes to the ledger with a signing key or --audit-key makes one, and the portal does; or run 'licmint ledger checkpoint --audit-key FILE'")
			}
			if err != nil {
				return ledgerVerifyError(err, 0)
			}
			return printCheckpoint(cmd.OutOrStdout(), cp, asJSON)
		},
	}
	addLedgerFlag(cmd.Flags(), &dsn)
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

// verifyLedgerJSON is the --json record of ledger verify.
type verifyLedgerJSON struct {
	headJSON
	// Checkpoint is the newest, and Unanchored the events after it.
	Checkpoint        *ledger.Checkpoint `json:"checkpoint"`
	Unanchored        int64              `json:"unanchored_events"`
	SignaturesChecked bool               `json:"signatures_checked"`
	SavedHead         *ledger.Checkpoint `json:"saved_head,omitempty"`
}

func newLedgerVerifyCmd() *cobra.Command {
	var dsn, pub, headFile string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify --ledger DSN [--pub FILE] [--head FILE]",
		Short: "Recompute the event chain and name the first event that does not match",
		Long: `Recompute every event's hash from the first, check that each row agrees with
its body, that every recorded code is the one its event names, and that
every checkpoint signs the head the chain has there, and print the head
reached. An edited, deleted, inserted or reordered event is named; the exit
status is then 3.

Whoever can write to the database can also re-hash the whole chain after
an edit. --pub FILE (NAME.pub.pem of the signing or audit key; a keyring
for several) checks every checkpoint's signature too, so that such a
rewrite fails at the first checkpoint after the edit, which is named.
--head FILE, a record that 'licmint ledger head --json' printed earlier,
checks that the chain still extends that head: a rewrite that drops the
checkpoints, or a truncation, fails there.`,
		Example: `  licmint ledger verify --ledger licenses.db --pub keys/audit.pub.pem
  licmint ledger verify --ledger postgres://licmint@db/licmint --pub keys/audit.pub.pem --head heads/2027-03-01.json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			var opts []ledger.VerifyOption
			var rec verifyLedgerJSON
			if pub != "" {
				keys, err := (&verifyOptions{pub: pub}).trustedKeys()
				if err != nil {
					return err
				}
				for _, k := range keys {
					opts = append(opts, ledger.WithCheckpointKeys(k.Public))
				}
				rec.SignaturesChecked = true
			}
			if headFile != "" {
				data, err := readLimited(headFile, checkpointInput)
				if err != nil {
					return fileError("--head", err)
				}
				if rec.SavedHead, err = ledger.ParseCheckpoint(data); err != nil {
					return withHint(exitInvalid, fmt.Errorf("--head %s: %w", headFile, err), "give a record that 'licmint ledger head --json' printed, unchanged")
				}
				opts = append(opts, ledger.WithSavedHead(rec.SavedHead))
			}
			l, err := commandLedger(cmd, dsn, ledgerRead)
			if err != nil {
				return err
			}
			defer l.Close()
			h, err := l.Verify(cmd.Context(), opts...)
			if err != nil {
				return ledgerVerifyError(err, h.Seq)
			}
			rec.headJSON = headJSON{Seq: h.Seq, Hash: fmt.Sprintf("%x", h.Hash)}
			cp, err := l.LatestCheckpoint(cmd.Context())
			switch {
			case err == nil:
				rec.Checkpoint, rec.Unanchored = cp, h.Seq-cp.Head.Seq-1
			case errors.Is(err, ledger.ErrNoCheckpoint):
				rec.Unanchored = h.Seq
			default:
				return ledgerVerifyError(err, h.Seq)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rec)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "chain verifies: %d events, head %x\n", h.Seq, h.Hash)
			checked := "signatures checked with --pub"
			if !rec.SignaturesChecked {
				checked = "signatures not checked: give --pub FILE"
			}
			if cp != nil {
				fmt.Fprintf(w, "newest checkpoint: event %d, signing event %d at %s; %d events after it (%s)\n",
					cp.Head.Seq+1, cp.Head.Seq, cp.At.UTC().Format(time.RFC3339), rec.Unanchored, checked)
			} else {
				fmt.Fprintln(w, "no checkpoint: nothing anchors the chain; see 'licmint ledger checkpoint --help'")
			}
			if s := rec.SavedHead; s != nil {
				fmt.Fprintf(w, "the chain extends the saved head: event %d, %x\n", s.Head.Seq, s.Head.Hash)
			}
			return nil
		},
	}
	addLedgerFlag(cmd.Flags(), &dsn)
	cmd.Flags().StringVar(&pub, "pub", "", "check every checkpoint's signature with this public key `FILE` (NAME.pub.pem, or a keyring)")
	cmd.Flags().StringVar(&headFile, "head", "", "check that the chain extends this saved head `FILE` ('licmint ledger head --json')")
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

// revokedText words a license's revocation for the text output, or ""
// if it is not revoked.
func revokedText(r *issuance.LicenseRecord) string {
	switch {
	case !r.Revoked:
		return ""
	case r.RevokedBelow > 0:
		return fmt.Sprintf("generations below %d", r.RevokedBelow)
	}
	return "all generations"
}

type historyJSON struct {
	License *issuance.LicenseRecord `json:"license,omitempty"`
	Keys    []keyJSON               `json:"registration_keys"`
	Codes   []codeJSON              `json:"codes"`
	Events  []eventJSON             `json:"events"`
}

type keyJSON struct {
	Key      string `json:"registration_key"`
	State    string `json:"state"`
	Purpose  string `json:"purpose"`
	Edition  string `json:"edition"`
	Days     int    `json:"days,omitempty"`
	Order    string `json:"order,omitempty"`
	Customer string `json:"customer,omitempty"`
	MintedAt string `json:"minted_at"`
	MintedBy string `json:"minted_by"`
}

type codeJSON struct {
	Generation int    `json:"generation"`
	Issued     string `json:"issued"`
	Expires    string `json:"expires"`
	Code       string `json:"activation_code"`
	JWT        string `json:"jwt,omitempty"`
	Event      int64  `json:"event"`
}

// eventJSON is an event of a license's history: the shop API's members
// (seq, at, actor, kind), and the event's body.
type eventJSON struct {
	Seq   int64           `json:"seq"`
	At    string          `json:"at"`
	Actor string          `json:"actor"`
	Kind  string          `json:"kind"`
	Body  json.RawMessage `json:"body"`
}

func historyRecord(h *ledger.History) historyJSON {
	out := historyJSON{Keys: []keyJSON{}, Codes: []codeJSON{}, Events: []eventJSON{}}
	if h.License != nil {
		r := issuance.NewLicenseRecord(h.License, nil)
		out.License = &r
	}
	for _, k := range h.Keys {
		out.Keys = append(out.Keys, keyJSON{Key: k.Key.String(), State: k.State, Purpose: string(k.Purpose), Edition: k.Edition, Days: k.Days,
			Order: k.Order, Customer: k.Customer, MintedAt: k.MintedAt.Format("2006-01-02T15:04:05Z07:00"), MintedBy: k.MintedBy})
	}
	for _, c := range h.Codes {
		out.Codes = append(out.Codes, codeJSON{Generation: int(c.Generation), Issued: c.Issued.String(), Expires: c.Expires.String(), Code: c.Code, JWT: c.JWT, Event: c.Event})
	}
	for _, e := range h.Events {
		out.Events = append(out.Events, eventJSON{Seq: e.Seq, At: e.At.UTC().Format(time.RFC3339Nano), Actor: e.Actor, Kind: e.Kind, Body: e.Body})
	}
	return out
}

func newLedgerFindCmd() *cobra.Command {
	var (
		dsn                                string
		rk, serial, order, customer, owner string
		code                               string
		asJSON                             bool
	)
	cmd := &cobra.Command{
		Use:   "find --ledger DSN (--rk KEY | --serial [PC-]SERIAL | --order REF | --customer REF | --owner EMAIL | --code SHORT-FORM)",
		Short: "Show licenses and their whole history",
		Long: `Find licenses by the Registration Key that registered them, their serial
(with the product: PC-31415926535897, or --serial alone for PC), the shop's
order or customer reference, the portal account that owns them, or the
37-character short form of a code that customers quote, and show each one's
keys, every code issued (lost codes are retrieved here), and every event.`,
		Example: `  licmint ledger find --ledger licenses.db --rk PC-0314-1592-6535-8978
  licmint ledger find --ledger licenses.db --code PC-2082-0017D-0PHSS-4MQ4G-VDJ0F-K5E7B
  licmint ledger find --ledger licenses.db --order A-1001 --json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			var q ledger.Query
			n := 0
			for _, s := range []string{rk, serial, order, customer, owner, code} {
				if s != "" {
					n++
				}
			}
			if n != 1 {
				return usageError("give exactly one of --rk, --serial, --order, --customer, --owner and --code")
			}
			switch {
			case rk != "":
				k, err := formats.ParseRegistrationKey(rk)
				if err != nil {
					return invalid(fmt.Errorf("--rk: %w", err))
				}
				q.RK = &k
			case serial != "":
				p, s, err := parseProductSerial(serial)
				if err != nil {
					return usageError("--serial %q: %v", serial, err)
				}
				q.Product, q.Serial = p, s
			case code != "":
				if err := codeFlagNotFile("--code", code); err != nil {
					return err
				}
				c, err := formats.ParseActivationCode(code)
				if err != nil {
					return invalid(fmt.Errorf("--code: %w", err))
				}
				q.ShortForm = c.ShortForm()
			}
			q.Order, q.Customer, q.Owner = order, customer, owner
			l, err := commandLedger(cmd, dsn, ledgerRead)
			if err != nil {
				return err
			}
			defer l.Close()
			hs, err := l.Find(cmd.Context(), q)
			if issuance.KindOf(err) == issuance.KindNotMinted {
				// Not a refusal of something asked, as refusals words it.
				return withHint(exitInvalid, err, "the key was never minted into this ledger, nor imported")
			}
			if err != nil {
				return err
			}
			if len(hs) == 0 {
				return withHint(exitInvalid, errors.New("no license found"), "check the reference; 'licmint ledger find --help' lists what can be searched")
			}
			if asJSON {
				out := make([]historyJSON, 0, len(hs))
				for _, h := range hs {
					out = append(out, historyRecord(h))
				}
				return printJSON(cmd.OutOrStdout(), out)
			}
			printHistories(cmd.OutOrStdout(), hs)
			return nil
		},
	}
	fl := cmd.Flags()
	addLedgerFlag(fl, &dsn)
	fl.StringVar(&rk, "rk", "", "a Registration Key")
	fl.StringVar(&serial, "serial", "", "a license serial, 14 digits, optionally after the product: PC-31415926535897")
	fl.StringVar(&order, "order", "", "the shop's order reference")
	fl.StringVar(&customer, "customer", "", "the shop's customer reference")
	fl.StringVar(&owner, "owner", "", "the portal account (email) that owns the license")
	fl.StringVar(&code, "code", "", "an Activation Code or its 37-character short form")
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

// parseProductSerial reads PC-31415926535897, or a bare serial for PC.
func parseProductSerial(s string) (formats.Product, formats.Serial, error) {
	p := formats.MustProduct("PC")
	if i := strings.IndexByte(s, '-'); i >= 0 {
		var err error
		if p, err = formats.ParseProduct(s[:i]); err != nil {
			return p, 0, err
		}
		s = s[i+1:]
	}
	var serial formats.Serial
	if len(s) == 0 || len(s) > 14 {
		return p, 0, errors.New("want 1 to 14 digits")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return p, 0, fmt.Errorf("%q is not a digit", c)
		}
		serial = serial*10 + formats.Serial(c-'0')
	}
	return p, serial, nil
}

func printHistories(w io.Writer, hs []*ledger.History) {
	for i, h := range hs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		if l := h.License; l != nil {
			r := issuance.NewLicenseRecord(l, nil)
			fmt.Fprintf(tw, "license\t%s-%s\n", r.Product, r.Serial)
			fmt.Fprintf(tw, "edition\t%s%s\n", r.Edition, map[bool]string{true: " (trial)"}[r.Trial])
			fmt.Fprintf(tw, "generation\t%d\n", r.Generation)
			fmt.Fprintf(tw, "issued\t%s\n", r.Issued)
			fmt.Fprintf(tw, "expires\t%s\n", r.Expires)
			for _, kv := range [][2]string{{"install id", r.InstallID}, {"owner", r.Owner}, {"customer", r.Customer}, {"order", r.Order},
				{"revoked", strings.TrimSpace(revokedText(&r) + " " + r.RevokeReason)}, {"notified", r.NotifiedExpires}} {
				if kv[1] != "" {
					fmt.Fprintf(tw, "%s\t%s\n", kv[0], kv[1])
				}
			}
		}
		for _, k := range h.Keys {
			fmt.Fprintf(tw, "key\t%s %s %s, %s\n", k.Key, k.Purpose, k.Edition, k.State)
		}
		for _, c := range h.Codes {
			fmt.Fprintf(tw, "code\tgeneration %d, %s to %s (event %d)\n\t%s\n", c.Generation, c.Issued, c.Expires, c.Event, c.Code)
		}
		tw.Flush()
		for _, e := range h.Events {
			fmt.Fprintf(w, "event %d\t%s %s by %s\n", e.Seq, e.At.Format("2006-01-02 15:04:05Z"), e.Kind, e.Actor)
		}
	}
}

func newLedgerExpiringCmd() *cobra.Command {
	var (
		dsn          string
		within       int
		at           string
		asJSON       bool
		asCSV        bool
		markNotified bool
	)
	cmd := &cobra.Command{
		Use:   "expiring --ledger DSN [--within DAYS] [--json|--csv] [--mark-notified]",
		Short: "List licenses whose maintenance ends soon and whose owner was not told",
		Long: `List the licenses whose maintenance ends within --within days (60 by default,
the notice the portal gives with --notify-every), that are in force
and not trials, and whose owner has not been notified for this expiry.
--mark-notified records the notice for each license listed, once per term:
run it from cron after the notices are sent, and a rerun lists none of them
again. Two hosts marking at once record each notice once.`,
		Example: `  licmint ledger expiring --ledger licenses.db --within 60
  licmint ledger expiring --ledger licenses.db --csv --mark-notified > notices.csv`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON && asCSV {
				return usageError("give --json or --csv, not both")
			}
			if within < 0 || within > 3650 {
				return usageError("--within %d: want 0 to 3650 days", within)
			}
			today, err := formats.DayOf(now())
			if err != nil {
				return err
			}
			if at != "" {
				if today, err = formats.ParseDay(at); err != nil {
					return usageError("--at: %v", err)
				}
			}
			use := ledgerRead
			if markNotified {
				use = ledgerWrite
			}
			l, err := commandLedger(cmd, dsn, use)
			if err != nil {
				return err
			}
			defer closeLedger(cmd, l)
			lics, err := l.Expiring(cmd.Context(), today, within)
			if err != nil {
				return err
			}
			recs := make([]issuance.LicenseRecord, 0, len(lics))
			for _, lic := range lics {
				if markNotified {
					marked, err := l.MarkNotified(cmd.Context(), lic.Product, lic.Serial, lic.Expires, lic.Owner)
					if err != nil {
						return err
					}
					if !marked {
						continue // another host has just notified it
					}
					lic.NotifiedExpires = lic.Expires
				}
				recs = append(recs, issuance.NewLicenseRecord(lic, nil))
			}
			return printLicenses(cmd.OutOrStdout(), recs, asJSON, asCSV)
		},
	}
	fl := cmd.Flags()
	addLedgerFlag(fl, &dsn)
	fl.IntVar(&within, "within", 60, "days ahead")
	fl.StringVar(&at, "at", "", "count from this day, `YYYY-MM-DD` (default today, UTC)")
	jsonFlagVar(cmd, &asJSON)
	fl.BoolVar(&asCSV, "csv", false, "print CSV with a header row")
	fl.BoolVar(&markNotified, "mark-notified", false, "record a notice for each license listed")
	addAuditKeyFlag(cmd)
	return cmd
}

// licenseCSVHeader names the CSV columns of a license: the JSON record's
// fields, less license (the product and serial).
var licenseCSVHeader = []string{"product", "serial", "generation", "edition", "trial", "install_id", "key_id", "issued", "expires",
	"owner", "customer", "order", "revoked", "revoked_below", "revoke_reason", "notified_expires", "activation_code", "jwt"}

func licenseCSVRow(r *issuance.LicenseRecord) []string {
	return []string{r.Product, r.Serial, fmt.Sprint(r.Generation), r.Edition, fmt.Sprint(r.Trial), r.InstallID, fmt.Sprint(r.KeyID), r.Issued, r.Expires,
		r.Owner, r.Customer, r.Order, fmt.Sprint(r.Revoked), fmt.Sprint(r.RevokedBelow), r.RevokeReason, r.NotifiedExpires, r.ActivationCode, r.JWT}
}

func printLicenses(w io.Writer, recs []issuance.LicenseRecord, asJSON, asCSV bool) error {
	switch {
	case asJSON:
		return printJSON(w, recs)
	case asCSV:
		cw := csv.NewWriter(w)
		cw.Write(licenseCSVHeader)
		for i := range recs {
			cw.Write(licenseCSVRow(&recs[i]))
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "license\tedition\texpires\towner\tcustomer")
	for _, r := range recs {
		fmt.Fprintf(tw, "%s-%s\t%s\t%s\t%s\t%s\n", r.Product, r.Serial, r.Edition, r.Expires, r.Owner, r.Customer)
	}
	return tw.Flush()
}

func newLedgerExportCmd() *cobra.Command {
	var (
		dsn, format, out string
		force, asJSON    bool
	)
	cmd := &cobra.Command{
		Use:   "export --ledger DSN [--format csv|jsonl] [--out FILE]",
		Short: "Write every license with its current code, as CSV or JSON Lines",
		Long: `Write every license in the ledger with its current code and token, one per
row, as CSV (with a header row) or JSON Lines. The output holds bearer
credentials: keep it where the ledger is kept. With --out the file appears
only when complete, and an existing one is kept unless --force. --json
writes JSON Lines, as --format jsonl, and a failure as a JSON object.`,
		Example: `  licmint ledger export --ledger licenses.db --out licenses.csv
  licmint ledger export --ledger licenses.db --format jsonl | gzip > licenses.jsonl.gz`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format == "" {
				format = "csv"
				if asJSON || strings.HasSuffix(out, ".jsonl") {
					format = "jsonl"
				}
			}
			if format != "csv" && format != "jsonl" {
				return usageError("--format %q: want csv or jsonl", format)
			}
			l, err := commandLedger(cmd, dsn, ledgerRead)
			if err != nil {
				return err
			}
			defer l.Close()
			write := func(w io.Writer) error { return exportLicenses(cmd.Context(), l, w, format) }
			if out == "" {
				return write(cmd.OutOrStdout())
			}
			return writeFileAtomic(out, force, 0o600, write)
		},
	}
	fl := cmd.Flags()
	addLedgerFlag(fl, &dsn)
	fl.StringVar(&format, "format", "", "csv or jsonl (default: from --out's extension, else csv)")
	fl.StringVarP(&out, "out", "o", "", "write to `FILE` instead of standard output")
	fl.BoolVar(&force, "force", false, "replace an existing --out file")
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

func exportLicenses(ctx context.Context, l *ledger.Ledger, w io.Writer, format string) error {
	cw := csv.NewWriter(w)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if format == "csv" {
		cw.Write(licenseCSVHeader)
	}
	err := l.Licenses(ctx, func(lic *ledger.License, c *ledger.Code) error {
		r := issuance.NewLicenseRecord(lic, c)
		if format == "csv" {
			return cw.Write(licenseCSVRow(&r))
		}
		return enc.Encode(r)
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}
