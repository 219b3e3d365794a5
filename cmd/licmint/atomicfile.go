package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writeFileAtomic creates path through a temporary file in the same
// directory that write fills; only a complete, synced file is renamed into
// place, so an error or an interrupt never leaves a file that looks
// finished. An existing path is kept unless force is set.
func writeFileAtomic(path string, force bool, perm fs.FileMode, write func(*os.File) error) (err error) {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return withHint(exitError, fmt.Errorf("%s already exists", path), "use --force to overwrite it, or choose another --out")
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if !force {
		// Link fails if path appeared meanwhile, so nothing is overwritten.
		err := os.Link(tmp.Name(), path)
		if err == nil {
			return os.Remove(tmp.Name())
		}
		if errors.Is(err, fs.ErrExist) {
			return withHint(exitError, fmt.Errorf("%s already exists", path), "use --force to overwrite it, or choose another --out")
		}
		// A file system without hard links: rename, having checked above.
	}
	return os.Rename(tmp.Name(), path)
}
