package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/signer"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// signBatch signs the --in file into the --out file, with a progress bar
// when stderr is a terminal and a summary line at the end.
func signBatch(cmd *cobra.Command, svc *issuance.Service, f *signFlags) error {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	// An interrupt stops the batch; SignBatchFile then removes its
	// temporary output.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	o := svc.BatchOptions(signer.BatchOptions{JWT: f.jwt, Workers: f.workers}, f.allowUnminted)
	stderr := cmd.ErrOrStderr()
	if tty, ok := stderr.(*os.File); ok && term.IsTerminal(int(tty.Fd())) {
		if fi, err := os.Stat(f.in); err == nil {
			bar := progressbar.NewOptions64(fi.Size(),
				progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription("signing"),
				progressbar.OptionShowBytes(true),
				progressbar.OptionShowCount(),
				progressbar.OptionThrottle(100e6),
				progressbar.OptionClearOnFinish())
			o.Progress = func(_ int, inputBytes int64) { bar.Set64(inputBytes) }
			defer bar.Finish()
		}
	}
	st, err := svc.Signer().SignBatchFile(ctx, f.out, f.in, f.force, o)
	switch {
	case errors.Is(err, signer.ErrOutputExists):
		return withHint(exitError, err, "give --force to replace it, or another --out")
	case errors.Is(err, context.Canceled):
		return &cliError{code: exitError, kind: kindInternal, err: errors.New("interrupted; no output was written")}
	case errors.Is(err, signer.ErrBadRow):
		return withHint(exitInvalid, fmt.Errorf("%s: %w", f.in, err), "the first row must be a header naming the columns, such as rk,edition,days")
	case err != nil && svc.Ledger() != nil:
		return ledgerError(err, func(err error) error { return err })
	case err != nil:
		return err
	}
	fmt.Fprintf(stderr, "licmint: signed %d, failed %d (%d duplicate), in %.1fs: %s\n",
		st.Signed, st.Failed, st.Duplicates, st.Elapsed.Seconds(), f.out)
	rec := batchJSON{Out: f.out, Signed: st.Signed, Failed: st.Failed, Duplicates: st.Duplicates}
	if st.Failed > 0 {
		return withRecord(withHint(exitPartial, fmt.Errorf("%d of %d rows failed; their error column says why", st.Failed, st.Signed+st.Failed),
			"fix those rows and sign them again: the rows already signed reproduce the same codes"), &rec)
	}
	if f.asJSON {
		return printJSON(cmd.OutOrStdout(), rec)
	}
	return nil
}

// batchJSON is the --json summary of a batch.
type batchJSON struct {
	Error      *errorJSON `json:"error,omitempty"`
	Out        string     `json:"out"`
	Signed     int        `json:"signed"`
	Failed     int        `json:"failed"`
	Duplicates int        `json:"duplicates"`
}

func (r *batchJSON) setError(e *errorJSON) { r.Error = e }
