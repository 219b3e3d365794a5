//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package atomicfile

import "os"

// lockWriter does nothing where there is no flock: sweeps go by age.
func lockWriter(f *os.File) {}

func sweepOne(path string) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
		sweepOld(path, fi)
	}
}
