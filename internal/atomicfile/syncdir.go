package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"syscall"
	"time"
)

// staleAfter is how long since its last write a temporary file is taken
// to be abandoned where no lock can tell.
const staleAfter = 30 * time.Minute

func sweepOld(path string, fi fs.FileInfo) {
	if time.Since(fi.ModTime()) > staleAfter {
		os.Remove(path)
	}
}

// SyncDir makes the names just linked, renamed or removed in dir durable.
// File systems that cannot sync a directory are not an error.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be synced there; NTFS logs renames
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	d.Close()
	if err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}
