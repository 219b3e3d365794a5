package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/ledgerdb"
)

// Event kinds.
const (
	eventMinted    = "minted"
	eventImported  = "imported"
	eventSigned    = "signed"
	eventRenewed   = "renewed"
	eventReplaced  = "replaced"
	eventRevoked   = "revoked"
	eventVoided    = "voided"
	eventNotified  = "notified"
	eventListIssue = "list_issued"
	eventMoved     = "moved"
	// eventTokenMade records a JWT license token made later for a code
	// issued without one.
	eventTokenMade = "token_made"
)

// An Event is one entry of the ledger's append-only log. Body is the
// event's canonical bytes: a JSON object whose first members repeat Seq,
// At, Actor, Kind, Product and Serial. Hash is SHA-256 over the previous
// event's hash (32 zero bytes before the first event) followed by Body, so
// that editing, deleting or reordering any event changes every later hash.
type Event struct {
	Seq      int64
	At       time.Time
	Actor    string
	Kind     string
	Product  string
	Serial   formats.Serial
	Body     []byte
	PrevHash [32]byte
	Hash     [32]byte
}

// eventHead is what every event's body starts with, in this order.
type eventHead struct {
	Seq     int64  `json:"seq"`
	At      string `json:"at"`
	Actor   string `json:"actor"`
	Kind    string `json:"kind"`
	Product string `json:"product"`
	Serial  string `json:"serial"`
}

// eventBody appends to dst the canonical JSON object of the head and the
// kind's own fields: members in a fixed order, no white space. The kind's
// fields never reuse a head member's name. The head's Serial is written
// from serial. The kinds a batch writes append themselves (fieldAppender);
// the others go through encoding/json.
func eventBody(dst []byte, h eventHead, serial formats.Serial, data any) ([]byte, error) {
	if f, ok := data.(fieldAppender); ok {
		dst = appendHead(dst, h.Seq, h.At, h.Actor, h.Kind, h.Product, serial)
		return append(f.appendFields(dst), '}'), nil
	}
	h.Serial = serial.String()
	b, err := eventBodyJSON(h, data)
	return append(dst, b...), err
}

// eventBodyJSON is eventBody through encoding/json, for every kind.
func eventBodyJSON(h eventHead, data any) ([]byte, error) {
	hb, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return hb, nil
	}
	db, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	if len(db) <= 2 || db[0] != '{' {
		return hb, nil
	}
	// {"seq":…,"serial":"…"} + {"a":…} → {"seq":…,"serial":"…","a":…}
	return append(append(hb[:len(hb)-1], ','), db[1:]...), nil
}

// hexHash is a hash as the events table stores it.
func hexHash(h [32]byte) string {
	var b [64]byte
	hex.Encode(b[:], h[:])
	return string(b[:])
}

func chainHash(prev [32]byte, body []byte) [32]byte {
	h := sha256.New()
	h.Write(prev[:])
	h.Write(body)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Head is the newest event's sequence number and hash: anchoring it
// elsewhere (a ticket, an email, a git commit) lets an auditor later prove
// that no event up to it was changed.
type Head struct {
	Seq  int64
	Hash [32]byte
}

func (h Head) String() string { return fmt.Sprintf("%d %x", h.Seq, h.Hash) }

// Head returns the chain's head; an empty ledger has Seq 0 and a zero hash.
func (l *Ledger) Head(ctx context.Context) (Head, error) {
	return readHead(ctx, l.db)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func readHead(ctx context.Context, q queryer) (Head, error) {
	var h Head
	var hash string
	err := q.QueryRowContext(ctx, `SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1`).Scan(&h.Seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Head{}, nil
	}
	if err != nil {
		return h, err
	}
	if h.Hash, err = decodeHash(hash); err != nil {
		return h, fmt.Errorf("event %d: %w", h.Seq, err)
	}
	return h, nil
}

func decodeHash(s string) ([32]byte, error) {
	var h [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return h, fmt.Errorf("hash %q is not 64 hex digits", s)
	}
	copy(h[:], b)
	return h, nil
}

// ChainError says which event first fails the chain's check.
type ChainError struct {
	Seq    int64
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("ledger: event %d: %s", e.Seq, e.Reason)
}

// ErrChain is wrapped by every *ChainError.
var ErrChain = errors.New("ledger: the event chain does not verify")

func (e *ChainError) Unwrap() error { return ErrChain }

// Verify recomputes the event chain from the first event and returns a
// *ChainError naming the first event that does not match: an edited body
// or column, a deleted or inserted event, or events out of order. It also
// checks that every code recorded is the one its event names, and that
// every checkpoint matches the chain up to it (opts add more checks). On
// success it returns the head it reached.
func (l *Ledger) Verify(ctx context.Context, opts ...VerifyOption) (Head, error) {
	cps, err := newCheckpoints(opts)
	if err != nil {
		return Head{}, err
	}
	rows, err := l.db.QueryContext(ctx, `SELECT seq, at, actor, kind, product, serial, body, prev_hash, hash FROM events ORDER BY seq`)
	if err != nil {
		return Head{}, err
	}
	var prev Head
	st := newReplay()
	err = ledgerdb.EachRow(rows, func(rows *sql.Rows) error {
		var e Event
		var at, prevHash, hash, body string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Kind, &e.Product, &e.Serial, &body, &prevHash, &hash); err != nil {
			return err
		}
		if e.Seq != prev.Seq+1 {
			return &ChainError{Seq: e.Seq, Reason: fmt.Sprintf("follows event %d: events are missing or out of order", prev.Seq)}
		}
		ph, err := decodeHash(prevHash)
		if err != nil {
			return &ChainError{Seq: e.Seq, Reason: "prev_hash: " + err.Error()}
		}
		if ph != prev.Hash {
			return &ChainError{Seq: e.Seq, Reason: "prev_hash is not the hash of the event before it"}
		}
		want := chainHash(prev.Hash, []byte(body))
		if got, err := decodeHash(hash); err != nil || got != want {
			return &ChainError{Seq: e.Seq, Reason: "hash does not match the event's body: the event was changed"}
		}
		var head eventHead
		dec := json.NewDecoder(bytes.NewReader([]byte(body)))
		if err := dec.Decode(&head); err != nil {
			return &ChainError{Seq: e.Seq, Reason: "body is not a JSON object: " + err.Error()}
		}
		if head.Seq != e.Seq || head.At != at || head.Actor != e.Actor || head.Kind != e.Kind ||
			head.Product != e.Product || head.Serial != e.Serial.String() {
			return &ChainError{Seq: e.Seq, Reason: "its columns differ from its body: the row was changed"}
		}
		if err := st.apply(&e, []byte(body)); err != nil {
			return err
		}
		if err := cps.event(&e, at, []byte(body), prev, want); err != nil {
			return err
		}
		prev = Head{Seq: e.Seq, Hash: want}
		return nil
	})
	if err == nil {
		err = cps.done(prev)
	}
	if err != nil {
		return prev, err
	}
	if err := l.verifyCodes(ctx); err != nil {
		return prev, err
	}
	return prev, st.check(ctx, l.db, prev.Seq)
}

// replay rebuilds from the events what the keys and licenses tables must
// hold, so that Verify finds a row changed, added or removed behind the
// log's back: a key un-voided or slipped in, a license un-revoked.
type replay struct {
	keys map[string]string // key text → state
	lics map[replayKey]*replayedLicense
}

type replayKey struct {
	product string
	serial  formats.Serial
}

type replayedLicense struct {
	generation int
	expires    string
	revoked    bool
	below      int
}

func newReplay() *replay {
	return &replay{keys: map[string]string{}, lics: map[replayKey]*replayedLicense{}}
}

// apply takes one event into the state.
func (r *replay) apply(e *Event, body []byte) error {
	var f struct {
		RK         string `json:"rk"`
		Generation *int   `json:"generation"`
		Expires    string `json:"expires"`
		Below      *int   `json:"below"`
	}
	if err := json.Unmarshal(body, &f); err != nil {
		return &ChainError{Seq: e.Seq, Reason: "body: " + err.Error()}
	}
	key := replayKey{e.Product, e.Serial}
	lic := r.lics[key]
	needLicense := func() error {
		if lic == nil {
			return &ChainError{Seq: e.Seq, Reason: "it is about a license no earlier event issued"}
		}
		return nil
	}
	switch e.Kind {
	case eventMinted, eventImported:
		r.keys[f.RK] = StateMinted
	case eventVoided:
		r.keys[f.RK] = StateVoid
	case eventSigned:
		r.keys[f.RK] = StateRegistered
		r.lics[key] = &replayedLicense{generation: deref(f.Generation), expires: f.Expires}
	case eventRenewed:
		if err := needLicense(); err != nil {
			return err
		}
		lic.expires = f.Expires
		if f.RK != "" {
			r.keys[f.RK] = StateRegistered
		}
	case eventReplaced:
		if err := needLicense(); err != nil {
			return err
		}
		lic.generation, lic.expires = deref(f.Generation), f.Expires
	case eventTokenMade:
		if err := needLicense(); err != nil {
			return err
		}
	case eventRevoked:
		if err := needLicense(); err != nil {
			return err
		}
		b := deref(f.Below)
		if !lic.revoked || lic.below != 0 && (b == 0 || b > lic.below) {
			lic.revoked, lic.below = true, b
		}
	}
	return nil
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// check compares the tables with the state the events give; seq is the
// head, which errors name.
func (r *replay) check(ctx context.Context, q queryer, seq int64) error {
	bad := func(format string, a ...any) error {
		return &ChainError{Seq: seq, Reason: "the tables do not agree with the events: " + fmt.Sprintf(format, a...)}
	}
	rows, err := q.QueryContext(ctx, `SELECT rk, state FROM registration_keys`)
	if err != nil {
		return err
	}
	n := 0
	err = ledgerdb.EachRow(rows, func(rows *sql.Rows) error {
		var rk, state string
		if err := rows.Scan(&rk, &state); err != nil {
			return err
		}
		n++
		if want, ok := r.keys[rk]; !ok {
			return bad("registration key %s has no event that minted or imported it", rk)
		} else if want != state {
			return bad("registration key %s is %s, and the events say %s", rk, state, want)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n != len(r.keys) {
		return bad("%d registration keys are recorded, and the events name %d", n, len(r.keys))
	}
	if rows, err = q.QueryContext(ctx, `SELECT product, serial, generation, expires, revoked_below FROM licenses`); err != nil {
		return err
	}
	n = 0
	err = ledgerdb.EachRow(rows, func(rows *sql.Rows) error {
		var product string
		var serial int64
		var gen, expires int
		var below sql.NullInt64
		if err := rows.Scan(&product, &serial, &gen, &expires, &below); err != nil {
			return err
		}
		n++
		lic, ok := r.lics[replayKey{product, formats.Serial(serial)}]
		switch {
		case !ok:
			return bad("license %s-%s has no event that issued it", product, formats.Serial(serial))
		case gen != lic.generation || formats.Day(expires).String() != lic.expires:
			return bad("license %s-%s is at generation %d, expiring %s, and the events say %d, %s",
				product, formats.Serial(serial), gen, formats.Day(expires), lic.generation, lic.expires)
		case below.Valid != lic.revoked || below.Valid && int(below.Int64) != lic.below:
			return bad("license %s-%s's revocation differs from its events", product, formats.Serial(serial))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n != len(r.lics) {
		return bad("%d licenses are recorded, and the events issued %d", n, len(r.lics))
	}
	return nil
}

// verifyCodes checks every recorded code against the SHA-256 that its
// event carries, so that a code swapped in the codes table is found.
func (l *Ledger) verifyCodes(ctx context.Context) error {
	// A token made later is named by its own event, by the code's hash.
	later := map[string]string{}
	trows, err := l.db.QueryContext(ctx, `SELECT seq, body FROM events WHERE kind = $1`, eventTokenMade)
	if err != nil {
		return err
	}
	err = ledgerdb.EachRow(trows, func(trows *sql.Rows) error {
		var seq int64
		var body string
		var ev tokenEvent
		if err := trows.Scan(&seq, &body); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			return &ChainError{Seq: seq, Reason: "body: " + err.Error()}
		}
		if _, dup := later[ev.CodeSHA256]; dup {
			return &ChainError{Seq: seq, Reason: "a second token for one code"}
		}
		later[ev.CodeSHA256] = ev.JWTSHA256
		return nil
	})
	if err != nil {
		return err
	}
	rows, err := l.db.QueryContext(ctx, `SELECT c.code, c.jwt, c.event, e.body FROM codes c LEFT JOIN events e ON e.seq = c.event`)
	if err != nil {
		return err
	}
	return ledgerdb.EachRow(rows, func(rows *sql.Rows) error {
		var code, jwt string
		var seq int64
		var body sql.NullString
		if err := rows.Scan(&code, &jwt, &seq, &body); err != nil {
			return err
		}
		var ev struct {
			CodeSHA256 string `json:"code_sha256"`
			JWTSHA256  string `json:"jwt_sha256"`
		}
		if !body.Valid {
			return &ChainError{Seq: seq, Reason: "a recorded code names this event, which does not exist"}
		}
		if err := json.Unmarshal([]byte(body.String), &ev); err != nil || ev.CodeSHA256 != codeHash(code) {
			return &ChainError{Seq: seq, Reason: "the code recorded for this event is not the one the event names"}
		}
		want, made := ev.JWTSHA256, later[ev.CodeSHA256]
		if want == "" {
			want = made
		}
		if (jwt != "" || want != "") && want != codeHash(jwt) {
			return &ChainError{Seq: seq, Reason: "the token recorded for this event is not the one the event names"}
		}
		return nil
	})
}

func codeHash(code string) string {
	h := sha256.Sum256([]byte(code))
	return hex.EncodeToString(h[:])
}
