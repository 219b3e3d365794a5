// Package renewal encodes the renewal request a product gives its customer
// to send to the vendor, specified in FORMAT.md section 12.
package renewal

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/licmint/licmint/formats"
)

// MaxSize bounds a request.
const MaxSize = 4096

const (
	begin = "-----BEGIN LICMINT RENEWAL REQUEST-----"
	end   = "-----END LICMINT RENEWAL REQUEST-----"
)

// ErrMalformed: the text is not a well-formed renewal request.
var ErrMalformed = errors.New("malformed renewal request")

// Request asks the vendor for a new code for an installed one. It is not
// signed: the vendor trusts only the code inside it, which is.
type Request struct {
	Code      formats.ActivationCode // signed form
	InstallID string                 // empty for an unbound install
	Time      time.Time              // when the product made the request, UTC, to the second
}

// MarshalText returns the request as a text block that survives e-mail.
func (r Request) MarshalText() ([]byte, error) {
	if !r.Code.Signed {
		return nil, fmt.Errorf("renewal request: %w", formats.ErrUnsigned)
	}
	if err := checkInstallID(r.InstallID); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(begin + "\n")
	fmt.Fprintf(&b, "product: %s\n", r.Code.Product)
	fmt.Fprintf(&b, "code: %s\n", r.Code)
	if r.InstallID != "" {
		fmt.Fprintf(&b, "install-id: %s\n", r.InstallID)
	}
	fmt.Fprintf(&b, "time: %s\n", r.Time.UTC().Format(time.RFC3339))
	b.WriteString(end + "\n")
	return b.Bytes(), nil
}

func checkInstallID(id string) error {
	if len(id) > formats.MaxInstallIDLen || strings.ContainsAny(id, "\r\n") || strings.TrimSpace(id) != id {
		return fmt.Errorf("renewal request: install id must be at most %d bytes on one line, without surrounding spaces", formats.MaxInstallIDLen)
	}
	return nil
}

// Parse reads a request; text around the block (an e-mail's) is ignored.
func Parse(data []byte) (Request, error) {
	var r Request
	if len(data) > MaxSize*4 {
		return r, fmt.Errorf("%w: %d bytes, too long", ErrMalformed, len(data))
	}
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	i := strings.Index(s, begin)
	j := -1
	if i >= 0 {
		j = strings.Index(s[i+len(begin):], end)
	}
	if j < 0 {
		return r, fmt.Errorf("%w: no %q ... %q block", ErrMalformed, begin, end)
	}
	j += i + len(begin)
	seen := map[string]bool{}
	var product string
	for n, line := range strings.Split(s[i+len(begin):j], "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || seen[key] {
			return r, fmt.Errorf("%w: line %d of the block: want each of product, code, install-id, time once as \"name: value\"", ErrMalformed, n)
		}
		seen[key] = true
		var err error
		switch key {
		case "product":
			product = val
		case "code":
			r.Code, err = formats.ParseSigned(val, formats.Product{})
		case "install-id":
			r.InstallID, err = val, checkInstallID(val)
		case "time":
			r.Time, err = formats.ParseTime(val)
		default:
			err = fmt.Errorf("unknown field %q", key)
		}
		if err != nil {
			// %v, not %w: every failure is malformed (FORMAT.md section
			// 12), a code that is unsigned or mistyped included.
			return r, fmt.Errorf("%w: %s: %v", ErrMalformed, key, err)
		}
	}
	if !seen["code"] || !seen["time"] || !seen["product"] {
		return r, fmt.Errorf("%w: product, code and time are required", ErrMalformed)
	}
	if product != r.Code.Product.String() {
		return r, fmt.Errorf("%w: product %q does not match the code's %s", ErrMalformed, product, r.Code.Product)
	}
	// Requests are written to the second; a fraction would not round-trip.
	r.Time = r.Time.UTC().Truncate(time.Second)
	return r, nil
}
