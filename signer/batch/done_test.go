package batch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats"
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
