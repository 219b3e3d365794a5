package state

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/atomicfile"
)

// Limits of the files File reads; reading stops one byte past them.
const (
	// MaxFileSize bounds a state file: MaxSerials entries fit easily.
	MaxFileSize = 1 << 20
	// MaxListSize bounds the revocation list saved beside it: 2^24
	// entries and the rest.
	MaxListSize = 1<<27 + 1<<10
)

// File is a Store backed by a small text file (FORMAT.md section 13).
// Writes go through internal/atomicfile, so a crash leaves the old state
// or the new, never half of one; a
// lock file beside it serialises processes that update the same state.
type File struct {
	Path string
	// LockTimeout bounds the wait for another process's update; zero
	// means 10 seconds.
	LockTimeout time.Duration
}

// NewFile returns a Store saved at path.
func NewFile(path string) *File { return &File{Path: path} }

// Load implements Store. The revocation list is kept beside the state, in
// Path+".list", and named in it by its SHA-256; a list that is missing or
// does not match is left out, with ErrCorrupt, and the rest kept.
func (f *File) Load() (State, error) {
	data, err := readBounded(f.Path, MaxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, fmt.Errorf("%w: %s does not exist", ErrMissing, f.Path)
	}
	if errors.Is(err, errTooLarge) {
		return State{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err != nil {
		return State{}, fmt.Errorf("reading verifier state: %w", err)
	}
	s, listSum, err := decode(data)
	if err != nil {
		return State{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, f.Path, err)
	}
	if listSum != "" {
		list, err := readBounded(f.listPath(), MaxListSize)
		if err != nil || sha256Hex(list) != listSum {
			return s, fmt.Errorf("%w: %s: the revocation list saved with it is missing or altered", ErrCorrupt, f.listPath())
		}
		s.List = list
	}
	return s, nil
}

func (f *File) listPath() string { return f.Path + ".list" }

var (
	errTooLarge   = errors.New("too large")
	errNotRegular = errors.New("not a regular file")
)

// readBounded reads the regular file at path, stopping one byte past limit
// rather than trusting its size. Anything else, such as /dev/zero or a
// FIFO, is refused unread: it is no state file, and Update must not set it
// aside or replace it as it does a corrupt one.
func readBounded(path string, limit int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", path, errNotRegular)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: more than %d bytes", path, errTooLarge, limit)
	}
	return data, nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// The file is text rather than JSON so that a product using it does not
// link encoding/json, which would double the verifier's size.
const fileHeader = "licmint verifier state v1"

// decode reads the state file; listSum is the SHA-256 of the saved list.
func decode(data []byte) (s State, listSum string, err error) {
	if len(data) > MaxFileSize {
		return s, "", fmt.Errorf("%d bytes, more than %d", len(data), MaxFileSize)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if lines[0] != fileHeader {
		return s, "", fmt.Errorf("first line is not %q", fileHeader)
	}
	seen := map[string]bool{}
	for n, line := range lines[1:] {
		key, val, ok := strings.Cut(line, ": ")
		if !ok || (key != "generation" && key != "reset" && seen[key]) {
			return s, "", fmt.Errorf("line %d: want \"name: value\", each name once", n+2)
		}
		seen[key] = true
		var err error
		switch key {
		case "last-seen":
			// Truncated to the second, as it is written, so that a state
			// read back compares as the one saved.
			s.LastSeen, err = formats.ParseTime(val)
		case "list-sequence":
			var ok bool
			if s.ListSequence, ok = decimal(val, math.MaxUint64); !ok {
				err = errors.New("want the sequence in decimal, no leading zeros")
			}
		case "list-sha256":
			if !isLowerHex(val, 2*sha256.Size) {
				err = errors.New("want 64 lower-case hexadecimal digits")
			}
			listSum = val
		case "reset":
			day, id, found := strings.Cut(val, " ")
			var d time.Time
			if d, err = time.Parse(time.DateOnly, day); err == nil && (!found || !isLowerHex(id, 2*formats.ResetHeaderSize)) {
				err = fmt.Errorf("want \"YYYY-MM-DD ID\", the ID %d lower-case hexadecimal digits", 2*formats.ResetHeaderSize)
			}
			if _, dup := s.Resets[id]; err == nil && dup {
				err = fmt.Errorf("reset code %s is listed twice", id)
			}
			if err == nil && len(s.Resets) == MaxResets {
				err = fmt.Errorf("more than %d reset lines", MaxResets)
			}
			s.AddReset(id, d)
		case "generation":
			serial, gen, _ := strings.Cut(val, " ")
			sv, ok := decimal(serial, formats.MaxSerial)
			gv, ok2 := decimal(gen, 255)
			_, dup := s.Generations[formats.Serial(sv)]
			switch {
			case !ok || !ok2:
				err = errors.New("want \"SERIAL GENERATION\": a serial of at most 14 digits and a generation from 0 to 255, in decimal with no leading zeros")
			case dup:
				err = fmt.Errorf("serial %d is listed twice", sv)
			case len(s.Generations) == MaxSerials:
				err = fmt.Errorf("more than %d generation lines", MaxSerials)
			}
			s.SeeGeneration(formats.Serial(sv), uint8(gv))
		default:
			err = fmt.Errorf("unknown name %q", key)
		}
		if err != nil {
			return State{}, "", fmt.Errorf("line %d: %v", n+2, err)
		}
	}
	return s, listSum, nil
}

func encode(s State) []byte {
	b := append([]byte(fileHeader), "\nlast-seen: "...)
	b = s.LastSeen.UTC().AppendFormat(b, time.RFC3339)
	b = append(b, "\nlist-sequence: "...)
	b = strconv.AppendUint(b, s.ListSequence, 10)
	b = append(b, '\n')
	if s.List != nil {
		b = append(b, "list-sha256: "...)
		b = append(b, sha256Hex(s.List)...)
		b = append(b, '\n')
	}
	serials := make([]formats.Serial, 0, len(s.Generations))
	for serial := range s.Generations {
		serials = append(serials, serial)
	}
	slices.Sort(serials)
	for _, serial := range serials {
		b = append(b, "generation: "...)
		b = strconv.AppendUint(b, uint64(serial), 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(s.Generations[serial]), 10)
		b = append(b, '\n')
	}
	// Without resets the file is what earlier versions wrote, so that they
	// still read it.
	for _, id := range slices.Sorted(maps.Keys(s.Resets)) {
		b = append(b, "reset: "...)
		b = s.Resets[id].UTC().AppendFormat(b, time.DateOnly)
		b = append(b, ' ')
		b = append(b, id...)
		b = append(b, '\n')
	}
	return b
}

// isLowerHex reports whether s is n lower-case hexadecimal digits, as
// the state writes hashes and reset code ids.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// decimal reads s as the state writes numbers: decimal digits, no sign
// and no leading zero, at most limit.
func decimal(s string, limit uint64) (uint64, bool) {
	if s == "" || len(s) > 20 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil && v <= limit
}

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
	oldList := s.List
	if err := fn(&s); err != nil {
		return err
	}
	// The list goes first, so that the state never names a list that is
	// not there yet.
	if s.List != nil && (oldList == nil || sha256Hex(oldList) != sha256Hex(s.List)) {
		if err := writeAtomic(f.listPath(), s.List); err != nil {
			return err
		}
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

// writeAtomic replaces path with data, so that a crash leaves the old
// content or the new.
func writeAtomic(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data, 0o600, atomicfile.Replace()); err != nil {
		return fmt.Errorf("saving verifier state: %w", err)
	}
	return nil
}
