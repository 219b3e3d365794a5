package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/signer/batch"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/state"
	"github.com/spf13/cobra"
)

//go:embed demodata/registrations.csv
var demoRegistrations []byte

// demoDay is the demo's fixed "today", so that its statuses are the same
// on every run; --at changes it.
const demoDay = "2027-10-15"

type demoRow struct {
	Scenario  string          `json:"scenario"`
	RK        string          `json:"rk"`
	Edition   string          `json:"edition"`
	Code      string          `json:"activation_code,omitempty"`
	Status    string          `json:"status"`
	ErrorKind string          `json:"error_kind,omitempty"`
	Error     string          `json:"error,omitempty"`
	Expires   string          `json:"expires,omitempty"`
	DaysLeft  *int            `json:"days_left,omitempty"`
	Features  map[string]bool `json:"features,omitempty"`
	Note      string          `json:"note,omitempty"`
}

func newDemoCmd() *cobra.Command {
	var (
		at     string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Sign and verify sample registrations with a throwaway key",
		Long: `Run the whole job on built-in sample registrations: make a signing key in
memory, sign the registrations as a batch recorded in an issuance ledger
(SQLite, in memory), replace a stolen code, put one on a revocation list,
then verify every code as a product would and print a table of codes and
statuses: full, trial, install-bound, expiring soon, in grace, expired, not
yet valid, superseded, revoked and mistyped; and the ledger's history of
the stolen license.

Nothing is written to disk and no passphrase is asked; the key is discarded
at the end. The clock is fixed at ` + demoDay + ` so that the statuses are the
same on every run; --at moves it.`,
		Example: `  licmint demo
  licmint demo --at 2028-03-01
  licmint demo --json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			day, err := time.Parse(time.DateOnly, at)
			if err != nil {
				return usageError("--at %q: want YYYY-MM-DD", at)
			}
			rows, stolen, err := runDemo(cmd.Context(), day)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rows)
			}
			printDemo(cmd.OutOrStdout(), day, rows, stolen)
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", demoDay, "the demo's today, YYYY-MM-DD")
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

// demoActor is who the demo's ledger records the events for, the same on
// every run.
const demoActor = "vendor@demo"

// runDemo returns the rows of the demo's table, and the ledger's history
// of the stolen license.
func runDemo(ctx context.Context, today time.Time) ([]demoRow, *ledger.History, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	now := func() time.Time { return today.Add(12 * time.Hour) }
	key, err := signer.GenerateKey(1)
	if err != nil {
		return nil, nil, err
	}
	cat := catalog.Default()
	s, err := signer.New(key, signer.WithCatalog(cat), signer.WithNow(now))
	if err != nil {
		return nil, nil, err
	}
	// The vendor's ledger, in memory: the sample keys were sold before it
	// was kept, so they are recorded as imported.
	l, err := ledger.Open(ctx, "sqlite::memory:", ledger.WithNow(now), ledger.WithActor(demoActor))
	if err != nil {
		return nil, nil, fmt.Errorf("demo: ledger: %w", err)
	}
	defer l.Close()
	svc := issuance.New(s, l)

	regs, err := demoSign(ctx, s, svc)
	if err != nil {
		return nil, nil, err
	}

	// The product side: one state shared by every install, as on one
	// machine, and a revocation list shipped with an update.
	pc, err := cat.Product("PC")
	if err != nil {
		return nil, nil, err
	}
	store := &state.Memory{}
	keys := []verifier.Key{{ID: key.ID(), Public: key.Public().Public}}
	product := func(installID string) (*verifier.Verifier, error) {
		opts := []verifier.Option{verifier.WithCatalog(pc), verifier.WithNow(now), verifier.WithState(store)}
		if installID != "" {
			opts = append(opts, verifier.WithInstallID(installID))
		}
		return verifier.New("PC", keys, opts...)
	}
	plain, err := product("")
	if err != nil {
		return nil, nil, err
	}

	var rows []demoRow
	var stolen *ledger.History
	for _, r := range regs {
		code := r["activation_code"]
		row := demoRow{Scenario: r["scenario"], RK: r["rk"], Edition: r["edition"], Code: code, Note: r["note"]}
		v := plain
		if id := r["verify_on"]; id != "" {
			if v, err = product(id); err != nil {
				return nil, nil, err
			}
		}
		switch r["scenario"] {
		case "stolen":
			// The vendor replaces the stolen code, and revokes it on the
			// next list; the product sees the replacement, after which
			// the stolen one is superseded.
			old, err := formats.ParseSigned(code, formats.Product{})
			if err != nil {
				return nil, nil, err
			}
			repl, err := svc.Replace(ctx, &issuance.Replacement{Code: &old, RevokeOld: true, Reason: "reported stolen"})
			if err != nil {
				return nil, nil, fmt.Errorf("demo: replace: %w", err)
			}
			hs, err := l.Find(ctx, ledger.Query{Product: old.Product, Serial: old.Serial})
			if err != nil || len(hs) != 1 {
				return nil, nil, fmt.Errorf("demo: the stolen license's history: %v", err)
			}
			stolen = hs[0]
			next := demoRow{Scenario: "replacement", RK: row.RK, Edition: row.Edition, Code: repl.Code.String(), Note: "generation 1, issued for the stolen code"}
			verifyDemo(v, &next)
			row.Note = "generation 0, superseded by its replacement"
			verifyDemo(v, &row)
			rows = append(rows, row, next)
			continue
		case "revoked":
			c, err := formats.ParseSigned(code, formats.Product{})
			if err != nil {
				return nil, nil, err
			}
			// The ledger numbers the list and puts every revocation on it.
			_, list, err := svc.RevocationList(ctx, &issuance.ListRequest{Product: c.Product,
				Entries: []revocation.Entry{{Serial: c.Serial}}, Reason: "chargeback"})
			if err != nil {
				return nil, nil, fmt.Errorf("demo: revocation list: %w", err)
			}
			if err := v.LoadRevocationList(list); err != nil {
				return nil, nil, fmt.Errorf("demo: revocation list: %w", err)
			}
		case "mistyped":
			b := []byte(code)
			b[40] = mistype(b[40])
			row.Code = string(b)
		}
		verifyDemo(v, &row)
		rows = append(rows, row)
	}
	return rows, stolen, nil
}

// demoSign signs the sample registrations through the batch pipeline, as
// a release engineer would, recording each code, and returns the output
// rows.
func demoSign(ctx context.Context, s *signer.Signer, svc *issuance.Service) ([]map[string]string, error) {
	var signed bytes.Buffer
	if _, err := batch.Run(ctx, s, batch.NewCSVReader(bytes.NewReader(demoRegistrations)), batch.NewJSONLWriter(&signed),
		batch.WithRecorder(svc.BatchRecorder(true)), batch.WithWorkers(1)); err != nil {
		return nil, fmt.Errorf("demo: signing: %w", err)
	}
	var regs []map[string]string
	sc := bufio.NewScanner(&signed)
	for sc.Scan() {
		var r map[string]string
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("demo: batch output: %w", err)
		}
		if r["error"] != "" {
			return nil, fmt.Errorf("demo: sample %q: %s", r["scenario"], r["error"])
		}
		regs = append(regs, r)
	}
	return regs, nil
}

// mistype returns another symbol, as a slip of the finger would.
func mistype(c byte) byte {
	if c == 'X' {
		return 'Y'
	}
	return 'X'
}

func verifyDemo(v *verifier.Verifier, row *demoRow) {
	lic, err := v.Verify(row.Code)
	if err != nil {
		row.Status, row.ErrorKind, row.Error = "invalid", errorKind(err), err.Error()
		return
	}
	row.Status = lic.Status.String()
	row.Expires = lic.Expires.String()
	d := lic.DaysLeft
	row.DaysLeft = &d
	row.Features = lic.Features.Map()
}

func printDemo(w io.Writer, today time.Time, rows []demoRow, stolen *ledger.History) {
	fmt.Fprintf(w, "licmint demo: a throwaway key (id 1), made in memory, signed the sample registrations\n")
	fmt.Fprintf(w, "into a ledger and replaced the stolen code; a product verified each code offline on %s.\n\n", today.Format(time.DateOnly))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tEDITION\tSHORT FORM\tSTATUS\tEXPIRES\tDAYS\tUPDATE+SCAN\tNOTE")
	for _, r := range rows {
		status := r.Status
		if r.ErrorKind != "" {
			status += " (" + r.ErrorKind + ")"
		}
		days := ""
		if r.DaysLeft != nil && r.Expires != formats.Perpetual.String() {
			days = fmt.Sprint(*r.DaysLeft)
		}
		features := "off"
		if r.Features["update"] && r.Features["scan"] {
			features = "on"
		}
		short := r.Code
		if len(short) > formats.ShortLen {
			short = short[:formats.ShortLen]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Scenario, r.Edition, short, status, r.Expires, days, features, r.Note)
	}
	tw.Flush()
	for _, r := range rows {
		if r.Error != "" {
			fmt.Fprintf(w, "\n%s: %s\n", r.Scenario, r.Error)
		}
	}
	if stolen != nil {
		fmt.Fprintf(w, "\nThe ledger (in memory here; --ledger FILE.db keeps one) recorded every code and event.\n")
		fmt.Fprintf(w, "The stolen license's history, as 'licmint ledger find --serial %s-%014d' shows it:\n\n", stolen.License.Product, stolen.License.Serial)
		printHistories(w, []*ledger.History{stolen})
	}
	fmt.Fprintf(w, "\nA signed code in full (%d characters; support staff quote the first %d):\n%s\n",
		len(rows[0].Code), formats.ShortLen, rows[0].Code)
	fmt.Fprintln(w, "\nNothing was written to disk; the key is gone. Next: licmint keygen --out keys")
}
