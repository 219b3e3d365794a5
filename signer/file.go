package signer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrOutputExists: SignBatchFile will not replace an existing output file
// unless told to.
var ErrOutputExists = errors.New("output file exists")

// SignBatchFile runs SignBatch from the file inPath to the file outPath,
// taking each format from its file's extension when o leaves it zero. The
// output is written to a temporary file in the same directory, synced, and
// renamed into place only when complete, so that a failed or interrupted
// batch never leaves a file that looks finished. An existing outPath is
// an ErrOutputExists unless force is set.
func (s *Signer) SignBatchFile(ctx context.Context, outPath, inPath string, force bool, o BatchOptions) (stats BatchStats, err error) {
	for _, f := range []struct {
		format *Format
		path   string
	}{{&o.In, inPath}, {&o.Out, outPath}} {
		if *f.format == 0 {
			if *f.format, err = FormatOf(f.path); err != nil {
				return stats, err
			}
		}
	}
	if !force {
		if _, err := os.Lstat(outPath); err == nil {
			return stats, fmt.Errorf("%w: %s", ErrOutputExists, outPath)
		}
	}
	in, err := os.Open(inPath)
	if err != nil {
		return stats, err
	}
	defer in.Close()
	if abs, aerr := filepath.Abs(outPath); aerr == nil {
		if absIn, _ := filepath.Abs(inPath); absIn == abs {
			return stats, fmt.Errorf("signer: the output %s is the input", outPath)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(outPath), "."+filepath.Base(outPath)+".partial-*")
	if err != nil {
		return stats, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if stats, err = s.SignBatch(ctx, tmp, in, o); err != nil {
		return stats, err
	}
	if err = tmp.Sync(); err != nil {
		return stats, err
	}
	if err = tmp.Close(); err != nil {
		return stats, err
	}
	if err = publish(tmp.Name(), outPath, force); err != nil {
		return stats, err
	}
	// Make the rename itself durable.
	if d, derr := os.Open(filepath.Dir(outPath)); derr == nil {
		d.Sync()
		d.Close()
	}
	return stats, nil
}

// publish moves the finished file into place. Without force it links, which
// fails rather than replace a file that appeared meanwhile.
func publish(tmp, out string, force bool) error {
	if force {
		return os.Rename(tmp, out)
	}
	err := os.Link(tmp, out)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s", ErrOutputExists, out)
	}
	if err != nil {
		// No hard links here: the Lstat above is the check.
		return os.Rename(tmp, out)
	}
	return os.Remove(tmp)
}
