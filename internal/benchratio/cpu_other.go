//go:build !linux

package benchratio

import (
	"database/sql"
	"time"
)

// Elsewhere than on Linux no CPU times are measured: ratios of them show
// NaN.

func ProcessCPU() time.Duration { return 0 }

func PostgresCPU(*sql.DB) func() time.Duration { return nil }
