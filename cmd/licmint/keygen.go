package main

import (
	"fmt"
	"os"
	"strings"

	"filippo.io/age"
	"github.com/licmint/licmint/signer"
	"github.com/spf13/cobra"
)

// keygenJSON is the --json record of keygen.
type keygenJSON struct {
	PrivateKey string `json:"private_key"`
	PublicKey  string `json:"public_key"`
	KeyID      int    `json:"key_id"`
	Encryption string `json:"encryption"`
	Recipients int    `json:"recipients"`
	PublicHex  string `json:"public_key_hex"`
}

// keygenRecipients returns what the new key is encrypted to, and words it:
// the age recipients given, or else a passphrase, asked twice.
func keygenRecipients(cmd *cobra.Command, recipients []string, secret *secretFlags) ([]age.Recipient, string, error) {
	if len(recipients) > 0 && secret.passphraseFile != "" {
		return nil, "", usageError("give --recipient or a passphrase, not both: a passphrase-encrypted age file has no other recipients")
	}
	var rs []age.Recipient
	for _, r := range recipients {
		parsed, err := parseRecipient("--recipient", r)
		if err != nil {
			return nil, "", err
		}
		rs = append(rs, parsed...)
	}
	if len(rs) > 0 {
		return rs, fmt.Sprintf("encrypted to %d age recipient(s)", len(rs)), nil
	}
	p, err := secret.passphrase(cmd, true)
	if err != nil {
		return nil, "", err
	}
	sr, err := passphraseRecipient(p)
	if err != nil {
		return nil, "", err
	}
	return []age.Recipient{sr}, "encrypted with a passphrase", nil
}

func newKeygenCmd() *cobra.Command {
	var (
		out, name  string
		kid        int
		recipients []string
		force      bool
		asJSON     bool
		secret     secretFlags
		token      string // --pkcs11 URI
		importFile string
	)
	cmd := &cobra.Command{
		Use:   "keygen --out DIR",
		Short: "Make a vendor signing key",
		Long: `Make an Ed25519 signing key and write two files to DIR:

  NAME.key.age  the private key (PKCS#8 PEM with its key-id line), encrypted
                with age: to a passphrase by default, or to one or more age
                X25519 recipients (--recipient) for shared custody. Created
                with mode 0600; 'age -d' decrypts it and 'openssl pkey'
                reads the result.
  NAME.pub.pem  the public key (SPKI PEM after a key-id line), which
                products trust; 'openssl pkey -pubin' reads it.

The key id (--kid, 0-255) is carried in every code the key signs, so that
products can trust several keys during a rotation: make the new key with a
new id, add its public key to the keyring (licmint pubkey), sign new codes
with it, and retire the old one later.

The passphrase is asked twice on the terminal, or read from
--passphrase-file or LICMINT_PASSPHRASE. Existing files are never replaced
without --force.

With --pkcs11 URI the private key is made inside a hardware security module
or other PKCS#11 token (RFC 7512 URI: token=, object= for the new key's
label, module-path= for the token's library), sensitive and never
extractable, and only NAME.pub.pem is written. --import FILE moves an
existing NAME.key.age into the token instead (opened with --identity or a
passphrase); the token then signs the same codes byte for byte. The key id
is kept in the token as the key objects' CKA_ID. The PIN comes from
LICMINT_PKCS11_PIN, a pin-source=file:/path attribute, or the terminal; a
pin-value in the URI is refused, as the process list would show it.`,
		Example: `  licmint keygen --out keys
  licmint keygen --out keys --name vendor-2027 --kid 2 --recipient age1... --recipient age1...
  LICMINT_PASSPHRASE=... licmint keygen --out keys
  licmint keygen --out keys --kid 2 --pkcs11 'pkcs11:token=licmint;object=vendor?module-path=/usr/lib/softhsm/libsofthsm2.so'
  licmint keygen --out keys --pkcs11 'pkcs11:token=licmint;object=vendor?module-path=...' --import keys/vendor.key.age`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError("--out DIR is required")
			}
			if kid < 0 || kid > 255 {
				return usageError("--kid %d: want a key id from 0 to 255", kid)
			}
			if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
				return usageError("--name %q: want a plain file name such as vendor", name)
			}
			if token != "" || importFile != "" {
				return keygenToken(cmd, tokenKeygen{uri: token, importFile: importFile, out: out, name: name, kid: kid, force: force,
					recipients: len(recipients) > 0, asJSON: asJSON, secret: &secret})
			}
			rs, how, err := keygenRecipients(cmd, recipients, &secret)
			if err != nil {
				return err
			}
			pair := newKeyPair(out, name)
			privPath, pubPath := pair.privPath(), pair.pubPath()
			if err := pair.recoverPair(cmd.ErrOrStderr()); err != nil {
				return err
			}
			if !force {
				for _, p := range pair.paths() {
					if exists(p) {
						return keyExistsError(p)
					}
				}
			}
			key, err := signer.GenerateKey(uint8(kid))
			if err != nil {
				return err
			}
			priv, err := key.Encrypt(rs...)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			if err := pair.write(priv, key.MarshalPublicPEM(), force); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := "passphrase"
				if len(recipients) > 0 {
					enc = "recipients"
				}
				return printJSON(w, keygenJSON{privPath, pubPath, kid, enc, len(recipients), fmt.Sprintf("%x", key.Public().Public)})
			}
			fmt.Fprintf(w, "private key %s (key id %d, %s)\n", privPath, kid, how)
			fmt.Fprintf(w, "public key  %s\n", pubPath)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "`DIR` to write the key files to")
	f.StringVar(&name, "name", "vendor", "file `NAME`: NAME.key.age and NAME.pub.pem")
	f.IntVar(&kid, "kid", 1, "key id, 0-255, carried in every code the key signs")
	f.StringArrayVar(&recipients, "recipient", nil, "encrypt to this age recipient (age1...) instead of a passphrase (repeatable)")
	f.BoolVar(&force, "force", false, "replace existing key files")
	jsonFlagVar(cmd, &asJSON)
	f.StringVar(&secret.passphraseFile, "passphrase-file", "", "read the passphrase from the first line of `FILE` (or set "+passphraseEnv+")")
	f.StringVar(&token, "pkcs11", "", "make the key in the PKCS#11 token this `URI` names (pkcs11:token=...;object=...?module-path=...)")
	f.StringVar(&importFile, "import", "", "with --pkcs11: move the key in this NAME.key.age `FILE` into the token")
	f.StringArrayVar(&secret.identities, "identity", nil, "with --import: age identity `FILE` that opens the key file (repeatable)")
	return cmd
}
