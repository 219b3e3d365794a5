//go:build unix

package benchratio

import (
	"syscall"
	"time"
)

// ProcessCPU is the CPU time this process has used, user and system: on a
// machine shared with other jobs, a wall-time ratio also measures how much
// of the machine each side got, and a CPU-time ratio the work it did.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
