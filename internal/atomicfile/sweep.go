package atomicfile

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// tempName returns a fresh temporary name of this package's naming beside
// path.
func tempName(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+partialInfix+strconv.FormatUint(uint64(rand.Uint32()), 10))
}

// openNamed creates and locks a named temporary file in dir.
func openNamed(dir, base string) (*os.File, string, error) {
	for range 10 {
		f, err := os.CreateTemp(dir, "."+base+partialInfix+"*")
		if err != nil {
			return nil, "", err
		}
		if err := lockWriter(f); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, "", err
		}
		// A sweep in another process may have taken the file for a dead
		// writer's between its creation and the lock, and removed it: then
		// start again.
		if fi, err := f.Stat(); err == nil {
			if li, err := os.Lstat(f.Name()); err == nil && os.SameFile(fi, li) {
				return f, f.Name(), nil
			}
		}
		f.Close()
	}
	return nil, "", &os.PathError{Op: "create temporary file in", Path: dir, Err: os.ErrExist}
}

// swept holds the directories swept by this process: a sweep is for what
// earlier runs left, so once is enough.
var swept sync.Map

// sweep removes from dir the temporary files of this package's naming
// whose writer is gone, once per directory and process. It reads the
// directory in bounded chunks and ignores errors: a file it cannot remove
// is only untidy.
func sweep(dir string) {
	if _, done := swept.LoadOrStore(dir, true); done {
		return
	}
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	defer d.Close()
	for {
		names, err := d.Readdirnames(256)
		for _, name := range names {
			if isPartialName(name) {
				sweepOne(filepath.Join(dir, name))
			}
		}
		if err != nil {
			return
		}
	}
}
