package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/signer/batch"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// signBatch signs the --in file into the --out file, with a progress bar
// when stderr is a terminal and a summary line at the end.
func signBatch(cmd *cobra.Command, s *signer.Signer, l *ledger.Ledger, f *signFlags) error {
	svc := service(s, l)
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	// An interrupt stops the batch; signBatchFile then removes its
	// temporary output.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts := []batch.Option{batch.WithWorkers(f.workers)}
	if rec := svc.BatchRecorder(f.allowUnminted); rec != nil {
		opts = append(opts, batch.WithRecorder(rec))
	}
	if f.jwt {
		opts = append(opts, batch.WithJWT())
	}
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
			opts = append(opts, batch.WithProgress(func(_ int, inputBytes int64) { bar.Set64(inputBytes) }))
			defer bar.Finish()
		}
	}
	st, err := signBatchFile(ctx, s, f.out, f.in, f.force, opts...)
	var ce *cliError
	switch {
	case errors.As(err, &ce):
		return err
	case errors.Is(err, context.Canceled):
		return &cliError{code: exitError, kind: kindInternal, err: errors.New("interrupted; no output was written")}
	case errors.Is(err, batch.ErrBadRow):
		return withHint(exitInvalid, fmt.Errorf("%s: %w", f.in, err), "a batch is CSV or JSON Lines, its first row a header naming the columns, such as rk,edition,days")
	case errors.As(err, new(*fs.PathError)):
		return err // a file, not the ledger
	case err != nil && l != nil:
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

// The batch formats, as indexes in batchFormats.
const (
	batchCSV = iota
	batchJSONL
)

// batchFormats are the file name extensions of the batch formats, and
// their readers and writers.
var batchFormats = []struct {
	ext       []string
	newReader func(io.Reader) *batch.Reader
	newWriter func(io.Writer) *batch.Writer
}{
	{[]string{".csv"}, batch.NewCSVReader, batch.NewCSVWriter},
	{[]string{".jsonl", ".ndjson"}, batch.NewJSONLReader, batch.NewJSONLWriter},
}

// batchFormat returns the index in batchFormats of the format name's
// extension names.
func batchFormat(name string) (int, error) {
	ext := strings.ToLower(filepath.Ext(name))
	for i, f := range batchFormats {
		if slices.Contains(f.ext, ext) {
			return i, nil
		}
	}
	return 0, withHint(exitUsage, fmt.Errorf("%s: cannot tell the format", name), "name the file .csv or .jsonl")
}

// signBatchFile runs batch.Run from the file in to the file out, each in
// the format its extension names. The output is written through
// writeFileAtomic: it appears only when complete and synced, so that a
// failed, interrupted or killed batch never leaves a file that looks
// finished, nor a temporary one; an existing out is kept unless force.
func signBatchFile(ctx context.Context, s *signer.Signer, out, in string, force bool, opts ...batch.Option) (st batch.Stats, err error) {
	fin, err := batchFormat(in)
	if err != nil {
		return st, err
	}
	fout, err := batchFormat(out)
	if err != nil {
		return st, err
	}
	err = writeFileAtomic(out, force, 0o600, func(w io.Writer) error {
		src, err := os.Open(in)
		if err != nil {
			return err
		}
		defer src.Close()
		st, err = batch.Run(ctx, s, batchFormats[fin].newReader(src), batchFormats[fout].newWriter(w), opts...)
		return err
	})
	return st, err
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
