package batch

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/signer"
)

// startWorkers starts the sign stage: o.workers goroutines that sign and
// format the chunks from p.jobs and pass them to p.done, which the last
// one to finish closes.
func (b *batch) startWorkers(p *pipeline) {
	var wg sync.WaitGroup
	for range b.o.workers {
		wg.Go(func() {
			for c := range p.jobs {
				b.process(c)
				p.done <- c
			}
		})
	}
	go func() { wg.Wait(); close(p.done) }()
}

// process signs a chunk's rows and formats its output.
func (b *batch) process(c *chunk) {
	c.res = slices.Grow(c.res[:0], len(c.rows))[:len(c.rows)]
	c.out, c.ends = c.out[:0], c.ends[:0]
	for i := range c.rows {
		c.res[i] = rowResult{}
		b.parse(&c.rows[i], &c.res[i])
	}
	if b.o.prepare != nil {
		b.prepare(c)
	}
	for i := range c.rows {
		r, res := &c.rows[i], &c.res[i]
		b.signRow(r, res)
		c.out = b.appendRow(c.out, r, res)
		c.ends = append(c.ends, len(c.out))
	}
}

// prepare hands the chunk's registrations to the Recorder's Prepare.
func (b *batch) prepare(c *chunk) {
	var regs []*signer.Registration
	var at []int
	for i := range c.res {
		if c.res[i].regErr == nil {
			regs = append(regs, &c.res[i].reg)
			at = append(at, i)
		}
	}
	if len(regs) == 0 {
		return
	}
	errs, err := b.o.prepare(b.ctx, regs)
	if err != nil {
		// Nothing of the chunk is signed, and the batch stops with err.
		b.cancel(err)
		for _, i := range at {
			c.res[i].regErr = err
		}
		return
	}
	for j, err := range errs {
		if err != nil && j < len(at) {
			c.res[at[j]].regErr = err
		}
	}
}

// field returns a column's text as given and its 1-based CSV column (0
// for JSON). The CSV reader has already trimmed unquoted fields.
func (b *batch) field(r *inRow, name string) (string, int, error) {
	if r.keys == nil {
		i, ok := b.colIdx[name]
		if !ok || i >= len(r.vals) {
			return "", 0, nil
		}
		return r.vals[i], i + 1, nil
	}
	i := slices.Index(r.keys, name)
	if i < 0 {
		return "", 0, nil
	}
	s, err := jsonText(r.vals[i])
	return s, 0, err
}

// fail puts err, located at the row, in the row's error column.
func (b *batch) fail(r *inRow, res *rowResult, err error) {
	var fe *signer.FieldError
	if errors.As(err, &fe) {
		fe.Line = r.line
		if fe.Column == 0 && fe.Field != "" && r.keys == nil {
			if i, ok := b.colIdx[fe.Field]; ok {
				fe.Column = i + 1
			}
		}
	} else {
		err = &signer.FieldError{Line: r.line, Err: err}
	}
	res.errMsg = err.Error()
}

// parse reads a row's registration into res.reg, or its error into
// res.regErr.
func (b *batch) parse(r *inRow, res *rowResult) {
	if r.err != nil {
		res.regErr = r.err
		return
	}
	if r.text != nil {
		keys, vals, err := parseObject(r.text)
		r.text = nil
		if err != nil {
			res.regErr = err
			return
		}
		r.keys, r.vals = keys, vals
		if r.keys == nil {
			r.keys = []string{}
		}
	} else if err := b.checkFields(r.vals); err != nil {
		res.regErr = err
		return
	}
	res.regErr = b.registration(r, res)
}

// signRow signs a parsed row, or puts its error in its error column. A
// signing key that fails stops the batch.
func (b *batch) signRow(r *inRow, res *rowResult) {
	if res.regErr != nil {
		b.fail(r, res, res.regErr)
		return
	}
	var err error
	if b.o.jwt {
		res.code, res.jwt, err = b.s.SignToken(&res.reg)
	} else {
		res.code, err = b.s.Sign(&res.reg)
	}
	if errors.Is(err, signer.ErrSigningKey) {
		// Not the row's fault: the key is gone for every row after it.
		b.cancel(err)
		return
	}
	if err != nil {
		b.fail(r, res, err)
		return
	}
	res.signed = true
	res.dupKey = (uint64(res.code.Product[0]-'A')*26+uint64(res.code.Product[1]-'A'))<<47 | uint64(res.code.Serial)
}

// checkFields reports a CSV row's value that has no named column: beyond
// the header, or under an empty name. Empty ones are fine, as spreadsheets
// write them.
func (b *batch) checkFields(vals []string) error {
	for i, v := range vals {
		if i < len(b.header) && b.header[i] != "" || strings.TrimSpace(v) == "" {
			continue
		}
		where := fmt.Sprintf("beyond the header's %d columns", len(b.header))
		if i < len(b.header) {
			where = "which has no name in the header"
		}
		return &signer.FieldError{Column: i + 1, Err: fmt.Errorf("%w: a value in column %d, %s; name the column in the header, or remove the value", ErrBadRow, i+1, where)}
	}
	return nil
}

// registration reads a row's registration into res; errors are
// *signer.FieldError.
func (b *batch) registration(r *inRow, res *rowResult) error {
	reg := &res.reg
	// Values parsed here may have spaces around them; the install id is
	// signed byte for byte, so it is taken only as given.
	raw := func(name string) (string, int, error) {
		v, col, err := b.field(r, name)
		if err != nil {
			return "", col, &signer.FieldError{Column: col, Field: name, Err: fmt.Errorf("%w: %v", ErrBadRow, err)}
		}
		return v, col, nil
	}
	get := func(name string) (string, int, error) {
		v, col, err := raw(name)
		return strings.TrimSpace(v), col, err
	}
	bad := func(name string, col int, format string, a ...any) error {
		return &signer.FieldError{Column: col, Field: name, Err: fmt.Errorf("%w: "+format, append([]any{signer.ErrBadRegistration}, a...)...)}
	}
	rk, col, err := get(colRK)
	if err != nil {
		return err
	}
	if rk == "" {
		return bad(colRK, col, "no registration key")
	}
	if reg.RK, err = formats.ParseRegistrationKey(rk); err != nil {
		return &signer.FieldError{Column: col, Field: colRK, Err: err}
	}
	if reg.Edition, col, err = get(colEdition); err != nil {
		return err
	}
	if reg.Edition == "" {
		return &signer.FieldError{Column: col, Field: colEdition, Err: fmt.Errorf("%w: no edition given", catalog.ErrUnknownEdition)}
	}
	days, dcol, err := get(colDays)
	if err != nil {
		return err
	}
	exp, ecol, err := get(colExpires)
	if err != nil {
		return err
	}
	switch {
	case days != "" && exp != "":
		return bad(colExpires, ecol, "give days or expires, not both")
	case days != "":
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > catalog.MaxTermDays {
			return bad(colDays, dcol, "days %q: want a whole number from 1 to %d", days, catalog.MaxTermDays)
		}
		reg.Days = n
	case strings.EqualFold(exp, "perpetual"):
		reg.Expires = formats.Perpetual
	case exp != "":
		if reg.Expires, err = formats.ParseDay(exp); err != nil {
			return bad(colExpires, ecol, "%v", err)
		}
	}
	issued, col, err := get(colIssued)
	if err != nil {
		return err
	}
	if issued != "" {
		if res.issued, err = formats.ParseDay(issued); err != nil {
			return bad(colIssued, col, "%v", err)
		}
		reg.Issued = &res.issued
	}
	if reg.InstallID, col, err = raw(colInstallID); err != nil {
		return err
	}
	if id := reg.InstallID; id != "" {
		if err := formats.CheckInstallID(id); err != nil {
			return bad(colInstallID, col, "%v", err)
		}
	}
	if b.o.jwt {
		reg.Customer = b.customer(r)
	}
	return nil
}

// customer returns the row's customer fields: the columns that are
// neither inputs nor results, when not empty.
func (b *batch) customer(r *inRow) map[string]string {
	var m map[string]string
	names := r.keys
	if names == nil {
		names = b.header
	}
	for i, name := range names {
		lower := strings.ToLower(name)
		if i >= len(r.vals) || r.keys == nil && name == "" || slices.Contains(inputColumns, lower) || slices.Contains(resultColumns, lower) {
			continue
		}
		v := r.vals[i]
		if r.keys != nil {
			v, _ = jsonText(v)
		}
		if v == "" {
			continue
		}
		if m == nil {
			m = make(map[string]string)
		}
		m[name] = v
	}
	return m
}
