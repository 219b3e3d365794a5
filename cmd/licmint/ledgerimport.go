package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/licjwt"
	"github.com/spf13/cobra"
)

// importJSON is the --json summary of ledger import.
type importJSON struct {
	Error    *errorJSON      `json:"error,omitempty"`
	Imported int             `json:"imported"`
	Existing int             `json:"existing"`
	Skipped  int             `json:"skipped"`
	Failed   int             `json:"failed"`
	Failures []importFailure `json:"failures,omitempty"`
}

type importFailure struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Error string `json:"error"`
}

func (r *importJSON) setError(e *errorJSON) { r.Error = e }

// maxImportFailures bounds the failures listed; the count is always whole.
const maxImportFailures = 100

func newLedgerImportCmd() *cobra.Command {
	var (
		dsn, pub, ring, catalogFile string
		asJSON                      bool
	)
	cmd := &cobra.Command{
		Use:   "import --ledger DSN (--pub FILE | --keyring FILE) FILE...",
		Short: "Record the codes of earlier batches' output files",
		Long: `Read the output of earlier 'licmint sign --in' batches, CSV or JSON Lines (by
the file's extension), and record each row's license and code in the
ledger, as a key imported without being minted if the ledger does not know
it. The columns read are rk, edition, install_id, activation_code, jwt and
error; others are ignored. Each code must be authentic under a trusted
public key (--pub or --keyring) and agree with its row's key and edition:
a forged or altered code is never recorded. Rows with an error or no code
are skipped. Importing a file again records nothing new: rows already
recorded count as existing. Each row is at most 64 KiB. Exit status 5 if
some rows failed; the others are recorded.`,
		Example: `  licmint ledger import --ledger licenses.db --pub keys/vendor.pub.pem codes-2026.csv codes-2027.jsonl`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (pub == "") == (ring == "") {
				return usageError("give --pub FILE or --keyring FILE: the keys the codes must be signed with")
			}
			formatsOf := make([]int, len(args))
			for i, name := range args {
				f, err := batchFormat(name)
				if err != nil {
					return err
				}
				formatsOf[i] = f
			}
			keys, err := (&verifyOptions{pub: pub, ring: ring}).trustedKeys()
			if err != nil {
				return err
			}
			cat, err := loadCatalog(catalogFile)
			if err != nil {
				return err
			}
			l, err := commandLedger(cmd, dsn, ledgerWrite)
			if err != nil {
				return err
			}
			defer closeLedger(cmd, l)
			im := &rowImporter{ctx: cmd.Context(), l: l, cat: cat, keys: keys, verifiers: make(map[string]*verifier.Verifier)}
			for i, name := range args {
				if err := im.importFile(name, formatsOf[i]); err != nil {
					var ce *cliError
					if errors.As(err, &ce) {
						return err
					}
					return ledgerError(err, func(err error) error { return err })
				}
			}
			rec := im.rec
			fmt.Fprintf(cmd.ErrOrStderr(), "licmint: imported %d, already recorded %d, skipped %d (error or no code), failed %d\n",
				rec.Imported, rec.Existing, rec.Skipped, rec.Failed)
			if rec.Failed > 0 {
				if !asJSON {
					for _, f := range rec.Failures {
						fmt.Fprintf(cmd.ErrOrStderr(), "licmint: %s, line %d: %s\n", f.File, f.Line, f.Error)
					}
				}
				return withRecord(withHint(exitPartial, fmt.Errorf("%d rows were not imported", rec.Failed),
					"each failed row is listed with its reason; fix or remove those rows and import the file again: the rows recorded stay as they are"), &rec)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rec)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	addLedgerFlag(fl, &dsn)
	addAuditKeyFlag(cmd)
	fl.StringVar(&pub, "pub", "", "trusted public key `FILE` (NAME.pub.pem) the codes are signed with")
	fl.StringVar(&ring, "keyring", "", "trusted keyring `FILE`: PEM blocks or a JWK Set")
	fl.StringVar(&catalogFile, "catalog", "", "product catalog JSON `FILE` (default: the built-in catalog)")
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

// rowImporter records the rows of batch output files.
type rowImporter struct {
	ctx       context.Context
	l         *ledger.Ledger
	cat       *catalog.Catalog
	keys      []verifier.Key
	verifiers map[string]*verifier.Verifier // by product and install id
	rec       importJSON
	pending   []ledger.Registration
	lines     []int
	file      string
}

func (im *rowImporter) fail(line int, err error) {
	im.rec.Failed++
	if len(im.rec.Failures) < maxImportFailures {
		im.rec.Failures = append(im.rec.Failures, importFailure{File: im.file, Line: line, Error: err.Error()})
	}
}

func (im *rowImporter) importFile(name string, format int) error {
	f, err := os.Open(name)
	if err != nil {
		return fileError("import", err)
	}
	defer f.Close()
	im.file = name
	rows := newRowReader(f, format)
	for {
		row, line, err := rows.next()
		if err == io.EOF {
			break
		}
		var re *rowError
		if errors.As(err, &re) {
			// The rows before it are recorded, as README says: the rerun
			// after the file is fixed finds them existing.
			if err := im.flush(); err != nil {
				return err
			}
			return withHint(exitInvalid, fmt.Errorf("%s, line %d: %w", name, line, err),
				"give the output file of a batch, as 'licmint sign --in … --out' writes it; the rows before this one are recorded")
		}
		if err != nil {
			return fileError("import", err)
		}
		if row[colError] != "" || row[colActivationCode] == "" {
			im.rec.Skipped++
			continue
		}
		reg, err := im.registration(row)
		if err != nil {
			im.fail(line, err)
			continue
		}
		im.pending = append(im.pending, reg)
		im.lines = append(im.lines, line)
		if len(im.pending) == ledger.MaxBatch {
			if err := im.flush(); err != nil {
				return err
			}
		}
	}
	return im.flush()
}

// registration checks a row's code, and returns it to record.
func (im *rowImporter) registration(row map[string]string) (ledger.Registration, error) {
	rk, err := formats.ParseRegistrationKey(row[colRK])
	if err != nil {
		return ledger.Registration{}, fmt.Errorf("rk: %w", err)
	}
	code, installID := row[colActivationCode], row[colInstallID]
	c, err := formats.ParseActivationCode(code)
	switch {
	case err != nil:
		return ledger.Registration{}, fmt.Errorf("activation_code: %w", err)
	case !c.Signed:
		return ledger.Registration{}, errors.New("activation_code: a short form; give the whole signed code")
	case c.Product != rk.Product || c.Serial != rk.Serial || c.Trial != rk.Trial:
		return ledger.Registration{}, fmt.Errorf("activation_code: the code is not for %s", rk)
	case c.Generation != 0:
		return ledger.Registration{}, fmt.Errorf("activation_code: generation %d; a batch signs generation 0 only", c.Generation)
	}
	edition := row[colEdition]
	p, err := im.cat.Product(rk.Product.String())
	if err != nil {
		return ledger.Registration{}, err
	}
	if e, err := p.Edition(edition); err != nil {
		return ledger.Registration{}, fmt.Errorf("edition: %w", err)
	} else if e.Number != c.Edition {
		return ledger.Registration{}, fmt.Errorf("edition: the code is for edition number %d, not %s (%d)", c.Edition, edition, e.Number)
	}
	v, err := im.verifier(rk.Product, installID)
	if err != nil {
		return ledger.Registration{}, err
	}
	// Authentic, under a trusted key: whatever the code's dates, a
	// forgery is never recorded.
	if _, err := v.Verify(code); err != nil {
		return ledger.Registration{}, err
	}
	token := row[colJWT]
	if token != "" {
		lic, err := licjwt.New(v).Verify(token)
		if err != nil {
			return ledger.Registration{}, fmt.Errorf("jwt: %w", err)
		}
		if lic.Serial != c.Serial || lic.Generation != c.Generation {
			return ledger.Registration{}, errors.New("jwt: the token is for another license than the code")
		}
	}
	return ledger.Registration{RK: rk, Edition: edition, Issue: ledger.Issue{Code: c, JWT: token, InstallID: installID}, AllowUnminted: true}, nil
}

// verifier returns a verifier of product's codes bound to installID, or
// of unbound ones for "".
func (im *rowImporter) verifier(p formats.Product, installID string) (*verifier.Verifier, error) {
	id := p.String() + "\x00" + installID
	if v, ok := im.verifiers[id]; ok {
		return v, nil
	}
	opts := []verifier.Option{verifier.WithNow(now)}
	if installID != "" {
		opts = append(opts, verifier.WithInstallID(installID))
	}
	v, err := verifier.New(p.String(), im.keys, opts...)
	if err != nil {
		return nil, fmt.Errorf("install_id: %w", err)
	}
	if installID == "" || len(im.verifiers) < 1000 {
		im.verifiers[id] = v
	}
	return v, nil
}

func (im *rowImporter) flush() error {
	if len(im.pending) == 0 {
		return nil
	}
	out, err := im.l.Register(im.ctx, im.pending)
	if err != nil {
		return err
	}
	for i, r := range out {
		switch {
		case r.Err != nil:
			im.fail(im.lines[i], r.Err)
		case r.Existing:
			im.rec.Existing++
		default:
			im.rec.Imported++
		}
	}
	im.pending, im.lines = im.pending[:0], im.lines[:0]
	return nil
}

// rowError is a row that cannot be read: too long, or not CSV or JSON.
type rowError struct{ msg string }

func (e *rowError) Error() string { return e.msg }

// The columns of a batch's output that import reads (README, Batches),
// and the longest row it reads, as a batch does.
const (
	colRK             = "rk"
	colEdition        = "edition"
	colInstallID      = "install_id"
	colActivationCode = "activation_code"
	colJWT            = "jwt"
	colError          = "error"
	maxImportRow      = 64 << 10
)

// rowReader reads a batch output file a row at a time, each at most 64 KiB,
// as column name to value.
type rowReader struct {
	format int
	lim    *rowLimiter
	csv    *csv.Reader
	header []string
	br     *bufio.Reader
	line   int
}

func newRowReader(r io.Reader, format int) *rowReader {
	// The limiter lets a row's reader buffer ahead of it (csv.Reader reads
	// 4 KiB at a time, the JSON reader up to its 64 KiB buffer); the row's
	// own length is checked exactly.
	lim := &rowLimiter{r: r, max: maxImportRow + 64<<10}
	rr := &rowReader{format: format, lim: lim}
	if format == batchCSV {
		lim.max = maxImportRow + 4<<10
		rr.csv = csv.NewReader(lim)
		rr.csv.FieldsPerRecord = -1
		rr.csv.ReuseRecord = true
	} else {
		rr.br = bufio.NewReaderSize(lim, 64<<10)
	}
	return rr
}

func (rr *rowReader) next() (map[string]string, int, error) {
	if rr.format == batchCSV {
		return rr.nextCSV()
	}
	return rr.nextJSON()
}

func (rr *rowReader) nextCSV() (map[string]string, int, error) {
	for {
		rr.lim.mark()
		start := rr.csv.InputOffset()
		rec, err := rr.csv.Read()
		// A row that cannot be read starts on the line after the last
		// one read.
		line := rr.line + 1
		if errors.Is(err, errRowTooLong) || err == nil && rr.csv.InputOffset()-start > maxImportRow {
			return nil, line, &rowError{fmt.Sprintf("a row longer than %d bytes", maxImportRow)}
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, pe.StartLine, &rowError{pe.Err.Error()}
		}
		if err != nil {
			return nil, line, err
		}
		line, _ = rr.csv.FieldPos(0)
		rr.line, _ = rr.csv.FieldPos(len(rec) - 1)
		if rr.header == nil {
			for i, name := range rec {
				if i == 0 {
					name = strings.TrimPrefix(name, "\ufeff")
				}
				rr.header = append(rr.header, strings.ToLower(strings.TrimSpace(name)))
			}
			continue
		}
		row := make(map[string]string, len(rr.header))
		for i, v := range rec {
			if i < len(rr.header) {
				row[rr.header[i]] = strings.TrimSpace(v)
			}
		}
		// The install id is signed byte for byte: kept as written.
		if i := slices.Index(rr.header, colInstallID); i >= 0 && i < len(rec) {
			row[colInstallID] = rec[i]
		}
		return row, line, nil
	}
}

func (rr *rowReader) nextJSON() (map[string]string, int, error) {
	for {
		rr.lim.mark()
		b, err := rr.br.ReadSlice('\n')
		rr.line++
		if errors.Is(err, bufio.ErrBufferFull) || errors.Is(err, errRowTooLong) {
			return nil, rr.line, &rowError{fmt.Sprintf("a line longer than %d bytes", maxImportRow)}
		}
		if err == io.EOF && len(b) == 0 {
			return nil, rr.line, io.EOF
		}
		if err != nil && err != io.EOF {
			return nil, rr.line, err
		}
		b = bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\ufeff")))
		if len(b) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, rr.line, &rowError{"not a JSON object: " + err.Error()}
		}
		row := make(map[string]string, len(obj))
		for k, raw := range obj {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				row[strings.ToLower(k)] = s
			}
		}
		for _, col := range []string{colRK, colEdition, colActivationCode, colJWT, colError} {
			row[col] = strings.TrimSpace(row[col])
		}
		return row, rr.line, nil
	}
}

var errRowTooLong = errors.New("row too long")

// rowLimiter fails a read once a row, from the last mark, runs past max
// bytes (maxImportRow and the reader's buffer ahead of it), so that
// memory stays bounded whatever the file holds.
type rowLimiter struct {
	r   io.Reader
	n   int
	max int
}

func (l *rowLimiter) mark() { l.n = 0 }

func (l *rowLimiter) Read(p []byte) (int, error) {
	if l.n > l.max {
		return 0, errRowTooLong
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}
