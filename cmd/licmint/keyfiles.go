package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/licmint/licmint/internal/atomicfile"
)

// A key pair is two files, and no file system renames two files as one.
// So that a failure or a crash at any point leaves the complete old pair or
// the complete new pair, keygen writes a pair in steps, each durable
// before the next:
//
//  1. stage: write the new files, complete, as NAME.key.age.keygen-new
//     and NAME.pub.pem.keygen-new;
//  2. back up (--force): hard-link, or copy, each existing old file to
//     NAME.key.age.keygen-old and NAME.pub.pem.keygen-old;
//  3. commit: create NAME.keygen-commit;
//  4. install: link or rename each staged file to its name;
//  5. remove the backups, then the commit file.
//
// Until step 3 the key files themselves are untouched, and undoing is
// removing the staged and backup files. From step 3 on, the new pair is
// complete on disk and the old one is kept in the backups, so the next
// keygen for the pair finishes steps 4 and 5 (recoverKeyPair), saying so.
// The old private key is therefore never destroyed before the new pair
// is in place.
const (
	stagedSuffix = ".keygen-new"
	backupSuffix = ".keygen-old"
	commitSuffix = ".keygen-commit"
)

// keyFS holds the file operations of writing a key pair, each one step
// that can fail; tests replace it to fail at every step in turn.
type keyFS interface {
	// WriteFile creates path with data, complete or not at all, and
	// fails with fs.ErrExist if path exists.
	WriteFile(path string, data []byte, perm fs.FileMode) error
	Link(oldname, newname string) error
	Rename(oldname, newname string) error
	Remove(path string) error
	SyncDir(dir string) error
}

type osKeyFS struct{}

func (osKeyFS) WriteFile(path string, data []byte, perm fs.FileMode) error {
	return atomicfile.WriteFile(path, data, perm)
}
func (osKeyFS) Link(oldname, newname string) error   { return os.Link(oldname, newname) }
func (osKeyFS) Rename(oldname, newname string) error { return os.Rename(oldname, newname) }
func (osKeyFS) Remove(path string) error             { return os.Remove(path) }
func (osKeyFS) SyncDir(dir string) error             { return atomicfile.SyncDir(dir) }

var keyFiles keyFS = osKeyFS{}

// keyPair names the files of the pair NAME in DIR.
type keyPair struct {
	dir, name string
	fs        keyFS
}

func newKeyPair(dir, name string) *keyPair { return &keyPair{dir, name, keyFiles} }

func (p *keyPair) privPath() string   { return filepath.Join(p.dir, p.name+".key.age") }
func (p *keyPair) pubPath() string    { return filepath.Join(p.dir, p.name+".pub.pem") }
func (p *keyPair) commitPath() string { return filepath.Join(p.dir, p.name+commitSuffix) }
func (p *keyPair) paths() []string    { return []string{p.privPath(), p.pubPath()} }

// write writes the pair. Without force an existing key file is an error
// and nothing is written.
func (p *keyPair) write(priv, pub []byte, force bool) (err error) {
	if !force {
		for _, path := range p.paths() {
			if exists(path) {
				return keyExistsError(path)
			}
		}
	}
	var made []string // the staged and backup files, removed on failure
	defer func() {
		if err != nil && !exists(p.commitPath()) {
			for _, path := range made {
				p.fs.Remove(path)
			}
		}
	}()
	for i, data := range [][]byte{priv, pub} {
		path := p.paths()[i] + stagedSuffix
		if err := p.fs.WriteFile(path, data, []fs.FileMode{0o600, 0o644}[i]); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s exists: is another keygen making this key pair?", path)
			}
			return err
		}
		made = append(made, path)
	}
	if force {
		for _, path := range p.paths() {
			if !exists(path) {
				continue
			}
			if err := p.backup(path); err != nil {
				return fmt.Errorf("keeping the old key file %s until the new pair is complete: %w", path, err)
			}
			made = append(made, path+backupSuffix)
		}
		if err := p.fs.SyncDir(p.dir); err != nil {
			return err
		}
	}
	commit := fmt.Sprintf("licmint keygen was writing the key pair %s here when it stopped.\n"+
		"Run licmint keygen --out %s --name %s to finish.\n", p.name, p.dir, p.name)
	if err := p.fs.WriteFile(p.commitPath(), []byte(commit), 0o644); err != nil {
		return err
	}
	if err := p.finish(); err != nil {
		return withHint(exitError, fmt.Errorf("the new key pair is complete but not all in place: %w", err),
			"run the same licmint keygen command again to finish; the old key files are kept as *"+backupSuffix+" until then")
	}
	return nil
}

// backup keeps path as path+backupSuffix: a hard link, or a copy where the
// file system has none.
func (p *keyPair) backup(path string) error {
	err := p.fs.Link(path, path+backupSuffix)
	if !noHardLinks(err) {
		return err
	}
	data, rerr := readLimited(path, keyFileInput)
	if rerr != nil {
		return rerr
	}
	fi, serr := os.Stat(path)
	if serr != nil {
		return serr
	}
	return p.fs.WriteFile(path+backupSuffix, data, fi.Mode().Perm())
}

// finish does steps 4 and 5, from wherever they were stopped.
func (p *keyPair) finish() error {
	for _, path := range p.paths() {
		if err := p.install(path); err != nil {
			return err
		}
	}
	if err := p.fs.SyncDir(p.dir); err != nil {
		return err
	}
	for _, path := range p.paths() {
		if err := p.fs.Remove(path + backupSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := p.fs.SyncDir(p.dir); err != nil {
		return err
	}
	if err := p.fs.Remove(p.commitPath()); err != nil {
		return err
	}
	return p.fs.SyncDir(p.dir)
}

// install gives the staged file path+stagedSuffix the name path. A file
// there is replaced only if it is the old one, kept as a backup: one that
// appeared meanwhile is not.
func (p *keyPair) install(path string) error {
	staged := path + stagedSuffix
	if !exists(staged) {
		return nil // installed before
	}
	err := p.fs.Link(staged, path)
	switch {
	case err == nil, errors.Is(err, fs.ErrExist) && sameContent(staged, path):
		// Linked before an interruption.
		return p.fs.Remove(staged)
	case errors.Is(err, fs.ErrExist), noHardLinks(err) && exists(path):
		if !sameContent(path+backupSuffix, path) {
			return keyExistsError(path)
		}
	case !noHardLinks(err):
		return err
	}
	return p.fs.Rename(staged, path)
}

// recoverPair resolves what an interrupted keygen left of the pair,
// telling w what it did: it finishes a committed replacement and removes
// the files of one that was not.
func (p *keyPair) recoverPair(w io.Writer) error {
	if exists(p.commitPath()) {
		if err := p.finish(); err != nil {
			return withHint(exitError, fmt.Errorf("finishing the key pair %s that an interrupted keygen made: %w", p.name, err),
				"the new pair is in the *"+stagedSuffix+" files and the old one in the *"+backupSuffix+" files; fix the cause and run keygen again")
		}
		fmt.Fprintf(w, "licmint: an earlier keygen stopped after making its new key pair: installed it as %s and %s\n", p.privPath(), p.pubPath())
		return nil
	}
	removed := false
	for _, path := range p.paths() {
		if exists(path + stagedSuffix) {
			if err := p.fs.Remove(path + stagedSuffix); err != nil {
				return err
			}
			removed = true
		}
		backup := path + backupSuffix
		if !exists(backup) {
			continue
		}
		if !sameContent(backup, path) {
			return withHint(exitError, fmt.Errorf("%s is not a copy of %s", backup, path),
				"an earlier keygen left it: keep it if it is a key you need, then move it away")
		}
		if err := p.fs.Remove(backup); err != nil {
			return err
		}
		removed = true
	}
	if removed {
		fmt.Fprintf(w, "licmint: removed the files of an earlier keygen of %s that did not finish; %s and %s are as they were\n", p.name, p.privPath(), p.pubPath())
	}
	return nil
}

// noHardLinks reports whether err is a file system's refusal of hard
// links (FAT, some network file systems).
func noHardLinks(err error) bool {
	return errors.Is(err, errors.ErrUnsupported) || errors.Is(err, fs.ErrPermission)
}

func keyExistsError(path string) error {
	return withHint(exitError, fmt.Errorf("%s exists", path), "choose another --name or --out, or give --force to replace it (the old key is lost)")
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// sameEntry reports whether a and b are links to one file, not following
// symbolic links: unlike sameFile, a symbolic link to a key is not the key.
func sameEntry(a, b string) bool {
	fa, err := os.Lstat(a)
	if err != nil {
		return false
	}
	fb, err := os.Lstat(b)
	return err == nil && os.SameFile(fa, fb)
}

// sameContent reports whether a and b are the same file or hold the same
// bytes (key files are small).
func sameContent(a, b string) bool {
	if sameEntry(a, b) {
		return true
	}
	da, err := readLimited(a, keyFileInput)
	if err != nil {
		return false
	}
	db, err := readLimited(b, keyFileInput)
	return err == nil && bytes.Equal(da, db)
}

// checkPairComplete refuses a key file whose pair a keygen --force left
// half replaced (its commit file is there): the private and public files
// may then be of different keys, and signing with one while products trust
// the other would issue codes that do not verify.
func checkPairComplete(flag, path string) error {
	for _, suffix := range []string{".key.age", ".pub.pem"} {
		if base, ok := strings.CutSuffix(path, suffix); ok && exists(base+commitSuffix) {
			dir, name := filepath.Split(base)
			if dir == "" {
				dir = "."
			}
			return keyError(fmt.Errorf("%s %s: an interrupted 'keygen --force' left this key pair half replaced (%s is there)", flag, path, base+commitSuffix),
				fmt.Sprintf("run 'licmint keygen --out %s --name %s' once: it completes the replacement, keeps the old pair's backups until then, and says which pair is in place", filepath.Clean(dir), name))
		}
	}
	return nil
}
