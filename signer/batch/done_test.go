package batch_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/signer/batch"
)

// The Done function runs once, after every row is recorded, and its error
// is Run's: a ledger makes the batch durable there.
func TestDone(t *testing.T) {
	var in strings.Builder
	in.WriteString("rk,edition\n")
	const rows = 1000
	for i := range rows {
		k, err := formats.NewRegistrationKey(formats.MustProduct("PC"), false, formats.Serial(1000+i))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&in, "%s,standard\n", k)
	}
	recorded, calls := 0, 0
	record := batch.WithRecord(func(_ context.Context, rows []batch.SignedRow) error {
		if calls > 0 {
			t.Error("a chunk recorded after Done")
		}
		recorded += len(rows)
		return nil
	})
	done := batch.WithDone(func(context.Context) error {
		calls++
		if recorded != rows {
			t.Errorf("Done after %d rows of %d", recorded, rows)
		}
		return nil
	})
	if _, st := signCSV(t, in.String(), fmts{}, record, done); calls != 1 || st.Signed != rows {
		t.Fatalf("Done called %d times, %d rows signed", calls, st.Signed)
	}

	failed := errors.New("the disk is gone")
	var out bytes.Buffer
	_, err := run(newSigner(t), &out, strings.NewReader(in.String()), fmts{}, batch.WithDone(func(context.Context) error { return failed }))
	if !errors.Is(err, failed) {
		t.Fatalf("Run with a failing Done: %v", err)
	}
}

// The Record function sees every signed row once, in input order, and
// what it decides shows in the output: a row it fails gets its error, a
// row it gives another code shows that code. Repeated keys, some in
// another chunk than their first row, never reach it. With
// WithRecordRows, chunks that are ready together come in one call.
func TestRecord(t *testing.T) {
	const rows = 3000
	var in strings.Builder
	in.WriteString("rk,edition\n")
	keys := make([]formats.RegistrationKey, rows)
	for i := range rows {
		serial := formats.Serial(5000 + i)
		if i%500 == 499 {
			serial = keys[i-300].Serial // a repeated key
		}
		k, err := formats.NewRegistrationKey(formats.MustProduct("PC"), false, serial)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
		fmt.Fprintf(&in, "%s,standard\n", k)
	}
	taken := errors.New("taken by another license")
	var onRecord formats.ActivationCode
	lastLine, calls, most := 0, 0, 0
	recorded := map[formats.Serial]int{}
	// The first call waits until a worker has started the tenth chunk, so
	// that the chunks before it are ready together for the second.
	var prepared atomic.Int32
	tenth := make(chan struct{})
	prepare := batch.WithPrepare(func(_ context.Context, regs []*signer.Registration) ([]error, error) {
		if prepared.Add(1) == 10 {
			close(tenth)
		}
		return make([]error, len(regs)), nil
	})
	record := batch.WithRecord(func(_ context.Context, rs []batch.SignedRow) error {
		if calls++; calls == 1 {
			select {
			case <-tenth:
			case <-time.After(10 * time.Second):
				t.Error("the tenth chunk was never prepared")
			}
		}
		most = max(most, len(rs))
		for i := range rs {
			r := &rs[i]
			if r.Line <= lastLine {
				t.Errorf("line %d recorded after line %d", r.Line, lastLine)
			}
			lastLine = r.Line
			recorded[r.Registration.RK.Serial]++
			switch {
			case onRecord.Serial == 0:
				onRecord = r.Code
			case r.Registration.RK.Serial%11 == 0:
				r.Err = taken
			case r.Registration.RK.Serial%13 == 0:
				r.Code = onRecord
			}
		}
		return nil
	})
	out, st := signCSV(t, in.String(), fmts{}, prepare, record, batch.WithRecordRows(2048))
	dups := rows / 500
	if len(recorded) != rows-dups {
		t.Errorf("%d keys recorded, want %d", len(recorded), rows-dups)
	}
	for serial, n := range recorded {
		if n != 1 {
			t.Errorf("serial %d recorded %d times", serial, n)
		}
	}
	lines, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(lines) != rows+1 {
		t.Fatalf("%d output lines, %v", len(lines), err)
	}
	failed := dups
	for i, l := range lines[1:] {
		serial, code, msg := keys[i].Serial, l[4], l[5]
		switch {
		case i%500 == 499:
			if !strings.Contains(msg, "line") {
				t.Errorf("row %d, a repeated key: %q", i, msg)
			}
		case serial%11 == 0 && i > 0:
			failed++
			if code != "" || !strings.Contains(msg, taken.Error()) {
				t.Errorf("row %d, failed by Record: code %q, error %q", i, code, msg)
			}
		case serial%13 == 0 && i > 0:
			if code != onRecord.String() {
				t.Errorf("row %d shows %q, not the code on record", i, code)
			}
		case code == "" || msg != "":
			t.Errorf("row %d: code %q, error %q", i, code, msg)
		}
	}
	if st.Failed != failed || st.Signed != rows-failed || st.Duplicates != dups {
		t.Errorf("stats %+v, want %d failed of %d", st, failed, rows)
	}
	if most <= 256 || most > 2048 {
		t.Errorf("at most %d rows a call, want chunks together, up to 2048", most)
	}
	t.Logf("%d rows recorded in %d calls", len(recorded), calls)

	// An error from Record stops the batch, and is Run's.
	gone := errors.New("the ledger is gone")
	calls = 0
	_, err = run(newSigner(t), io.Discard, strings.NewReader(in.String()), fmts{}, batch.WithRecord(func(context.Context, []batch.SignedRow) error {
		if calls++; calls == 2 {
			return gone
		}
		return nil
	}))
	if !errors.Is(err, gone) {
		t.Fatalf("Run with a failing Record: %v", err)
	}
}

// Progress counts the rows written, never rows that the batch stopped
// before writing: here the batch is cancelled from the progress callback
// of the first chunk while the second is ready behind it.
func TestProgressCountsWrittenRows(t *testing.T) {
	var in strings.Builder
	in.WriteString("rk,edition\n")
	for i := range 3 * 256 {
		fmt.Fprintf(&in, "%s,standard\n", testRK(5000+i))
	}
	// With two workers, one holds the first chunk until the other has
	// passed the second on and started the third: the writer then has the
	// second ready when the first comes.
	third := make(chan struct{})
	prepare := batch.WithPrepare(func(_ context.Context, regs []*signer.Registration) ([]error, error) {
		switch regs[0].RK.Serial {
		case 5000:
			<-third
		case 5000 + 2*256:
			close(third)
		}
		return make([]error, len(regs)), nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	progressed := 0
	progress := batch.WithProgress(func(rows int, _ int64) {
		progressed = rows
		cancel()
	})
	record := batch.WithRecord(func(context.Context, []batch.SignedRow) error { return nil })
	st, err := batch.Run(ctx, newSigner(t), batch.NewCSVReader(strings.NewReader(in.String())), batch.NewCSVWriter(io.Discard),
		prepare, progress, record, batch.WithWorkers(2))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	if written := st.Signed + st.Failed; progressed != written {
		t.Fatalf("progress reported %d rows, %d written", progressed, written)
	}
}

// An error from the Prepare function, such as a ledger that cannot be
// read, stops the batch: it is Run's error, and no row of the chunk it
// came for is signed.
func TestPrepareError(t *testing.T) {
	var in strings.Builder
	in.WriteString("rk,edition\n")
	for i := range 2000 {
		k, err := formats.NewRegistrationKey(formats.MustProduct("PC"), false, formats.Serial(7000+i))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&in, "%s,standard\n", k)
	}
	down := errors.New("the ledger is down")
	const failing = 7000 + 3*256 // the fourth chunk's first key
	prepare := batch.WithPrepare(func(_ context.Context, regs []*signer.Registration) ([]error, error) {
		if regs[0].RK.Serial == failing {
			return nil, down
		}
		return make([]error, len(regs)), nil
	})
	// The writer goes in order: nothing from the failing chunk on.
	record := batch.WithRecord(func(_ context.Context, rows []batch.SignedRow) error {
		for _, r := range rows {
			if r.Registration.RK.Serial >= failing {
				t.Errorf("serial %d recorded, after the chunk whose Prepare failed", r.Registration.RK.Serial)
			}
		}
		return nil
	})
	var out bytes.Buffer
	st, err := run(newSigner(t), &out, strings.NewReader(in.String()), fmts{}, prepare, record)
	if !errors.Is(err, down) || st.Failed != 0 {
		t.Fatalf("Run with a failing Prepare: %v, stats %+v", err, st)
	}
}
