package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
	"github.com/licmint/licmint/formats/catalog"
)

// readLimited reads a file, refusing one larger than limit.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := readAllLimited(f, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// readAllLimited reads r, refusing more than limit bytes.
func readAllLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("input is larger than %d bytes", limit)
	}
	return b, nil
}

// loadCatalog reads the --catalog file, or returns the built-in catalog
// when path is empty.
func loadCatalog(path string) (*catalog.Catalog, error) {
	if path == "" {
		return catalog.Default(), nil
	}
	data, err := readLimited(path, catalog.MaxFileSize)
	if err != nil {
		return nil, withHint(exitError, fmt.Errorf("--catalog: %w", err), "")
	}
	cat, err := catalog.Parse(data)
	if err != nil {
		return nil, withHint(exitError, fmt.Errorf("%s: %w", path, err), "fix the catalog file; see FORMAT.md section 9")
	}
	return cat, nil
}

// readIdentities reads the age identity files given with flag.
func readIdentities(flag string, paths []string) ([]age.Identity, error) {
	var ids []age.Identity
	for _, p := range paths {
		b, err := readLimited(p, 1<<20)
		if err != nil {
			return nil, withHint(exitError, fmt.Errorf("%s: %w", flag, err), "")
		}
		parsed, err := age.ParseIdentities(bytes.NewReader(b))
		if err != nil {
			// age's parse errors name the line, not its content.
			return nil, keyError(fmt.Errorf("%s %s: %w", flag, p, err), "an identity file holds AGE-SECRET-KEY-1... lines, as age-keygen writes")
		}
		ids = append(ids, parsed...)
	}
	return ids, nil
}

// parseRecipient reads an age recipient given on the command line. Its
// errors never repeat the argument: someone may paste an identity, a secret
// key, where the recipient belongs.
func parseRecipient(flag, s string) ([]age.Recipient, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(strings.ToUpper(s), "AGE-SECRET-KEY-") {
		return nil, withHint(exitUsage, fmt.Errorf("%s: this is an age identity, a secret key, not a recipient", flag),
			"give the public recipient (age1...), which age-keygen -y prints from the identity; keep the identity secret")
	}
	rs, err := age.ParseRecipients(strings.NewReader(s))
	if err != nil {
		return nil, withHint(exitUsage, fmt.Errorf("%s: not an age recipient", flag), "a recipient looks like age1... (age-keygen prints it as \"Public key\")")
	}
	return rs, nil
}
