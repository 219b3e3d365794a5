package main

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/licmint/licmint/internal/ledgerdb"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
	"github.com/spf13/cobra"
)

// The audit key signs the ledger's checkpoints in place of the vendor's
// signing key, so that commands which hold no signing key (rk new, ledger
// import, serve token) checkpoint too, and so that one public key checks
// every checkpoint whoever wrote.
const (
	auditKeyEnv        = "LICMINT_AUDIT_KEY"
	auditIdentityEnv   = "LICMINT_AUDIT_IDENTITY"
	auditPassphraseEnv = "LICMINT_AUDIT_PASSPHRASE"
)

const auditKeyFlagHelp = "sign the ledger's checkpoints with this key `FILE` (NAME.key.age from keygen, opened with $" + auditIdentityEnv +
	" or $" + auditPassphraseEnv + ") or pkcs11: URI, in place of the signing key (default $" + auditKeyEnv + ")"

// addAuditKeyFlag adds --audit-key to a command that writes to a ledger.
func addAuditKeyFlag(cmd *cobra.Command) { cmd.Flags().String("audit-key", "", auditKeyFlagHelp) }

// auditKeyRef returns the audit key the command was given: --audit-key,
// or else $LICMINT_AUDIT_KEY.
func auditKeyRef(cmd *cobra.Command) string {
	if f := cmd.Flags().Lookup("audit-key"); f != nil && f.Changed {
		return f.Value.String()
	}
	return os.Getenv(auditKeyEnv)
}

// checkpointState is what one run of licmint knows of the checkpoints it
// owes: the ledgers it opened to write to, and the keys it opened.
type checkpointState struct {
	written map[*ledger.Ledger]bool
	audit   crypto.Signer
	key     crypto.Signer // the first signing key a command opened
}

type checkpointStateKey struct{}

func withCheckpointState(ctx context.Context) context.Context {
	return context.WithValue(ctx, checkpointStateKey{}, &checkpointState{written: map[*ledger.Ledger]bool{}})
}

func checkpointStateOf(cmd *cobra.Command) *checkpointState {
	st, _ := cmd.Context().Value(checkpointStateKey{}).(*checkpointState)
	return st
}

// writing notes that cmd opened l, at dsn, to write to it, and opens the
// audit key it was given, if any: before anything is written, so that a
// key that cannot be opened costs no write.
func writing(cmd *cobra.Command, l *ledger.Ledger, dsn string) error {
	st := checkpointStateOf(cmd)
	if st == nil {
		return nil
	}
	if _, target, _ := ledgerdb.ParseDSN(dsn); target == ":memory:" {
		return nil // gone with the command
	}
	if ref := auditKeyRef(cmd); ref != "" && st.audit == nil {
		k, err := loadAuditKey(cmd, ref)
		if err != nil {
			return err
		}
		st.audit = k.Signer()
	}
	st.written[l] = true
	return nil
}

// loadAuditKey opens the audit key ref names, with the secrets the
// LICMINT_AUDIT_ variables give.
func loadAuditKey(cmd *cobra.Command, ref string) (*signer.Key, error) {
	s := secretFlags{passphraseEnvName: auditPassphraseEnv, noRecord: true}
	if id := os.Getenv(auditIdentityEnv); id != "" {
		s.identities = []string{id}
	}
	k, err := s.loadKey(cmd, ref)
	if err != nil {
		var ce *cliError
		if errors.As(err, &ce) {
			ce.err = fmt.Errorf("--audit-key: %w", ce.err)
			return nil, ce
		}
		return nil, keyError(fmt.Errorf("--audit-key: %w", err), "")
	}
	return k, nil
}

// openedKey notes a signing key that a command opened, which signs the
// run's checkpoints when no audit key is given.
func openedKey(cmd *cobra.Command, k *signer.Key) {
	if st := checkpointStateOf(cmd); st != nil && st.key == nil {
		st.key = k.Signer()
	}
}

// beforeCheckpoint, when set (by tests only), runs between a command's
// writes and its checkpoint.
var beforeCheckpoint func()

// closeLedger closes the ledger that commandLedger opened for cmd; one
// opened to write to is checkpointed first, whether the command succeeded
// or not: what it recorded is recorded either way. A checkpoint that
// cannot be made is a warning, not the command's failure: the write
// stands, and the next checkpoint covers it.
func closeLedger(cmd *cobra.Command, l *ledger.Ledger) {
	defer l.Close()
	st := checkpointStateOf(cmd)
	if st == nil || !st.written[l] {
		return
	}
	delete(st.written, l)
	if beforeCheckpoint != nil {
		beforeCheckpoint()
	}
	s := st.audit
	if s == nil {
		s = st.key
	}
	stderr := cmd.ErrOrStderr()
	if err := checkpointLedger(cmd.Context(), l, s, stderr); err != nil {
		fmt.Fprintf(stderr, "licmint: warning: the ledger's new events are not checkpointed: %v\n", err)
		fmt.Fprintf(stderr, "licmint: hint: what was recorded stands; the next command that writes to the ledger, or 'licmint ledger checkpoint', checkpoints it\n")
	}
}

// checkpointLedger checkpoints l with s, or without s says how many
// events await a checkpoint.
func checkpointLedger(ctx context.Context, l *ledger.Ledger, s crypto.Signer, stderr io.Writer) error {
	// A command may have been cut short; its checkpoint still is due.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if s != nil {
		_, _, err := l.Checkpoint(ctx, s)
		return err
	}
	head, err := l.Head(ctx)
	if err != nil {
		return err
	}
	cp, err := l.LatestCheckpoint(ctx)
	var after int64
	switch {
	case errors.Is(err, ledger.ErrNoCheckpoint):
	case err != nil:
		return err
	default:
		after = cp.Head.Seq + 1
	}
	events := fmt.Sprintf("events %d to %d of the ledger are", after+1, head.Seq)
	if after+1 == head.Seq {
		events = fmt.Sprintf("event %d of the ledger is", head.Seq)
	}
	if head.Seq > after {
		fmt.Fprintf(stderr, "licmint: note: %s not checkpointed: give --audit-key FILE (or set %s), or run 'licmint ledger checkpoint'\n", events, auditKeyEnv)
	}
	return nil
}

// checkpointInput bounds a saved head.
var checkpointInput = inputKind{"a checkpoint record", ledger.MaxCheckpointSize}

// ledgerVerifyError words a chain or checkpoint that does not verify:
// exit status 3, with what to do; good is the last event that verified.
func ledgerVerifyError(err error, good int64) error {
	var ce *ledger.ChainError
	var cpe *ledger.CheckpointError
	switch {
	case errors.As(err, &cpe):
		return withHint(exitInvalid, err, "the events before it were changed after it was signed, it is forged, or --pub is not the key that signs the checkpoints: restore the ledger from a backup and compare, and find who could write to the database")
	case errors.As(err, &ce):
		return withHint(exitInvalid, err, fmt.Sprintf("events up to %d verify; restore the ledger from a backup and compare, or investigate who wrote to the database", good))
	}
	return err
}

// printCheckpoint prints cp: with asJSON the record to publish, else the
// head as "SEQ HASH" and the rest a line each.
func printCheckpoint(w io.Writer, cp *ledger.Checkpoint, asJSON bool) error {
	if asJSON {
		return printJSON(w, cp)
	}
	_, err := fmt.Fprintf(w, "%d %x\nledger      %s\ncheckpoint  event %d at %s\npublic key  %x\nsignature   %x\n",
		cp.Head.Seq, cp.Head.Hash, cp.LedgerID, cp.Head.Seq+1, cp.At.UTC().Format(time.RFC3339Nano), []byte(cp.PublicKey), cp.Signature)
	return err
}

func newLedgerCheckpointCmd() *cobra.Command {
	var (
		dsn, key string
		secret   secretFlags
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "checkpoint --ledger DSN (--audit-key FILE | --key FILE)",
		Short: "Sign the chain's head now",
		Long: `Sign the chain's head and append the signature to the ledger as a
checkpoint event, unless the newest event is a checkpoint already; then
print the newest checkpoint, as 'licmint ledger head' does.

Commands that write to the ledger checkpoint it when they finish, with
--audit-key (or $` + auditKeyEnv + `) or else the signing key they opened;
the portal does every minute it records events. A command that wrote with
neither key leaves its events to the next checkpoint: run this from cron,
or after such commands, to sign them.

The audit key is a key pair from 'licmint keygen' kept for this, opened with
the age identity file $` + auditIdentityEnv + ` or the passphrase
$` + auditPassphraseEnv + `, or a pkcs11: URI. --key signs with the vendor's
signing key instead, opened as 'licmint sign' opens it.`,
		Example: `  LICMINT_AUDIT_IDENTITY=audit-id.txt licmint ledger checkpoint --ledger licenses.db --audit-key keys/audit.key.age
  licmint ledger checkpoint --ledger licenses.db --key keys/vendor.key.age --json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref := auditKeyRef(cmd)
			if (ref == "") == (key == "") {
				return usageError("give --audit-key FILE (or set %s) or --key FILE: the key that signs the checkpoint", auditKeyEnv)
			}
			l, err := commandLedger(cmd, dsn, ledgerExisting)
			if err != nil {
				return err
			}
			defer closeLedger(cmd, l)
			st := checkpointStateOf(cmd)
			if key != "" {
				if _, err := secret.loadKey(cmd, key); err != nil {
					return err
				}
			}
			s := st.audit
			if s == nil {
				s = st.key
			}
			cp, made, err := l.Checkpoint(cmd.Context(), s)
			if err != nil {
				return ledgerError(err, func(err error) error { return keyError(err, "") })
			}
			if cp == nil {
				return withHint(exitError, errors.New("the ledger has no events to checkpoint"), "")
			}
			if !made {
				fmt.Fprintf(cmd.ErrOrStderr(), "licmint: the newest event, %d, is a checkpoint already: nothing new to sign\n", cp.Head.Seq+1)
			}
			return printCheckpoint(cmd.OutOrStdout(), cp, asJSON)
		},
	}
	fl := cmd.Flags()
	addLedgerFlag(fl, &dsn)
	addAuditKeyFlag(cmd)
	fl.StringVar(&key, "key", "", keyFlagUsage)
	secret.register(cmd)
	jsonFlagVar(cmd, &asJSON)
	return cmd
}
