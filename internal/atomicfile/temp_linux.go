package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// procFD tells whether /proc/self/fd is there, through which linkat names
// an unnamed file without privileges. (Not a package-level sync.OnceValue:
// its initialisation would be linked into every product embedding the
// verifier, state files or not.)
func procFD() bool {
	_, err := os.Stat("/proc/self/fd")
	return err == nil
}

// openTemp opens an unnamed file in dir where the kernel and file system
// allow it, and a named one otherwise. The file is locked against sweeps.
func openTemp(dir, base string) (f *os.File, tmpName string, err error) {
	if !unnamedDisabled && procFD() {
		fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
		switch {
		case err == nil:
			// Named for the target, which errors then mention.
			f := os.NewFile(uintptr(fd), filepath.Join(dir, base))
			lockWriter(f)
			return f, "", nil
		case err == unix.EOPNOTSUPP, err == unix.EISDIR, err == unix.EINVAL:
			// An old kernel or a file system without unnamed files.
		default:
			return nil, "", &fs.PathError{Op: "create temporary file in", Path: dir, Err: err}
		}
	}
	return openNamed(dir, base)
}

// linkUnnamed gives the unnamed file f the name path; it fails with
// fs.ErrExist if path exists.
func linkUnnamed(f *os.File, path string) error {
	err := unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(int(f.Fd())), unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW)
	if err != nil {
		return &fs.PathError{Op: "link", Path: path, Err: err}
	}
	return nil
}

// linkTempName gives the unnamed file f a temporary name of this package's
// naming beside path, and returns it.
func linkTempName(f *os.File, path string) (string, error) {
	for range 100 {
		name := tempName(path)
		err := linkUnnamed(f, name)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", &fs.PathError{Op: "link", Path: path, Err: errors.New("no free temporary name")}
}
