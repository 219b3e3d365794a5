// Package atomicfile writes files so that a reader, a crash or a kill
// never sees half of one: the data goes to a temporary file in the target's
// directory, which is synced and only then given the target's name, and the
// directory is synced after. It is the one writer of finished files for the
// whole module.
//
// On Linux the temporary file is unnamed (O_TMPFILE), so a process killed
// mid-write leaves nothing behind. Elsewhere, or on a file system without
// unnamed files, it is a hidden file named ".NAME.partial-DIGITS"; the first
// write into a directory in each process removes such files whose writer
// is gone.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// unnamedDisabled makes Linux use named temporary files too, for tests of
// the fallback.
var unnamedDisabled bool

// Option configures Create and WriteFile.
type Option func(*options)

type options struct{ replace bool }

// Replace lets Commit replace an existing file. Without it Create and
// Commit fail with an error matching fs.ErrExist if the target exists, and
// Commit never overwrites a file that appeared while the data was written.
func Replace() Option { return func(o *options) { o.replace = true } }

// File is a file being written. Nothing is visible under its name until
// Commit; Abort (or a crash) discards it.
type File struct {
	f       *os.File
	path    string
	tmpName string // the temporary file's name, or "" while it is unnamed
	replace bool
	done    bool
}

// Create starts writing path, to be created with exactly perm (the umask
// does not apply). Unless Replace is given, an existing path is an error
// matching fs.ErrExist, reported now so that no work is done in vain.
func Create(path string, perm fs.FileMode, opts ...Option) (*File, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if !o.replace {
		if _, err := os.Lstat(path); err == nil {
			return nil, existError(path)
		}
	}
	dir := filepath.Dir(path)
	sweep(dir)
	f, tmpName, err := openTemp(dir, filepath.Base(path))
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		if tmpName != "" {
			os.Remove(tmpName)
		}
		return nil, err
	}
	return &File{f: f, path: path, tmpName: tmpName, replace: o.replace}, nil
}

// Name returns the path the file will have once committed.
func (f *File) Name() string { return f.path }

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) {
	if f.done {
		return 0, errDone(f.path)
	}
	return f.f.Write(p)
}

// Commit syncs the data, gives the file its name and syncs the directory.
// On error nothing new is left under the name, and the file is discarded.
func (f *File) Commit() (err error) {
	if f.done {
		return errDone(f.path)
	}
	f.done = true
	defer func() {
		// Closing last keeps the writer's lock on the file until it is in
		// place, so that no sweep takes it for a dead writer's.
		f.f.Close()
		if err != nil && f.tmpName != "" {
			os.Remove(f.tmpName)
		}
	}()
	if err := f.f.Sync(); err != nil {
		return err
	}
	if f.tmpName == "" {
		if !f.replace {
			// link fails if the name exists: nothing is overwritten.
			if err := linkUnnamed(f.f, f.path); err != nil {
				if errors.Is(err, fs.ErrExist) {
					return existError(f.path)
				}
				return err
			}
			return SyncDir(filepath.Dir(f.path))
		}
		// An unnamed file cannot replace another directly: give it a
		// temporary name (which a sweep would remove after a kill), then
		// rename that over the target.
		if f.tmpName, err = linkTempName(f.f, f.path); err != nil {
			return err
		}
	} else if !f.replace {
		err := os.Link(f.tmpName, f.path)
		if errors.Is(err, fs.ErrExist) {
			return existError(f.path)
		}
		if err == nil {
			os.Remove(f.tmpName)
			f.tmpName = ""
			return SyncDir(filepath.Dir(f.path))
		}
		// No hard links on this file system: rename, checking first.
		if _, err := os.Lstat(f.path); err == nil {
			return existError(f.path)
		}
	}
	if runtime.GOOS == "windows" {
		// Windows refuses to rename a file open without FILE_SHARE_DELETE,
		// as os.OpenFile opens it; it has no flock either, so closing
		// first loses no lock.
		f.f.Close()
	}
	if err := os.Rename(f.tmpName, f.path); err != nil {
		return err
	}
	f.tmpName = ""
	return SyncDir(filepath.Dir(f.path))
}

// Abort discards the file. It does nothing after Commit, so that it can
// be deferred.
func (f *File) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	err := f.f.Close()
	if f.tmpName != "" {
		if rerr := os.Remove(f.tmpName); err == nil {
			err = rerr
		}
	}
	return err
}

// WriteFile writes data to path through Create and Commit.
func WriteFile(path string, data []byte, perm fs.FileMode, opts ...Option) error {
	f, err := Create(path, perm, opts...)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

func existError(path string) error {
	return &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}
}

func errDone(path string) error {
	return fmt.Errorf("atomicfile: %s: already committed or aborted", path)
}

// partialInfix marks the temporary names this package gives files:
// "." + base + partialInfix + decimal digits.
const partialInfix = ".partial-"

// isPartialName reports whether name is one of this package's temporary
// names.
func isPartialName(name string) bool {
	if len(name) < 2 || name[0] != '.' {
		return false
	}
	i := strings.LastIndex(name, partialInfix)
	if i < 1 {
		return false
	}
	digits := name[i+len(partialInfix):]
	if len(digits) == 0 || len(digits) > 20 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
