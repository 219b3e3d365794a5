//go:build !unix

package ledger

import "time"

func processCPU() time.Duration  { return 0 }
func postgresCPU() time.Duration { return 0 }
