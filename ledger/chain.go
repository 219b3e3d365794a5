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
	"strings"
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

func parseEventTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

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
	// Row, when set, is the row that does not agree with the events.
	Row *RowError
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
		if e.At, err = parseEventTime(at); err != nil {
			return &ChainError{Seq: e.Seq, Reason: "at: " + err.Error()}
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
	if err := l.verifyCodes(ctx, prev.Seq, st.codeEvents); err != nil {
		return prev, err
	}
	return prev, st.check(ctx, l.db, prev.Seq)
}

// verifyCodes checks every recorded code against the event that issued
// it (its key columns, and the SHA-256 of its code and token), so that a
// code swapped, edited, added or removed in the codes table is found;
// issued is how many events issued a code, seq the head.
func (l *Ledger) verifyCodes(ctx context.Context, seq, issued int64) error {
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
	bad := func(re *RowError) error {
		return &ChainError{Seq: seq, Reason: "the tables do not agree with the events: " + strings.TrimPrefix(re.Error(), "ledger: "), Row: re}
	}
	rows, err := l.db.QueryContext(ctx, `SELECT c.product, c.serial, c.generation, c.issued, c.expires, c.code, c.jwt, c.event, e.kind, e.product, e.serial, e.body
FROM codes c LEFT JOIN events e ON e.seq = c.event`)
	if err != nil {
		return err
	}
	var n int64
	err = ledgerdb.EachRow(rows, func(rows *sql.Rows) error {
		var product, code, jwt string
		var serial, gen, issued, expires, ev int64
		var kind, eproduct, body sql.NullString
		var eserial sql.NullInt64
		if err := rows.Scan(&product, &serial, &gen, &issued, &expires, &code, &jwt, &ev, &kind, &eproduct, &eserial, &body); err != nil {
			return err
		}
		n++
		key := keyText([]string{"product", "serial", "generation", "issued", "expires"},
			[]cell{textCell(product), intCell(serial), intCell(gen), intCell(issued), intCell(expires)})
		row := func(column, reason string) error {
			return bad(&RowError{Table: "codes", Key: key, Column: column, Reason: reason})
		}
		switch {
		case !body.Valid:
			return row("event", fmt.Sprintf("event %d, which it names, does not exist: the row was inserted, or its event changed", ev))
		case kind.String != eventSigned && kind.String != eventRenewed && kind.String != eventReplaced:
			return row("event", fmt.Sprintf("event %d, which it names, is a %s event, which issues no code", ev, kind.String))
		}
		var f struct {
			Generation int64  `json:"generation"`
			Issued     string `json:"issued"`
			Expires    string `json:"expires"`
			CodeSHA256 string `json:"code_sha256"`
			JWTSHA256  string `json:"jwt_sha256"`
		}
		if err := json.Unmarshal([]byte(body.String), &f); err != nil {
			return &ChainError{Seq: ev, Reason: "body: " + err.Error()}
		}
		switch {
		case eproduct.String != product:
			return row("product", fmt.Sprintf("it is %q, and event %d says %q", product, ev, eproduct.String))
		case eserial.Int64 != serial:
			return row("serial", fmt.Sprintf("it is %d, and event %d says %d", serial, ev, eserial.Int64))
		case f.Generation != gen:
			return row("generation", fmt.Sprintf("it is %d, and event %d says %d", gen, ev, f.Generation))
		case formats.Day(issued).String() != f.Issued:
			return row("issued", fmt.Sprintf("it is %s, and event %d says %s", formats.Day(issued), ev, f.Issued))
		case formats.Day(expires).String() != f.Expires:
			return row("expires", fmt.Sprintf("it is %s, and event %d says %s", formats.Day(expires), ev, f.Expires))
		case f.CodeSHA256 != codeHash(code):
			return row("code", fmt.Sprintf("it is not the code event %d names by its SHA-256", ev))
		}
		want, made := f.JWTSHA256, later[f.CodeSHA256]
		if want == "" {
			want = made
		}
		if (jwt != "" || want != "") && want != codeHash(jwt) {
			return row("jwt", fmt.Sprintf("it is not the token event %d (or its token_made event) names by its SHA-256", ev))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n < issued {
		// Which: only when one is missing, as this reads every code event.
		var ev, serial int64
		var product string
		err := l.db.QueryRowContext(ctx, `SELECT e.seq, e.product, e.serial FROM events e LEFT JOIN codes c ON c.event = e.seq
WHERE e.kind IN ($1, $2, $3) AND c.event IS NULL ORDER BY e.seq LIMIT 1`, eventSigned, eventRenewed, eventReplaced).Scan(&ev, &product, &serial)
		if err == nil {
			return bad(&RowError{Table: "codes", Key: serialKeyText(product, formats.Serial(serial)) + fmt.Sprintf(", event %d", ev),
				Reason: "the row was deleted: the event issued it, and the table lacks it"})
		}
	}
	if n != issued {
		return bad(&RowError{Table: "codes", Key: "all", Reason: fmt.Sprintf("%d codes are recorded, and %d events issued one: a row was inserted or deleted", n, issued)})
	}
	return nil
}

func codeHash(code string) string {
	h := sha256.Sum256([]byte(code))
	return hex.EncodeToString(h[:])
}
