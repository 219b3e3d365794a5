//go:build !linux

package atomicfile

import (
	"errors"
	"os"
)

// openTemp opens a named temporary file in dir, locked against sweeps.
func openTemp(dir, base string) (f *os.File, tmpName string, err error) {
	return openNamed(dir, base)
}

// Only Linux has unnamed files, and openTemp never returns one elsewhere.
var errNoUnnamed = errors.New("atomicfile: no unnamed files on this system")

func linkUnnamed(f *os.File, path string) error            { return errNoUnnamed }
func linkTempName(f *os.File, path string) (string, error) { return "", errNoUnnamed }
