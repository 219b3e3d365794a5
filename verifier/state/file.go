package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxFileSize bounds a state file: MaxSerials entries fit easily.
const maxFileSize = 1 << 20

// File is a Store backed by a small text file (FORMAT.md section 13).
// Writes go to a temporary file that is synced and renamed over the old
// one, so a crash leaves the old state or the new, never half of one; a
// lock file beside it serialises processes that update the same state.
type File struct {
	Path string
	// LockTimeout bounds the wait for another process's update; zero
	// means 10 seconds.
	LockTimeout time.Duration
}

// NewFile returns a Store saved at path.
func NewFile(path string) *File { return &File{Path: path} }

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

// The file is text rather than JSON so that a product using it does not
// link encoding/json, which would double the verifier's size.
const fileHeader = "licmint verifier state v1"

func decode(data []byte) (State, error) {
	var s State
	if len(data) > maxFileSize {
		return s, fmt.Errorf("%d bytes, more than %d", len(data), maxFileSize)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if lines[0] != fileHeader {
		return s, fmt.Errorf("first line is not %q", fileHeader)
	}
	seen := map[string]bool{}
	for n, line := range lines[1:] {
		key, val, ok := strings.Cut(line, ": ")
		if !ok || (key != "generation" && seen[key]) {
			return s, fmt.Errorf("line %d: want \"name: value\", each name once", n+2)
		}
		seen[key] = true
		var err error
		switch key {
		case "last-seen":
			s.LastSeen, err = time.Parse(time.RFC3339, val)
		case "list-sequence":
			s.ListSequence, err = strconv.ParseUint(val, 10, 64)
		case "generation":
			serial, gen, found := strings.Cut(val, " ")
			var sv, gv uint64
			if sv, err = strconv.ParseUint(serial, 10, 64); err == nil && found {
				gv, err = strconv.ParseUint(gen, 10, 8)
			}
			if !found && err == nil {
				err = errors.New("want \"serial generation\"")
			}
			s.SeeGeneration(sv, uint8(gv))
		default:
			err = fmt.Errorf("unknown name %q", key)
		}
		if err != nil {
			return State{}, fmt.Errorf("line %d: %v", n+2, err)
		}
	}
	return s, nil
}

func encode(s State) []byte {
	b := append([]byte(fileHeader), "\nlast-seen: "...)
	b = s.LastSeen.UTC().AppendFormat(b, time.RFC3339)
	b = append(b, "\nlist-sequence: "...)
	b = strconv.AppendUint(b, s.ListSequence, 10)
	b = append(b, '\n')
	serials := make([]uint64, 0, len(s.Generations))
	for serial := range s.Generations {
		serials = append(serials, serial)
	}
	slices.Sort(serials)
	for _, serial := range serials {
		b = append(b, "generation: "...)
		b = strconv.AppendUint(b, serial, 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(s.Generations[serial]), 10)
		b = append(b, '\n')
	}
	return b
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
	if err := writeAtomic(f.Path, encode(s)); err != nil {
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
