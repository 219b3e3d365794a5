//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package atomicfile

import (
	"os"
	"syscall"
)

// lockWriter marks f as being written: the kernel drops the lock when the
// writer exits, however it exits, which is how a sweep tells a dead
// writer's file from a live one's, on this host or another sharing the
// directory. Where there are no locks (ENOLCK, ENOTSUP) sweeps go by age
// alone, which is no reason to fail the write.
func lockWriter(f *os.File) {
	for syscall.Flock(int(f.Fd()), syscall.LOCK_EX) == syscall.EINTR {
	}
}

// sweepOne removes path if no live writer holds its lock.
func sweepOne(path string) {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if err != syscall.EWOULDBLOCK {
			sweepOld(path, fi) // no locks here
		}
		return
	}
	// Still the file looked at, and not one a writer put there since.
	if now, err := f.Stat(); err == nil && os.SameFile(fi, now) {
		os.Remove(path)
	}
}
