package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/signer"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// keyFlagUsage describes --key, the signing key, for every command that
// signs.
const keyFlagUsage = "private key `FILE` (NAME.key.age from keygen), or a key in an HSM: pkcs11:token=...;object=...?module-path=... (RFC 7512)"

// passphraseEnv lets automation give the key passphrase without a terminal.
const passphraseEnv = "LICMINT_PASSPHRASE"

// secretFlags are how a command gets the secret that opens a key file.
type secretFlags struct {
	passphraseFile string
	identities     []string
	pub            string // with a PKCS#11 key: the public key it must match
	// passphraseEnvName, if set, is read in place of LICMINT_PASSPHRASE;
	// noRecord keeps the key opened from signing checkpoints (the audit
	// key, which the run holds apart).
	passphraseEnvName string
	noRecord          bool
}

func (s *secretFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.passphraseFile, "passphrase-file", "", "read the key passphrase from the first line of `FILE` (or set "+passphraseEnv+")")
	f.StringArrayVar(&s.identities, "identity", nil, "age identity `FILE` for a key encrypted to recipients (repeatable)")
	f.StringVar(&s.pub, "pub", "", "with a pkcs11: --key, the public key `FILE` (NAME.pub.pem) the token's key must match; its key id is used")
}

var errNoPassphrase = errors.New("no passphrase: standard input is not a terminal to ask on")

const noPassphraseHint = "give --passphrase-file FILE or set " + passphraseEnv + " (or --identity FILE for a recipient-encrypted key)"

// passphrase returns the passphrase from --passphrase-file, the
// environment, or a terminal prompt; with confirm it asks twice.
func (s *secretFlags) passphrase(cmd *cobra.Command, confirm bool) (string, error) {
	if s.passphraseFile != "" {
		b, err := readLimited(s.passphraseFile, passphraseInput)
		defer clear(b)
		if err != nil {
			return "", fileError("--passphrase-file", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			return "", keyError(fmt.Errorf("--passphrase-file %s: the first line is empty", s.passphraseFile), "")
		}
		return line, nil
	}
	env := passphraseEnv
	if s.passphraseEnvName != "" {
		env = s.passphraseEnvName
	}
	if p, ok := os.LookupEnv(env); ok {
		if p == "" {
			return "", keyError(fmt.Errorf("%s is set but empty", env), "")
		}
		return p, nil
	}
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return "", keyError(errNoPassphrase, noPassphraseHint)
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(cmd.ErrOrStderr(), prompt)
		b, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", keyError(fmt.Errorf("reading the passphrase: %w", err), "")
		}
		return string(b), nil
	}
	p, err := ask("Passphrase for the key: ")
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", keyError(errors.New("empty passphrase"), "")
	}
	if confirm {
		again, err := ask("Same passphrase again: ")
		if err != nil {
			return "", err
		}
		if again != p {
			return "", keyError(errors.New("the two passphrases differ"), "run keygen again")
		}
	}
	return p, nil
}

// loadKey opens a private key file with --identity files or a passphrase,
// warning when others can read the file, or a key in a token that a
// PKCS#11 URI names. The key signs the run's checkpoints too.
func (s *secretFlags) loadKey(cmd *cobra.Command, path string) (*signer.Key, error) {
	k, err := s.openKey(cmd, path)
	if err == nil && !s.noRecord {
		openedKey(cmd, k)
	}
	return k, err
}

func (s *secretFlags) openKey(cmd *cobra.Command, path string) (*signer.Key, error) {
	if path == "" {
		return nil, usageError("--key FILE is required: the private key file NAME.key.age that keygen wrote, or a pkcs11: URI")
	}
	if isKeyURI(path) {
		return s.loadTokenKey(cmd, path)
	}
	if s.pub != "" {
		return nil, usageError("--pub is for a key in a token (--key pkcs11:...); a key file carries its own public key")
	}
	if err := checkPairComplete("--key", path); err != nil {
		return nil, err
	}
	data, err := readLimited(path, keyFileInput)
	if err != nil {
		return nil, fileError("--key", err)
	}
	// Said before the mode warning and the passphrase: neither is any use
	// for a public key.
	if _, err := keyring.Parse(data); err == nil {
		return nil, withHint(exitError, fmt.Errorf("--key %s: this is a public key; signing needs the private key", path),
			"--key wants the private key file NAME.key.age that keygen wrote beside NAME.pub.pem")
	}
	warnKeyMode(cmd.ErrOrStderr(), path)
	ids, err := readIdentities("--identity", s.identities)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		p, err := s.passphrase(cmd, false)
		if err != nil {
			return nil, err
		}
		id, err := age.NewScryptIdentity(p)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	k, err := signer.DecryptKey(data, ids...)
	switch {
	case errors.Is(err, signer.ErrWrongSecret):
		return nil, keyError(fmt.Errorf("%s: %w", path, err), "check the passphrase or --identity; nothing was signed")
	case err != nil:
		return nil, keyError(fmt.Errorf("%s: %w", path, err), "restore the key file from your backup")
	}
	return k, nil
}

// warnKeyMode warns when a private key file is readable by group or others.
func warnKeyMode(w io.Writer, path string) {
	fi, err := os.Stat(path)
	if err == nil && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(w, "licmint: warning: key file %s is readable by group or others (mode %04o); run: chmod 600 %s\n", path, fi.Mode().Perm(), path)
	}
}
