package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"unsafe"
)

// Linux's constants for unnamed files. The standard library's syscall
// package lacks them, and golang.org/x/sys/unix would add its package
// initialisation to every product that embeds the verifier.
const (
	// oTmpfile is O_TMPFILE: __O_TMPFILE (the same on every architecture
	// Go supports on Linux) with O_DIRECTORY.
	oTmpfile        = 0o20000000 | syscall.O_DIRECTORY
	atFDCWD         = -0x64
	atSymlinkFollow = 0x400
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
		fd, err := syscall.Open(dir, oTmpfile|syscall.O_WRONLY|syscall.O_CLOEXEC, 0o600)
		switch {
		case err == nil:
			// Named for the target, which errors then mention.
			f := os.NewFile(uintptr(fd), filepath.Join(dir, base))
			lockWriter(f)
			return f, "", nil
		case err == syscall.EOPNOTSUPP, err == syscall.EISDIR, err == syscall.EINVAL:
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
	if err := linkat("/proc/self/fd/"+strconv.Itoa(int(f.Fd())), path); err != nil {
		return &fs.PathError{Op: "link", Path: path, Err: err}
	}
	return nil
}

// linkat is linkat(2) with AT_SYMLINK_FOLLOW, which links the file that
// /proc/self/fd/N stands for, not the link itself.
func linkat(oldpath, newpath string) error {
	o, err := syscall.BytePtrFromString(oldpath)
	if err != nil {
		return err
	}
	n, err := syscall.BytePtrFromString(newpath)
	if err != nil {
		return err
	}
	cwd := atFDCWD // a variable: a negative constant does not convert to uintptr
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_LINKAT, uintptr(cwd), uintptr(unsafe.Pointer(o)),
			uintptr(cwd), uintptr(unsafe.Pointer(n)), atSymlinkFollow, 0)
		switch e {
		case 0:
			return nil
		case syscall.EINTR:
			continue
		}
		return e
	}
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
