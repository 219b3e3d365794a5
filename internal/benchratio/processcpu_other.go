//go:build !unix

package benchratio

import "time"

// ProcessCPU is not measured without getrusage: ratios of it show NaN.
func ProcessCPU() time.Duration { return 0 }
