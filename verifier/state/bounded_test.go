//go:build unix

package state_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/licmint/licmint/verifier/state"
)

// TestLoadTooLarge checks that a state file past MaxFileSize is corrupt,
// and so set aside by Update, with the limit named.
func TestLoadTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.txt")
	big := "licmint verifier state v1\n" + strings.Repeat("x", state.MaxFileSize)
	if err := os.WriteFile(path, []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := state.NewFile(path).Load()
	if !errors.Is(err, state.ErrCorrupt) || !strings.Contains(err.Error(), "more than 1048576 bytes") {
		t.Fatalf("Load: %v", err)
	}
}

// TestLoadNotRegular checks that a device or FIFO given as the state is
// refused without being read, and not as corrupt: Update must not set it
// aside or replace it.
func TestLoadNotRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "state.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	for _, path := range []string{"/dev/zero", fifo} {
		// A FIFO with no writer would block an open: Load must not open it.
		_, err := state.NewFile(path).Load()
		if err == nil || errors.Is(err, state.ErrCorrupt) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Load(%s): %v", path, err)
		}
	}
	fi, err := os.Lstat(fifo)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was touched: %v %v", fi, err)
	}
}
