//go:build !unix

package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// lock creates path exclusively as a lock, waiting up to timeout. A lock
// older than a minute is taken to be left by a crashed process and removed.
func lock(path string, timeout time.Duration) (unlock func(), err error) {
	deadline := time.Now().Add(timeout)
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("locking verifier state: %w", err)
		}
		if fi, err := os.Stat(path); err == nil && time.Since(fi.ModTime()) > time.Minute {
			os.Remove(path)
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("locking verifier state %s: still locked after %v", path, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
