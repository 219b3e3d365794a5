//go:build !linux

package portal_test

import (
	"database/sql"
	"time"
)

// Elsewhere than on Linux the load benchmark reports no CPU times.

func processCPU() time.Duration { return 0 }

func postgresCPU(*sql.DB) func() time.Duration { return nil }
