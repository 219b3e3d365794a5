package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/verifier/licjwt"
	"github.com/spf13/cobra"
)

// Limits of the inputs that no library reads, beside those that one does
// (signer.MaxKeyFileSize, keyring.MaxFileSize, catalog.MaxFileSize,
// state.MaxFileSize; revocation lists are read as far as their header
// says, up to revocation.MaxSize). README.md lists them all.
const (
	// maxPassphraseFile bounds a --passphrase-file: a passphrase on its
	// first line, and perhaps a comment.
	maxPassphraseFile = 4 << 10
	// maxIdentityFile bounds an age identity file, which may hold many
	// identities and comments.
	maxIdentityFile = 1 << 20
	// maxRequestFile bounds a renewal request file: the request, sealed
	// and armored, in an e-mail.
	maxRequestFile = 64 << 10
	// maxCodeInput bounds the code, key or token that inspect, verify and
	// replace read from standard input: the longest token, and more than
	// any code.
	maxCodeInput = licjwt.MaxTokenLen
)

// inputKind is a kind of file or standard input and the most licmint
// reads of it.
type inputKind struct {
	what  string // for messages: "a passphrase file"
	limit int64
}

var (
	keyFileInput    = inputKind{"a private key file", signer.MaxKeyFileSize}
	publicKeyInput  = inputKind{"a public key file or keyring", keyring.MaxFileSize}
	catalogInput    = inputKind{"a catalog", catalog.MaxFileSize}
	identityInput   = inputKind{"an age identity file", maxIdentityFile}
	passphraseInput = inputKind{"a passphrase file", maxPassphraseFile}
	requestInput    = inputKind{"a renewal request", maxRequestFile}
	codeInput       = inputKind{"an Activation Code, Registration Key or token", maxCodeInput}
)

// tooLargeError reports input that goes on past its limit.
type tooLargeError struct {
	name string // the file, or "standard input"
	kind inputKind
}

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("%s: more than %s, the limit for %s", e.name, sizeText(e.kind.limit), e.kind.what)
}

// sizeText writes n bytes as people read them: 64 KiB, 1 MiB.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// readLimited reads a file of the given kind. It stops reading one byte
// past the limit, so that /dev/zero, a FIFO or a file still growing costs
// no more than the limit; the file's size is never trusted.
func readLimited(path string, kind inputKind) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAllLimited(f, path, kind)
}

// readAllLimited reads r, named name in errors, as readLimited does.
func readAllLimited(r io.Reader, name string, kind inputKind) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, kind.limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if int64(len(b)) > kind.limit {
		return nil, &tooLargeError{name: name, kind: kind}
	}
	return b, nil
}

// readStdinOr reads the file path of the given kind, or standard input
// when path is "-".
func readStdinOr(cmd *cobra.Command, path string, kind inputKind) ([]byte, error) {
	if path == "-" {
		return readAllLimited(cmd.InOrStdin(), "standard input", kind)
	}
	return readLimited(path, kind)
}

// fileError is the exit status 1 error for a file given with flag that
// could not be read.
func fileError(flag string, err error) error {
	hint := ""
	var tl *tooLargeError
	if errors.As(err, &tl) {
		hint = "check that " + tl.name + " is the file meant: it is far larger than " + tl.kind.what + " can be"
	}
	return withHint(exitError, fmt.Errorf("%s: %w", flag, err), hint)
}

// readCodeInput returns the code, key or token given as arguments, or read
// from standard input when the only argument is "-". Too much input is
// invalid input, exit status 3.
func readCodeInput(cmd *cobra.Command, args []string) (string, error) {
	if len(args) == 1 && args[0] != "-" {
		if err := fileNotCode(args[0], "give the code itself, or - to read it from standard input: "+cmd.CommandPath()+" … - < "+shellQuote(args[0])); err != nil {
			return "", err
		}
	}
	if len(args) != 1 || args[0] != "-" {
		return strings.Join(args, " "), nil
	}
	b, err := readAllLimited(cmd.InOrStdin(), "standard input", codeInput)
	var tl *tooLargeError
	if errors.As(err, &tl) {
		return "", withHint(exitInvalid, err, "give one code, key or token; a longer input is none of them")
	}
	if err != nil {
		return "", withHint(exitError, err, "")
	}
	return string(b), nil
}

// fileNotCode refuses the name of a file given where a code goes: it
// would read as a mistyped code, and no code, key or token names a file.
func fileNotCode(s, hint string) error {
	if fi, err := os.Stat(s); err == nil && fi.Mode().IsRegular() {
		return &cliError{code: exitInvalid, kind: kindMalformed, err: fmt.Errorf("%s is a file, not a code, key or token", s), hint: hint}
	}
	return nil
}

// codeFlagNotFile is fileNotCode for a flag that takes a code.
func codeFlagNotFile(flag, s string) error {
	return fileNotCode(s, "give the code itself: "+flag+" \"$(cat "+shellQuote(s)+")\"")
}

// loadCatalog reads the --catalog file, or returns the built-in catalog
// when path is empty.
func loadCatalog(path string) (*catalog.Catalog, error) {
	if path == "" {
		return catalog.Default(), nil
	}
	data, err := readLimited(path, catalogInput)
	if err != nil {
		return nil, fileError("--catalog", err)
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
		b, err := readLimited(p, identityInput)
		if err != nil {
			return nil, fileError(flag, err)
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

// sameFile reports whether the paths a and b name one file: the same path,
// or links to one file.
func sameFile(a, b string) bool {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	if errA == nil && errB == nil && absA == absB {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// readCRL reads a revocation list no further than one byte past the size
// its header gives (at most revocation.MaxSize), or the shortest list's
// size when it has none, so that a stray file costs no more than a real list.
// Parsing then says what is wrong with it.
func readCRL(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	header := make([]byte, revocation.HeaderSize)
	n, err := io.ReadFull(f, header)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return header[:n], nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	size, ok := revocation.SizeOf(header)
	if !ok {
		size = revocation.HeaderSize + revocation.SignatureSize // enough for Parse to say why
	}
	// One byte more, for Parse to tell a padded list from a whole one.
	rest, err := io.ReadAll(io.LimitReader(f, size-revocation.HeaderSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return append(header, rest...), nil
}
