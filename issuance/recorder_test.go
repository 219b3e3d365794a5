package issuance_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/signer/batch"
)

// Package batch declares the interface, so that issuance need not import it.
var _ batch.Recorder = (*issuance.BatchRecorder)(nil)

// A service without a ledger has no recorder: the nil *BatchRecorder it
// returns is a non-nil batch.Recorder once passed to batch.WithRecorder,
// and must record nothing, as the batch options it replaced did, rather
// than fail the batch.
func TestBatchRecorderWithoutLedger(t *testing.T) {
	s := newSigner(t, 1)
	svc := issuance.New(s, nil)
	const in = "rk,edition\nPC-0314-1592-6535-8978,standard\n"
	run := func(opts ...batch.Option) string {
		t.Helper()
		var out bytes.Buffer
		st, err := batch.Run(ctx, s, batch.NewCSVReader(strings.NewReader(in)), batch.NewCSVWriter(&out), opts...)
		if err != nil || st.Signed != 1 {
			t.Fatalf("%+v, %v", st, err)
		}
		return out.String()
	}
	want := run()
	if got := run(batch.WithRecorder(svc.BatchRecorder(false))); got != want {
		t.Fatalf("with the nil recorder:\n%s\nwant\n%s", got, want)
	}
}
