package signer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/licmint/licmint/internal/atomicfile"
)

// ErrOutputExists: SignBatchFile will not replace an existing output file
// unless told to.
var ErrOutputExists = errors.New("output file exists")

// SignBatchFile runs SignBatch from the file inPath to the file outPath,
// taking each format from its file's extension when o leaves it zero. The
// output is written through internal/atomicfile and appears only when
// complete and synced, so that a failed, interrupted or killed batch never
// leaves a file that looks finished, nor a temporary one. An existing
// outPath is an ErrOutputExists unless force is set.
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
	if abs, aerr := filepath.Abs(outPath); aerr == nil {
		if absIn, _ := filepath.Abs(inPath); absIn == abs {
			return stats, fmt.Errorf("signer: the output %s is the input", outPath)
		}
	}
	var opts []atomicfile.Option
	if force {
		opts = append(opts, atomicfile.Replace())
	}
	out, err := atomicfile.Create(outPath, 0o600, opts...)
	if errors.Is(err, fs.ErrExist) {
		return stats, fmt.Errorf("%w: %s", ErrOutputExists, outPath)
	}
	if err != nil {
		return stats, err
	}
	defer out.Abort()
	in, err := os.Open(inPath)
	if err != nil {
		return stats, err
	}
	defer in.Close()
	if stats, err = s.SignBatch(ctx, out, in, o); err != nil {
		return stats, err
	}
	if err := out.Commit(); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return stats, fmt.Errorf("%w: %s", ErrOutputExists, outPath)
		}
		return stats, err
	}
	return stats, nil
}
