package ledger

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/licmint/licmint/formats"
)

// eventCheckpoint is a signed head appended to the chain: the event
// right after the head it signs.
const eventCheckpoint = "checkpoint"

// A Checkpoint is a signature over the chain's head by a key outside the
// database: the vendor's signing key or an audit key. Whoever can write
// to the database can re-hash the whole chain after editing an event,
// but cannot sign a new checkpoint over the result, so every checkpoint
// after the edit stops matching the chain (see docs/ledger.md).
type Checkpoint struct {
	// LedgerID names the ledger: 32 lowercase hex digits, drawn at random
	// when its first checkpoint is made.
	LedgerID string
	// Head is the event signed: the checkpoint itself is event Head.Seq+1.
	Head Head
	// At is when the checkpoint was made, which its event records too.
	At        time.Time
	PublicKey ed25519.PublicKey
	Signature []byte
}

// checkpointFormat names the signed message and the JSON record.
const checkpointFormat = "licmint-checkpoint-v1"

// Message returns the canonical bytes that the checkpoint's signature
// covers (docs/ledger.md): five lines, each ending in a line feed.
func (c *Checkpoint) Message() []byte {
	return checkpointMessage(c.LedgerID, c.Head, formatTime(c.At))
}

func checkpointMessage(id string, h Head, at string) []byte {
	b := make([]byte, 0, 192)
	b = append(b, checkpointFormat+"\nledger "...)
	b = append(b, id...)
	b = append(b, "\nseq "...)
	b = strconv.AppendInt(b, h.Seq, 10)
	b = append(b, "\nhash "...)
	b = hex.AppendEncode(b, h.Hash[:])
	b = append(b, "\nat "...)
	b = append(b, at...)
	return append(b, '\n')
}

// Verify checks the checkpoint's signature with pub, which must be its
// PublicKey too.
func (c *Checkpoint) Verify(pub ed25519.PublicKey) error {
	if !bytes.Equal(pub, c.PublicKey) {
		return fmt.Errorf("%w: signed by key %x, not by %x", ErrCheckpointKey, []byte(c.PublicKey), []byte(pub))
	}
	if len(c.Signature) != ed25519.SignatureSize || !ed25519.Verify(pub, c.Message(), c.Signature) {
		return fmt.Errorf("%w: the signature over checkpoint event %d does not verify with key %x", ErrCheckpointKey, c.Head.Seq+1, []byte(pub))
	}
	return nil
}

// ErrCheckpointKey: a checkpoint's signature is not one of the keys
// trusted, or not a valid one.
var ErrCheckpointKey = errors.New("ledger: the checkpoint is not signed by a trusted key")

// ErrNoCheckpoint: the ledger holds no checkpoint yet.
var ErrNoCheckpoint = errors.New("ledger: no checkpoint has been made")

// ErrCheckpoint is wrapped by every *CheckpointError.
var ErrCheckpoint = errors.New("ledger: the chain does not match a checkpoint")

// A CheckpointError says which checkpoint the chain no longer matches:
// the events before it were changed after it was signed, or it was forged.
// Event is the checkpoint's own event, or for a saved head the event it
// was taken from.
type CheckpointError struct {
	Event  int64
	Reason string
}

func (e *CheckpointError) Error() string {
	return fmt.Sprintf("ledger: checkpoint event %d: %s", e.Event, e.Reason)
}

// Unwrap makes a CheckpointError both ErrCheckpoint and ErrChain: the
// chain does not verify.
func (e *CheckpointError) Unwrap() []error { return []error{ErrCheckpoint, ErrChain} }

// checkpointEvent is a checkpoint event's own members; its time is the
// event's "at".
type checkpointEvent struct {
	LedgerID  string `json:"ledger_id"`
	HeadSeq   int64  `json:"head_seq"`
	HeadHash  string `json:"head_hash"`
	PublicKey string `json:"public_key"`
	Signature string `json:"signature"`
}

// Checkpoint signs the chain's head with s, which must sign Ed25519 as
// an ed25519.PrivateKey does (signer.Key's Signer, a PKCS#11 key), and
// appends it as a checkpoint event. It returns the newest checkpoint and
// whether it made it: an empty ledger, or one whose newest event is a
// checkpoint already, gets none, and nothing is written.
func (l *Ledger) Checkpoint(ctx context.Context, s crypto.Signer) (*Checkpoint, bool, error) {
	pub, ok := s.Public().(ed25519.PublicKey)
	if !ok || len(pub) != ed25519.PublicKeySize {
		return nil, false, fmt.Errorf("ledger: a checkpoint is signed with an Ed25519 key, not a %T", s.Public())
	}
	// Most calls find nothing new; they are answered without a write.
	if due, err := checkpointDue(ctx, l.db); err != nil || !due {
		cp, err2 := l.LatestCheckpoint(ctx)
		if errors.Is(err2, ErrNoCheckpoint) {
			err2 = nil
		}
		return cp, false, errors.Join(err, err2)
	}
	var cp *Checkpoint
	err := l.update(ctx, func(t *tx) error {
		if due, err := checkpointDue(ctx, t.sql); err != nil || !due {
			return err
		}
		id, err := t.ledgerID()
		if err != nil {
			return err
		}
		c := &Checkpoint{LedgerID: id, Head: t.head, At: t.at, PublicKey: bytes.Clone(pub)}
		if c.Signature, err = s.Sign(nil, c.Message(), crypto.Hash(0)); err != nil {
			return fmt.Errorf("ledger: signing a checkpoint: %w", err)
		}
		// A key whose halves differ would make checkpoints that never
		// verify: refused here, before one is recorded.
		if err := c.Verify(pub); err != nil {
			return err
		}
		seq, err := t.event(eventCheckpoint, formats.Product{}, 0, checkpointEvent{LedgerID: id, HeadSeq: c.Head.Seq,
			HeadHash: hexHash(c.Head.Hash), PublicKey: hex.EncodeToString(pub), Signature: hex.EncodeToString(c.Signature)})
		if err != nil {
			return err
		}
		if err := t.exec(`INSERT INTO ledger_meta (key, value) VALUES ('checkpoint_seq', $1)
ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.FormatInt(seq, 10)); err != nil {
			return err
		}
		cp = c
		return nil
	})
	if err != nil || cp != nil {
		return cp, cp != nil, err
	}
	cp, err = l.LatestCheckpoint(ctx) // another process made it meanwhile
	return cp, false, err
}

// checkpointDue reports whether the newest event is one a checkpoint
// would sign: there is one, and it is not a checkpoint.
func checkpointDue(ctx context.Context, q queryer) (bool, error) {
	var kind string
	err := q.QueryRowContext(ctx, `SELECT kind FROM events ORDER BY seq DESC LIMIT 1`).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && kind != eventCheckpoint, err
}

// ledgerID returns the ledger's id, drawing it on first use.
func (t *tx) ledgerID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(t.l.rand, b[:]); err != nil {
		return "", err
	}
	if err := t.exec(`INSERT INTO ledger_meta (key, value) VALUES ('ledger_id', $1) ON CONFLICT (key) DO NOTHING`, hex.EncodeToString(b[:])); err != nil {
		return "", err
	}
	var id string
	err := t.sql.QueryRowContext(t.ctx, `SELECT value FROM ledger_meta WHERE key = 'ledger_id'`).Scan(&id)
	return id, err
}

// LatestCheckpoint returns the newest checkpoint, or ErrNoCheckpoint.
// ledger_meta names its event, so that finding it reads no other event:
// a ledger may hold many since its last. Verify, which reads every event,
// does not rely on that.
func (l *Ledger) LatestCheckpoint(ctx context.Context) (*Checkpoint, error) {
	var seqText, at, kind, body string
	err := l.db.QueryRowContext(ctx, `SELECT value FROM ledger_meta WHERE key = 'checkpoint_seq'`).Scan(&seqText)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoCheckpoint
	}
	if err != nil {
		return nil, err
	}
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if err == nil {
		err = l.db.QueryRowContext(ctx, `SELECT at, kind, body FROM events WHERE seq = $1`, seq).Scan(&at, &kind, &body)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) && !errors.Is(err, strconv.ErrSyntax) && !errors.Is(err, strconv.ErrRange) {
		return nil, err
	}
	if err != nil || kind != eventCheckpoint {
		return nil, &CheckpointError{Event: seq, Reason: fmt.Sprintf("ledger_meta names event %q as the newest checkpoint, and it is none: the database was changed", seqText)}
	}
	c, reason := checkpointOf(seq, at, []byte(body))
	if reason != "" {
		return nil, &CheckpointError{Event: seq, Reason: reason}
	}
	return c, nil
}

// checkpointOf reads the checkpoint that event seq, made at at, holds;
// it returns what is wrong with it instead, if anything.
func checkpointOf(seq int64, at string, body []byte) (*Checkpoint, string) {
	var ev checkpointEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, "body: " + err.Error()
	}
	c := &Checkpoint{LedgerID: ev.LedgerID, Head: Head{Seq: ev.HeadSeq}}
	var err error
	if c.At, err = time.Parse(time.RFC3339Nano, at); err != nil || formatTime(c.At) != at {
		return nil, fmt.Sprintf("its time %q is not RFC 3339 UTC", at)
	}
	if reason := c.decode(ev.LedgerID, ev.HeadHash, ev.PublicKey, ev.Signature); reason != "" {
		return nil, reason
	}
	if c.Head.Seq != seq-1 {
		return nil, fmt.Sprintf("it signs event %d, not the event before it", c.Head.Seq)
	}
	return c, ""
}

// decode sets the checkpoint's hex members, or says which is malformed.
func (c *Checkpoint) decode(id, hash, pub, sig string) string {
	if len(id) != 32 || !isLowerHex(id) {
		return fmt.Sprintf("ledger_id %q is not 32 lowercase hex digits", id)
	}
	var err error
	if c.Head.Hash, err = decodeHash(hash); err != nil || !isLowerHex(hash) {
		return fmt.Sprintf("the head's hash %q is not 64 lowercase hex digits", hash)
	}
	if b, err := hex.DecodeString(pub); err != nil || len(b) != ed25519.PublicKeySize || !isLowerHex(pub) {
		return fmt.Sprintf("public_key %q is not 64 lowercase hex digits", pub)
	} else {
		c.PublicKey = b
	}
	if b, err := hex.DecodeString(sig); err != nil || len(b) != ed25519.SignatureSize || !isLowerHex(sig) {
		return "signature is not 128 lowercase hex digits"
	} else {
		c.Signature = b
	}
	if c.Head.Seq < 1 {
		return fmt.Sprintf("it signs event %d: there is none", c.Head.Seq)
	}
	return ""
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// checkpointJSON is a checkpoint as a record to publish: self-contained,
// so that it can be checked against a ledger or a public key anywhere.
type checkpointJSON struct {
	Format    string `json:"format"`
	LedgerID  string `json:"ledger_id"`
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	At        string `json:"at"`
	Event     int64  `json:"event"`
	PublicKey string `json:"public_key"`
	Signature string `json:"signature"`
}

// MarshalJSON writes the checkpoint as the record that `licmint ledger
// head --json` prints and ParseCheckpoint reads.
func (c *Checkpoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(checkpointJSON{Format: checkpointFormat, LedgerID: c.LedgerID, Seq: c.Head.Seq, Hash: hexHash(c.Head.Hash),
		At: formatTime(c.At), Event: c.Head.Seq + 1, PublicKey: hex.EncodeToString(c.PublicKey), Signature: hex.EncodeToString(c.Signature)})
}

// MaxCheckpointSize bounds a checkpoint record; one is about 450 bytes.
const MaxCheckpointSize = 4 << 10

// ErrCheckpointFormat is wrapped by ParseCheckpoint's errors.
var ErrCheckpointFormat = errors.New("ledger: not a checkpoint record")

// ParseCheckpoint reads a checkpoint record as MarshalJSON writes it, with
// white space around it allowed: every member present, none unknown, each
// in its canonical form. It does not check the signature (Verify).
func ParseCheckpoint(data []byte) (*Checkpoint, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrCheckpointFormat, fmt.Sprintf(format, a...))
	}
	if len(data) > MaxCheckpointSize {
		return nil, bad("it is %d bytes, more than %d", len(data), MaxCheckpointSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r checkpointJSON
	if err := dec.Decode(&r); err != nil {
		return nil, bad("%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad("more follows the record")
	}
	// Every member is required: decode again into pointers to find one
	// missing, which the zero values above cannot tell.
	var seen map[string]json.RawMessage
	if err := json.Unmarshal(data, &seen); err != nil {
		return nil, bad("%v", err)
	}
	for _, m := range []string{"format", "ledger_id", "seq", "hash", "at", "event", "public_key", "signature"} {
		if _, ok := seen[m]; !ok {
			return nil, bad("member %q is missing", m)
		}
	}
	if r.Format != checkpointFormat {
		return nil, bad("format %q: want %q", r.Format, checkpointFormat)
	}
	c := &Checkpoint{Head: Head{Seq: r.Seq}, LedgerID: r.LedgerID}
	if reason := c.decode(r.LedgerID, r.Hash, r.PublicKey, r.Signature); reason != "" {
		return nil, bad("%s", reason)
	}
	var err error
	if c.At, err = time.Parse(time.RFC3339Nano, r.At); err != nil || formatTime(c.At) != r.At {
		return nil, bad("at %q is not an RFC 3339 UTC time as the ledger writes it", r.At)
	}
	if r.Event != r.Seq+1 {
		return nil, bad("event %d: a checkpoint is the event after the head it signs, %d", r.Event, r.Seq+1)
	}
	return c, nil
}

// A VerifyOption adds checks to Verify.
type VerifyOption func(*checkpoints)

// WithCheckpointKeys makes Verify check every checkpoint's signature: each
// must be by one of keys. Without it, checkpoints are checked against the
// chain only, which a rewrite of their bodies would pass.
func WithCheckpointKeys(keys ...ed25519.PublicKey) VerifyOption {
	return func(v *checkpoints) { v.keys = append(v.keys, keys...) }
}

// WithSavedHead makes Verify check that the chain still extends c, a
// checkpoint saved earlier (ParseCheckpoint): event c.Head.Seq hashes to
// c.Head.Hash and c is the event after it. With WithCheckpointKeys, c's
// own signature is checked too.
func WithSavedHead(c *Checkpoint) VerifyOption { return func(v *checkpoints) { v.saved = c } }

// checkpoints is Verify's check of the checkpoints, event by event.
type checkpoints struct {
	keys  []ed25519.PublicKey
	saved *Checkpoint
	// id is the ledger id of the first checkpoint; good is the newest
	// checkpoint event that verified.
	id   string
	good int64
}

func newCheckpoints(opts []VerifyOption) (*checkpoints, error) {
	v := &checkpoints{}
	for _, o := range opts {
		o(v)
	}
	if v.saved != nil && len(v.keys) > 0 {
		if reason := v.trusted(v.saved); reason != "" {
			return nil, &CheckpointError{Event: v.saved.Head.Seq + 1, Reason: "the saved head: " + reason}
		}
	}
	return v, nil
}

// trusted checks c's signature with the key of keys that is its own, and
// says what is wrong, if anything.
func (v *checkpoints) trusted(c *Checkpoint) string {
	for _, k := range v.keys {
		if bytes.Equal(k, c.PublicKey) {
			if c.Verify(k) != nil {
				return fmt.Sprintf("its signature does not verify with key %x: it is forged", []byte(k))
			}
			return ""
		}
	}
	return fmt.Sprintf("it is signed by key %x, which is not one of the keys given", []byte(c.PublicKey))
}

// event checks event e, with body, made at at, whose hash the chain
// recomputed after prev's.
func (v *checkpoints) event(e *Event, at string, body []byte, prev Head, hash [32]byte) error {
	if s := v.saved; s != nil {
		switch e.Seq {
		case s.Head.Seq:
			if hash != s.Head.Hash {
				return &CheckpointError{Event: e.Seq + 1, Reason: fmt.Sprintf("the chain no longer extends the saved head: event %d hashes to %x, and the saved head says %x",
					e.Seq, hash, s.Head.Hash)}
			}
		case s.Head.Seq + 1:
			c, _ := checkpointOf(e.Seq, at, body)
			if e.Kind != eventCheckpoint || c == nil || !bytes.Equal(c.Signature, s.Signature) || c.LedgerID != s.LedgerID {
				return &CheckpointError{Event: e.Seq, Reason: "the saved head was taken from this event, which is no longer that checkpoint"}
			}
		}
	}
	if e.Kind != eventCheckpoint {
		return nil
	}
	fail := func(format string, a ...any) error {
		since := "no earlier checkpoint verifies"
		if v.good > 0 {
			since = fmt.Sprintf("checkpoint event %d is the newest that verifies", v.good)
		}
		suspect := fmt.Sprintf("events %d to %d", v.good+1, e.Seq-1)
		if v.good+1 == e.Seq-1 {
			suspect = fmt.Sprintf("event %d", e.Seq-1)
		}
		return &CheckpointError{Event: e.Seq, Reason: fmt.Sprintf(format, a...) + "; " + since + ", so " + suspect + " may have been changed"}
	}
	c, reason := checkpointOf(e.Seq, at, body)
	switch {
	case reason != "":
		return fail("%s", reason)
	case c.Head.Hash != prev.Hash:
		return fail("it signs event %d's hash as %x, and the chain hashes to %x there: the events before it were changed after it was signed",
			c.Head.Seq, c.Head.Hash, prev.Hash)
	case v.id != "" && c.LedgerID != v.id:
		return fail("it is of ledger %s, and the earlier checkpoints of ledger %s", c.LedgerID, v.id)
	}
	if len(v.keys) > 0 {
		if reason := v.trusted(c); reason != "" {
			return fail("%s", reason)
		}
	}
	v.id, v.good = c.LedgerID, e.Seq
	return nil
}

// done checks, with head the last event, that the chain reached the
// saved head.
func (v *checkpoints) done(head Head) error {
	if s := v.saved; s != nil {
		if head.Seq <= s.Head.Seq {
			return &CheckpointError{Event: s.Head.Seq + 1, Reason: fmt.Sprintf("the chain ends at event %d, before the saved head: events were removed", head.Seq)}
		}
		if v.id != "" && v.id != s.LedgerID {
			return &CheckpointError{Event: s.Head.Seq + 1, Reason: fmt.Sprintf("the saved head is of ledger %s, and this is ledger %s", s.LedgerID, v.id)}
		}
	}
	return nil
}
