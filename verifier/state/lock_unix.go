//go:build unix

package state

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// lock takes an exclusive flock on path, waiting up to timeout. The kernel
// drops it if the process dies, so a crash never leaves the state locked.
func lock(path string, timeout time.Duration) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking verifier state: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if err != syscall.EWOULDBLOCK || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("locking verifier state %s: %w (is another process stuck updating it?)", path, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
