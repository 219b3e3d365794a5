package atomicfile

import (
	"errors"
	"io/fs"
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
	for range 100 {
		name := tempName(filepath.Join(dir, base))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		lockWriter(f)
		// A sweep in another process may have taken the file for a dead
		// writer's between its creation and the lock, and removed it: then
		// start again.
		if fi, err := f.Stat(); err == nil {
			if li, err := os.Lstat(name); err == nil && os.SameFile(fi, li) {
				return f, name, nil
			}
		}
		f.Close()
	}
	return nil, "", &fs.PathError{Op: "create temporary file in", Path: dir, Err: errors.New("no free temporary name")}
}

// swept holds the directories swept by this process: a sweep is for what
// earlier runs left, so once is enough. (A plain map: sync.Map would add
// tens of KB to every product that embeds the verifier.)
var (
	sweptMu sync.Mutex
	swept   map[string]bool
)

// sweep removes from dir the temporary files of this package's naming
// whose writer is gone, once per directory and process. It reads the
// directory in bounded chunks and ignores errors: a file it cannot remove
// is only untidy.
func sweep(dir string) {
	sweptMu.Lock()
	done := swept[dir]
	if !done {
		if swept == nil {
			swept = map[string]bool{}
		}
		swept[dir] = true
	}
	sweptMu.Unlock()
	if done {
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
