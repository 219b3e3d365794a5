package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/licmint/licmint/signer"
)

var errInjected = errors.New("injected failure")

// failFS fails step number failAt of a key pair write and, when crash is
// set, every step after it, as a killed process does nothing more.
type failFS struct {
	keyFS
	step, failAt int
	crash        bool
}

func (f *failFS) fail() error {
	n := f.step
	f.step++
	if n == f.failAt || (f.crash && f.failAt >= 0 && n > f.failAt) {
		return errInjected
	}
	return nil
}

func (f *failFS) WriteFile(path string, data []byte, perm fs.FileMode) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.keyFS.WriteFile(path, data, perm)
}

func (f *failFS) Link(oldname, newname string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.keyFS.Link(oldname, newname)
}

func (f *failFS) Rename(oldname, newname string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.keyFS.Rename(oldname, newname)
}

func (f *failFS) Remove(path string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.keyFS.Remove(path)
}

func (f *failFS) SyncDir(dir string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.keyFS.SyncDir(dir)
}

// noSyncFS is osKeyFS without fsync, under failFS: the tests stop a write
// at each step instead of crashing the machine, so syncing proves nothing
// there, and on a busy disk it cost the suite seconds.
type noSyncFS struct{ osKeyFS }

func (noSyncFS) WriteFile(path string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

func (noSyncFS) SyncDir(string) error { return nil }

type testPair struct{ priv, pub []byte }

func makeTestPair(t *testing.T, kid uint8, to age.Recipient) testPair {
	t.Helper()
	k, err := signer.GenerateKey(kid)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := k.Encrypt(to)
	if err != nil {
		t.Fatal(err)
	}
	return testPair{priv, k.MarshalPublicPEM()}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// pairIn returns which of the pairs dir holds as vendor.key.age and
// vendor.pub.pem, after checking that the public key is the private key's:
// -1 for none, and fails the test for a mismatched or unknown pair.
func pairIn(t *testing.T, dir string, id age.Identity, pairs ...testPair) int {
	t.Helper()
	priv, perr := os.ReadFile(filepath.Join(dir, "vendor.key.age"))
	pub, uerr := os.ReadFile(filepath.Join(dir, "vendor.pub.pem"))
	if errors.Is(perr, fs.ErrNotExist) && errors.Is(uerr, fs.ErrNotExist) {
		return -1
	}
	if perr != nil || uerr != nil {
		t.Fatalf("half a pair: %v, %v; files %q", perr, uerr, dirNames(t, dir))
	}
	k, err := signer.DecryptKey(priv, id)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.MarshalPublicPEM(), pub) {
		t.Fatalf("the public key is not the private key's; files %q", dirNames(t, dir))
	}
	for i, p := range pairs {
		if bytes.Equal(p.priv, priv) && bytes.Equal(p.pub, pub) {
			return i
		}
	}
	t.Fatal("an unknown key pair")
	return 0
}

// holds reports whether some file in dir has content data.
func holds(t *testing.T, dir string, data []byte) bool {
	for _, name := range dirNames(t, dir) {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil && bytes.Equal(b, data) {
			return true
		}
	}
	return false
}

// A failure or a crash at every step of writing a key pair, and at every
// step of the recovery after a crash, leaves the complete old pair or the
// complete new pair once the next keygen has run, and never loses the old
// private key before the new pair is in place.
func TestKeyPairFailureAtEveryStep(t *testing.T) {
	t.Parallel()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	oldPair, newPair := makeTestPair(t, 1, id.Recipient()), makeTestPair(t, 2, id.Recipient())
	const (
		old = 0
		new = 1
	)
	setup := func(force bool) string {
		dir := t.TempDir()
		if force {
			os.WriteFile(filepath.Join(dir, "vendor.key.age"), oldPair.priv, 0o600)
			os.WriteFile(filepath.Join(dir, "vendor.pub.pem"), oldPair.pub, 0o644)
		}
		return dir
	}
	wantOnlyPair := func(dir string) {
		t.Helper()
		if names := dirNames(t, dir); !slices.Equal(names, []string{"vendor.key.age", "vendor.pub.pem"}) && len(names) != 0 {
			t.Fatalf("files left: %q", names)
		}
	}
	for _, force := range []bool{true, false} {
		before := -1 // no pair
		if force {
			before = old
		}
		count := &failFS{keyFS: noSyncFS{}, failAt: -1}
		dir := setup(force)
		if err := (&keyPair{dir, "vendor", count}).write(newPair.priv, newPair.pub, force); err != nil {
			t.Fatal(err)
		}
		if pairIn(t, dir, id, oldPair, newPair) != new {
			t.Fatal("the new pair was not written")
		}
		wantOnlyPair(dir)
		steps := count.step
		if steps < 8 {
			t.Fatalf("only %d steps counted", steps)
		}
		for k := range steps {
			for _, crash := range []bool{false, true} {
				dir := setup(force)
				err := (&keyPair{dir, "vendor", &failFS{keyFS: noSyncFS{}, failAt: k, crash: crash}}).write(newPair.priv, newPair.pub, force)
				if err == nil {
					t.Fatalf("force %v, step %d failed, crash %v: no error", force, k, crash)
				}
				committed := exists(filepath.Join(dir, "vendor"+commitSuffix))
				if !committed {
					// The key files are as they were, or the new pair.
					if got := pairIn(t, dir, id, oldPair, newPair); got != before && got != new {
						t.Fatalf("step %d: pair %d before the commit", k, got)
					}
					if !crash {
						wantOnlyPair(dir) // an error cleans up at once
					}
				}
				if force && !holds(t, dir, oldPair.priv) && pairIn(t, dir, id, oldPair, newPair) != new {
					t.Fatalf("force, step %d, crash %v: the old private key is gone before the new pair is in place", k, crash)
				}
				if !crash {
					check(t, dir, id, committed, before, oldPair, newPair, wantOnlyPair)
					continue
				}
				// The next keygen recovers, and a crash in that recovery is
				// recovered from by the one after.
				rcount := &failFS{keyFS: noSyncFS{}, failAt: -1}
				probe := t.TempDir()
				copyDir(t, dir, probe)
				if err := (&keyPair{probe, "vendor", rcount}).recoverPair(new2discard{}); err != nil {
					t.Fatal(err)
				}
				for j := range rcount.step {
					again := t.TempDir()
					copyDir(t, dir, again)
					(&keyPair{again, "vendor", &failFS{keyFS: noSyncFS{}, failAt: j, crash: true}}).recoverPair(new2discard{})
					if force && !holds(t, again, oldPair.priv) && pairIn(t, again, id, oldPair, newPair) != new {
						t.Fatalf("step %d, recovery step %d: the old private key is gone", k, j)
					}
					check(t, again, id, committed, before, oldPair, newPair, wantOnlyPair)
				}
				check(t, dir, id, committed, before, oldPair, newPair, wantOnlyPair)
			}
		}
	}
}

// check runs the next keygen's recovery in dir and checks that it leaves
// the new pair if the write was committed, else the pair from before (or
// the new one, if only the last steps failed), and nothing else.
func check(t *testing.T, dir string, id age.Identity, committed bool, before int, oldPair, newPair testPair, wantOnlyPair func(string)) {
	t.Helper()
	var msg strings.Builder
	marked := exists(filepath.Join(dir, "vendor"+commitSuffix))
	if err := (&keyPair{dir, "vendor", noSyncFS{}}).recoverPair(&msg); err != nil {
		t.Fatalf("recovery: %v", err)
	}
	got := pairIn(t, dir, id, oldPair, newPair)
	if committed && got != 1 || !committed && got != before && got != 1 {
		t.Fatalf("after recovery: pair %d (committed %v); %s", got, committed, msg.String())
	}
	wantOnlyPair(dir)
	if marked && !strings.Contains(msg.String(), "installed it") {
		t.Errorf("recovery said %q", msg.String())
	}
}

type new2discard struct{}

func (new2discard) Write(p []byte) (int, error) { return len(p), nil }

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	for _, name := range dirNames(t, from) {
		b, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(filepath.Join(from, name))
		if err := os.WriteFile(filepath.Join(to, name), b, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

// A backup that is not a copy of its key, with no commit file, is not an
// interrupted keygen's: recovery keeps it and says so.
func TestKeyPairRecoveryKeepsForeignBackup(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "vendor.key.age"), []byte("current"), 0o600)
	os.WriteFile(filepath.Join(dir, "vendor.key.age"+backupSuffix), []byte("something else"), 0o600)
	err := newKeyPair(dir, "vendor").recoverPair(new2discard{})
	if err == nil || !strings.Contains(err.Error(), "is not a copy of") {
		t.Fatalf("recovery: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "vendor.key.age"+backupSuffix)); string(b) != "something else" {
		t.Fatal("the backup was changed")
	}
}
