//go:build !unix

package issuance_test

import "time"

// processCPU is not measured here: cpu-ratio shows NaN.
func processCPU() time.Duration { return 0 }
