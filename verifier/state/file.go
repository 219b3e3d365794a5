package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// maxFileSize bounds a state file: MaxSerials entries fit easily.
const maxFileSize = 1 << 20

// File is a Store backed by a JSON file. Writes go to a temporary file that
// is synced and renamed over the old one, so a crash leaves the old state or
// the new, never half of one; a lock file beside it serialises processes
// that update the same state.
type File struct {
	Path string
	// LockTimeout bounds the wait for another process's update; zero
	// means 10 seconds.
	LockTimeout time.Duration
}

// NewFile returns a Store saved at path.
func NewFile(path string) *File { return &File{Path: path} }

type fileFormat struct {
	Version      int              `json:"version"`
	LastSeen     time.Time        `json:"last_seen"`
	ListSequence uint64           `json:"list_sequence"`
	Generations  map[string]uint8 `json:"generations,omitempty"`
	Extra        map[string]any   `json:"-"`
}

// Load implements Store.
func (f *File) Load() (State, error) {
	data, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, fmt.Errorf("%w: %s does not exist", ErrMissing, f.Path)
	}
	if err != nil {
		return State{}, fmt.Errorf("reading verifier state: %w", err)
	}
	s, err := decode(data)
	if err != nil {
		return State{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, f.Path, err)
	}
	return s, nil
}

func decode(data []byte) (State, error) {
	if len(data) > maxFileSize {
		return State{}, fmt.Errorf("%d bytes, more than %d", len(data), maxFileSize)
	}
	var ff fileFormat
	if err := json.Unmarshal(data, &ff); err != nil {
		return State{}, err
	}
	if ff.Version != 1 {
		return State{}, fmt.Errorf("version %d, want 1", ff.Version)
	}
	s := State{LastSeen: ff.LastSeen, ListSequence: ff.ListSequence}
	for k, g := range ff.Generations {
		serial, err := strconv.ParseUint(k, 10, 64)
		if err != nil {
			return State{}, fmt.Errorf("serial %q is not a number", k)
		}
		s.SeeGeneration(serial, g)
	}
	return s, nil
}

func encode(s State) ([]byte, error) {
	ff := fileFormat{Version: 1, LastSeen: s.LastSeen.UTC(), ListSequence: s.ListSequence}
	if len(s.Generations) > 0 {
		ff.Generations = map[string]uint8{}
		for serial, g := range s.Generations {
			ff.Generations[strconv.FormatUint(serial, 10)] = g
		}
	}
	return json.MarshalIndent(ff, "", "  ")
}

// Update implements Store. A missing file starts from the empty state; a
// corrupt one is renamed to Path+".corrupt" and replaced, and Update then
// returns ErrCorrupt after saving, so the caller learns of it.
func (f *File) Update(fn func(*State) error) error {
	unlock, err := lock(f.Path+".lock", f.timeout())
	if err != nil {
		return err
	}
	defer unlock()
	s, loadErr := f.Load()
	switch {
	case loadErr == nil, errors.Is(loadErr, ErrMissing):
		loadErr = nil
	case errors.Is(loadErr, ErrCorrupt):
		if err := os.Rename(f.Path, f.Path+".corrupt"); err != nil {
			return fmt.Errorf("setting aside corrupt verifier state: %w", err)
		}
	default:
		return loadErr
	}
	if err := fn(&s); err != nil {
		return err
	}
	data, err := encode(s)
	if err != nil {
		return err
	}
	if err := writeAtomic(f.Path, data); err != nil {
		return err
	}
	return loadErr
}

func (f *File) timeout() time.Duration {
	if f.LockTimeout > 0 {
		return f.LockTimeout
	}
	return 10 * time.Second
}

// writeAtomic replaces path with data: temporary file, fsync, rename, fsync
// of the directory.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("saving verifier state: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("saving verifier state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("saving verifier state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving verifier state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("saving verifier state: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
