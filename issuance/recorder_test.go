package issuance_test

import (
	"github.com/licmint/licmint/issuance"
	"github.com/licmint/licmint/signer/batch"
)

// Package batch declares the interface, so that issuance need not import it.
var _ batch.Recorder = (*issuance.BatchRecorder)(nil)
