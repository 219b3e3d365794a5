package main

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/internal/atomicfile"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/signer/hsm"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// pinEnv gives a token's PIN without a terminal.
const pinEnv = "LICMINT_PKCS11_PIN"

// isKeyURI tells a PKCS#11 URI from a key file name.
func isKeyURI(s string) bool { return strings.HasPrefix(s, hsm.Scheme) }

// parseKeyURI reads a PKCS#11 URI given with flag, refusing a pin-value:
// the process list shows the command line to every user of the machine.
func parseKeyURI(flag, s string) (*hsm.URI, error) {
	u, err := hsm.ParseURI(s)
	if err != nil {
		return nil, withHint(exitUsage, fmt.Errorf("%s: %w", flag, err),
			"write the key as pkcs11:token=LABEL;object=LABEL?module-path=/path/to/the/pkcs11/library.so (RFC 7512)")
	}
	if u.PINValue != "" {
		return nil, withHint(exitUsage, fmt.Errorf("%s: the URI holds a pin-value, which the process list shows to every user of this machine", flag),
			"remove pin-value; give the PIN with "+pinEnv+", a pin-source=file:/path attribute, or at the prompt")
	}
	if !hsm.Supported {
		return nil, keyError(fmt.Errorf("%s %s: %w", flag, u, hsm.ErrNotSupported),
			"use a key file, or a licmint built with cgo (CGO_ENABLED=1 and a C compiler)")
	}
	return u, nil
}

// pin returns the token's PIN from the URI's pin-source file, the
// environment, or a terminal prompt.
func pin(cmd *cobra.Command, u *hsm.URI) (string, error) {
	if src := u.PINSource; src != "" {
		path := strings.TrimPrefix(strings.TrimPrefix(src, "file://"), "file:")
		if strings.Contains(path, ":") && !strings.HasPrefix(path, "/") {
			return "", usageError("pin-source %s: want file:/path/to/the/pin", src)
		}
		b, err := readLimited(path, passphraseInput)
		defer clear(b)
		if err != nil {
			return "", fileError("pin-source", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		if line = strings.TrimSuffix(line, "\r"); line == "" {
			return "", keyError(fmt.Errorf("pin-source %s: the first line is empty", path), "")
		}
		return line, nil
	}
	if p, ok := os.LookupEnv(pinEnv); ok {
		if p == "" {
			return "", keyError(fmt.Errorf("%s is set but empty", pinEnv), "")
		}
		return p, nil
	}
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return "", keyError(fmt.Errorf("no PIN for %s: standard input is not a terminal to ask on", u.Name()),
			"set "+pinEnv+" or add pin-source=file:/path to the URI")
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "PIN for %s: ", u.Name())
	b, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(cmd.ErrOrStderr())
	if err != nil {
		return "", keyError(fmt.Errorf("reading the PIN: %w", err), "")
	}
	return string(b), nil
}

// tokenError gives a token fault its exit status (1, kind key) and what
// to do about it.
func tokenError(err error) error {
	hint := "nothing was signed"
	switch {
	case errors.Is(err, hsm.ErrModule):
		hint = "install the HSM's PKCS#11 library (for SoftHSM2: apt-get install softhsm2) and give its path as module-path"
	case errors.Is(err, hsm.ErrNoToken):
		hint = "check token= in the URI; softhsm2-util --show-slots or pkcs11-tool -L lists the tokens"
	case errors.Is(err, hsm.ErrWrongPIN):
		hint = "check " + pinEnv + " or the pin-source file; nothing was signed"
	case errors.Is(err, hsm.ErrPINLocked):
		hint = "the token's security officer must unlock or reset the user PIN; nothing was signed"
	case errors.Is(err, hsm.ErrNoObject):
		hint = "check object= (and id=) in the URI; pkcs11-tool --list-objects lists the token's keys"
	case errors.Is(err, hsm.ErrNotEd25519):
		hint = "name an Ed25519 key, or make one with licmint keygen --pkcs11"
	case errors.Is(err, hsm.ErrExists):
		hint = "nothing was changed in the token"
	}
	return keyError(err, hint)
}

// loadTokenKey opens the key a PKCS#11 URI names. Its key id is the one
// kept with it (the objects' CKA_ID) or, for a key made by another tool,
// the one in the --pub file, whose public key it must match. The sessions
// stay open until the process exits.
func (s *secretFlags) loadTokenKey(cmd *cobra.Command, ref string) (*signer.Key, error) {
	u, err := parseKeyURI("--key", ref)
	if err != nil {
		return nil, err
	}
	var pub *keyring.Key
	if s.pub != "" {
		data, err := readLimited(s.pub, publicKeyInput)
		if err != nil {
			return nil, fileError("--pub", err)
		}
		r, err := keyring.Parse(data)
		if err != nil || len(r.Keys()) != 1 {
			return nil, keyError(fmt.Errorf("--pub %s: not one public key (NAME.pub.pem)", s.pub), "")
		}
		pub = &r.Keys()[0]
	}
	p, err := pin(cmd, u)
	if err != nil {
		return nil, err
	}
	tk, err := hsm.Open(u, p)
	if err != nil {
		return nil, tokenError(err)
	}
	kid, ok := tk.KeyID()
	tokenPub, _ := tk.Public().(ed25519.PublicKey)
	switch {
	case pub != nil && !bytes.Equal(pub.Public, tokenPub):
		return nil, keyError(fmt.Errorf("%w: %s holds public key %x, but --pub %s is %x", signer.ErrKeyMismatch, u.Name(), []byte(tokenPub), s.pub, []byte(pub.Public)),
			"name the token's key that --pub belongs to, or give its own NAME.pub.pem; nothing was signed")
	case pub != nil && ok && kid != pub.ID:
		return nil, keyError(fmt.Errorf("%s has key id %d (its CKA_ID), but --pub %s has key id %d", u.Name(), kid, s.pub, pub.ID), "")
	case pub != nil:
		kid = pub.ID
	case !ok:
		return nil, keyError(fmt.Errorf("%s has no licmint key id: its CKA_ID is not one byte", u.Name()),
			"give --pub NAME.pub.pem, the public key file products trust, whose key id is used")
	}
	k, err := signer.NewKeyFromSigner(kid, tk)
	if err != nil {
		return nil, tokenError(fmt.Errorf("%s: %w", u.Name(), err))
	}
	return k, nil
}

// tokenKeygen is what keygen --pkcs11 was asked to do.
type tokenKeygen struct {
	uri, importFile, out, name string
	kid                        int
	force, recipients, asJSON  bool
	secret                     *secretFlags
}

// keygenToken makes a key pair in a token, or moves a key file's key into
// one, and writes NAME.pub.pem. An existing NAME.pub.pem is kept if it is
// the key's own, and otherwise refused before the token is touched.
func keygenToken(cmd *cobra.Command, o tokenKeygen) error {
	switch {
	case o.uri == "":
		return usageError("--import moves a key into a token: give --pkcs11 URI too")
	case o.recipients:
		return usageError("--recipient encrypts a key file; a key in a token (--pkcs11) has no file")
	case o.force:
		return usageError("--force replaces key files; licmint never replaces a key in a token: delete it with the token's tools first")
	case o.out == "":
		return usageError("--out DIR is required: the public key file NAME.pub.pem is written there")
	case o.name == "" || strings.ContainsAny(o.name, `/\`) || strings.HasPrefix(o.name, "."):
		return usageError("--name %q: want a plain file name such as vendor", o.name)
	case o.kid < 0 || o.kid > 255:
		return usageError("--kid %d: want a key id from 0 to 255", o.kid)
	}
	u, err := parseKeyURI("--pkcs11", o.uri)
	if err != nil {
		return err
	}
	var file *signer.Key
	if o.importFile != "" {
		if file, err = o.secret.loadKey(cmd, o.importFile); err != nil {
			return err
		}
		if cmd.Flags().Changed("kid") && o.kid != int(file.ID()) {
			return usageError("--kid %d: the key file %s has key id %d, which its codes carry; leave --kid out", o.kid, o.importFile, file.ID())
		}
		o.kid = int(file.ID())
		if _, ok := file.Signer().(ed25519.PrivateKey); !ok {
			return usageError("--import %s: not a key file", o.importFile)
		}
	}
	pubPath := newKeyPair(o.out, o.name).pubPath()
	existing, err := os.ReadFile(pubPath)
	switch {
	case err == nil && (file == nil || !bytes.Equal(existing, file.MarshalPublicPEM())):
		return keyError(fmt.Errorf("%w: %s exists and is not the public key of the key to put in the token", signer.ErrKeyMismatch, pubPath),
			"choose another --name or --out; the token was not changed")
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fileError("--out", err)
	}
	p, err := pin(cmd, u)
	if err != nil {
		return err
	}
	var tk *hsm.Key
	if file != nil {
		tk, err = hsm.Import(u, p, uint8(o.kid), file.Signer().(ed25519.PrivateKey))
	} else {
		tk, err = hsm.Generate(u, p, uint8(o.kid))
	}
	if err != nil {
		return tokenError(err)
	}
	defer tk.Close()
	prot, err := tk.Protection()
	if err != nil {
		return tokenError(err)
	}
	key, err := signer.NewKeyFromSigner(uint8(o.kid), tk)
	if err != nil {
		return tokenError(fmt.Errorf("%s: %w", u.Name(), err))
	}
	if existing == nil {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return fileError("--out", err)
		}
		if err := atomicfile.WriteFile(pubPath, key.MarshalPublicPEM(), 0o644); err != nil {
			return withHint(exitError, fmt.Errorf("writing %s: %w", pubPath, err),
				"the key is in the token: write its public key file with licmint keygen after deleting it there, or fix the cause and copy it by hand")
		}
	}
	w := cmd.OutOrStdout()
	if o.asJSON {
		return printJSON(w, struct {
			PrivateKey  string `json:"private_key"`
			PublicKey   string `json:"public_key"`
			KeyID       int    `json:"key_id"`
			Imported    bool   `json:"imported"`
			Sensitive   bool   `json:"sensitive"`
			Extractable bool   `json:"extractable"`
			PublicHex   string `json:"public_key_hex"`
		}{u.String(), pubPath, o.kid, file != nil, prot.Sensitive, prot.Extractable, fmt.Sprintf("%x", key.Public().Public)})
	}
	how := "made in the token"
	if file != nil {
		how = "imported from " + o.importFile
	}
	fmt.Fprintf(w, "private key %s (key id %d, %s; sensitive %t, extractable %t)\n", u, o.kid, how, prot.Sensitive, prot.Extractable)
	fmt.Fprintf(w, "public key  %s\n", pubPath)
	return nil
}
