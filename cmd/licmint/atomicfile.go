package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/licmint/licmint/internal/atomicfile"
)

// writeFileAtomic creates path through internal/atomicfile with what write
// writes: only a complete, synced file appears, so an error, an interrupt
// or a kill never leaves a file that looks finished. An existing path is
// kept unless force is set.
func writeFileAtomic(path string, force bool, perm fs.FileMode, write func(io.Writer) error) error {
	var opts []atomicfile.Option
	if force {
		opts = append(opts, atomicfile.Replace())
	}
	f, err := atomicfile.Create(path, perm, opts...)
	if err != nil {
		return existsHint(path, err)
	}
	defer f.Abort()
	if err := write(f); err != nil {
		return err
	}
	return existsHint(path, f.Commit())
}

// existsHint says what to do about an output file that exists.
func existsHint(path string, err error) error {
	if errors.Is(err, fs.ErrExist) {
		return withHint(exitError, fmt.Errorf("%s already exists", path), "use --force to overwrite it, or choose another --out")
	}
	return err
}
