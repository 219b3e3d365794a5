package ledger

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/internal/ledgerdb"
)

// ListFunc builds and signs revocation list seq of the product from the
// entries revoked in the ledger, sorted by serial, returning the encoded
// list.
type ListFunc func(seq uint64, entries []revocation.Entry) ([]byte, error)

// IssuedList is a revocation list the ledger issued.
type IssuedList struct {
	Product formats.Product
	Seq     uint64
	Entries int
	List    []byte
	// Issued is when the ledger recorded the list, to the ledger's clock;
	// set by LatestRevocationList, for HTTP's Last-Modified.
	Issued time.Time
}

// RevokeAndIssueList records the revocations in entries (none is fine),
// for reason, as Revoke does, and issues the product's next revocation
// list, all in one transaction: a bad entry, or a list that cannot be
// built, records nothing. The list holds every revocation recorded, and
// its sequence number is the next one, which no other host can take at the
// same time.
func (l *Ledger) RevokeAndIssueList(ctx context.Context, p formats.Product, entries []revocation.Entry, reason string, build ListFunc) (*IssuedList, error) {
	if len(entries) > 0 && reason == "" {
		return nil, errors.New("ledger: revoke: give a reason")
	}
	var out *IssuedList
	err := l.update(ctx, func(t *tx) error {
		for _, e := range entries {
			if _, _, err := t.revokeSerial(p, e.Serial, e.Below, reason); err != nil {
				return err
			}
		}
		var last int64
		if err := t.sql.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM revocation_lists WHERE product = $1`, p.String()).Scan(&last); err != nil {
			return err
		}
		rows, err := t.sql.QueryContext(ctx, `SELECT serial, revoked_below FROM licenses WHERE product = $1 AND revoked_below IS NOT NULL ORDER BY serial`, p.String())
		if err != nil {
			return err
		}
		entries, err := ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) (revocation.Entry, error) {
			var serial, below int64
			err := sc.Scan(&serial, &below)
			return revocation.Entry{Serial: formats.Serial(serial), Below: uint8(below)}, err
		})
		if err != nil {
			return err
		}
		seq := uint64(last) + 1
		list, err := build(seq, entries)
		if err != nil {
			return err
		}
		ev, err := t.event(eventListIssue, p, 0, listEvent{Seq: seq, Entries: len(entries), ListSHA256: hashHex(list)})
		if err != nil {
			return err
		}
		if err := t.exec(`INSERT INTO revocation_lists (product, seq, issued, list, event) VALUES ($1, $2, $3, $4, $5)`,
			p.String(), int64(seq), int(mustDay(t.at)), list, ev); err != nil {
			return err
		}
		out = &IssuedList{Product: p, Seq: seq, Entries: len(entries), List: list}
		return nil
	})
	return out, err
}

type listEvent struct {
	Seq        uint64 `json:"list_seq"`
	Entries    int    `json:"entries"`
	ListSHA256 string `json:"list_sha256"`
}

func hashHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func mustDay(t time.Time) formats.Day {
	d, err := formats.DayOf(t)
	if err != nil {
		return 0
	}
	return d
}

// LatestRevocationList returns the product's newest list, or nil if none
// was issued.
func (l *Ledger) LatestRevocationList(ctx context.Context, p formats.Product) (*IssuedList, error) {
	out := &IssuedList{Product: p}
	var seq, event, issued int64
	var at, kind, product sql.NullString
	var newest sql.NullInt64
	var body []byte
	// One statement, so that the list, its event and the product's newest
	// list event are read at one time.
	err := l.db.QueryRowContext(ctx, `SELECT r.seq, r.list, r.event, r.issued, e.at, e.kind, e.product, e.body,
	(SELECT MAX(n.seq) FROM events n WHERE n.product = $1 AND n.serial = 0 AND n.kind = $2)
FROM revocation_lists r LEFT JOIN events e ON e.seq = r.event
WHERE r.product = $1 ORDER BY r.seq DESC LIMIT 1`, p.String(), eventListIssue).Scan(&seq, &out.List, &event, &issued, &at, &kind, &product, &body, &newest)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	// The list is served as it is: it must be the one its event issued,
	// and the newest one issued.
	var ev listEvent
	key := keyText([]string{"product", "seq"}, []cell{textCell(p.String()), intCell(seq)})
	t, terr := time.Parse(time.RFC3339Nano, at.String)
	switch {
	case !at.Valid || kind.String != eventListIssue || product.String != p.String() || json.Unmarshal(body, &ev) != nil || ev.Seq != uint64(seq):
		return nil, l.refused(ctx, &RowError{Table: "revocation_lists", Key: key, Column: "event", Reason: fmt.Sprintf("event %d, which it names, did not issue it", event)})
	case ev.ListSHA256 != hashHex(out.List):
		return nil, l.refused(ctx, &RowError{Table: "revocation_lists", Key: key, Column: "list", Reason: fmt.Sprintf("it is not the list event %d issued", event)})
	case terr != nil || int64(mustDay(t)) != issued:
		return nil, l.refused(ctx, &RowError{Table: "revocation_lists", Key: key, Column: "issued", Reason: fmt.Sprintf("it is not the day of event %d", event)})
	case newest.Int64 != event:
		return nil, l.refused(ctx, &RowError{Table: "revocation_lists", Key: keyText([]string{"product"}, []cell{textCell(p.String())}),
			Reason: fmt.Sprintf("the newest list recorded is that of event %d, and event %d issued a later one: a row was deleted", event, newest.Int64)})
	}
	out.Seq = uint64(seq)
	if out.Issued, err = time.Parse(time.RFC3339Nano, at.String); err != nil {
		return nil, fmt.Errorf("ledger: revocation list %d of %s: its event's time %q: %v", seq, p, at.String, err)
	}
	return out, nil
}

// Expiring returns the licenses whose maintenance ends from today to today
// plus within days and whose owner has not been notified for that expiry:
// in force (not revoked), not trials, not perpetual; soonest first.
func (l *Ledger) Expiring(ctx context.Context, today formats.Day, within int) ([]*License, error) {
	if within < 0 {
		return nil, fmt.Errorf("ledger: expiring within %d days", within)
	}
	rows, err := l.db.QueryContext(ctx, `SELECT `+licenseColumns+` FROM licenses
WHERE expires >= $1 AND expires <= $2 AND expires <> $3 AND trial = 0
  AND (revoked_below IS NULL OR (revoked_below > 0 AND generation >= revoked_below))
  AND (notified_expires IS NULL OR notified_expires <> expires)
ORDER BY expires, product, serial`, int(today), int(today)+within, int(formats.Perpetual))
	if err != nil {
		return nil, err
	}
	return ledgerdb.ScanAll(rows, scanLicense)
}

type notifyEvent struct {
	Expires string `json:"expires"`
	To      string `json:"to,omitempty"`
}

// MarkNotified records that the license's owner was told of its expiry,
// once per expiry: it reports false, and records nothing, when that expiry
// was already notified, as when two hosts send notices at once. The mail
// given is queued in the same transaction, only when the mark is made, so
// that a notice is queued once and never marked without being queued.
func (l *Ledger) MarkNotified(ctx context.Context, p formats.Product, serial formats.Serial, expires formats.Day, to string, mail ...Mail) (bool, error) {
	marked := false
	err := l.update(ctx, func(t *tx) error {
		lic, err := getLicense(ctx, t.sql, p, serial)
		if err != nil {
			return err
		}
		if lic.NotifiedExpires == expires || lic.Expires != expires {
			return nil
		}
		if _, err := t.checkLicenseNow(lic, false); err != nil {
			return err
		}
		lic.NotifiedExpires = expires
		if err := t.putLicense(lic, false); err != nil {
			return err
		}
		if _, err := t.event(eventNotified, p, serial, notifyEvent{Expires: expires.String(), To: to}); err != nil {
			return err
		}
		if err := ledgerdb.QueueMail(t, mail); err != nil {
			return err
		}
		marked = true
		return nil
	})
	return marked, err
}

// Query selects licenses for Find; set one field.
type Query struct {
	RK        *formats.RegistrationKey
	Product   formats.Product // with Serial
	Serial    formats.Serial
	Order     string
	Customer  string
	Owner     string
	ShortForm string // the 37-character short form customers quote
}

// History is a license with every code it was issued and every event
// about it, oldest first, and the keys that registered or renewed it.
type History struct {
	License *License
	Keys    []*RegistrationKey
	Codes   []*Code
	Events  []*Event
}

// maxFind bounds how many licenses one Find returns.
const maxFind = 1000

// Find returns the histories of the licenses the query selects. A key
// minted but never registered has a History with no License: an order's
// come after its licenses.
func (l *Ledger) Find(ctx context.Context, q Query) ([]*History, error) {
	var where string
	var arg []any
	switch {
	case q.RK != nil:
		rk, err := getRK(ctx, l.db, *q.RK)
		if err != nil {
			return nil, err
		}
		if rk.License == 0 {
			return []*History{{Keys: []*RegistrationKey{rk}}}, nil
		}
		where, arg = `product = $1 AND serial = $2`, []any{q.RK.Product.String(), int64(rk.License)}
	case q.Serial != 0:
		if !q.Product.Valid() {
			return nil, errors.New("ledger: find by serial needs the product")
		}
		where, arg = `product = $1 AND serial = $2`, []any{q.Product.String(), int64(q.Serial)}
	case q.Order != "":
		where, arg = `order_ref = $1 AND order_ref <> ''`, []any{q.Order}
	case q.Customer != "":
		where, arg = `customer = $1 AND customer <> ''`, []any{q.Customer}
	case q.Owner != "":
		where, arg = `owner = $1 AND owner <> ''`, []any{q.Owner}
	case q.ShortForm != "":
		// The short form carries the codes table's primary key, which
		// finds the code without an index on its text (schema 6).
		c, err := formats.ParseActivationCode(q.ShortForm)
		if err != nil {
			return nil, fmt.Errorf("ledger: find: short form: %w", err)
		}
		where = `product = $1 AND serial = $2 AND EXISTS (SELECT 1 FROM codes c
	WHERE c.product = $1 AND c.serial = $2 AND c.generation = $3 AND c.issued = $4 AND c.expires = $5 AND c.short_form = $6)`
		arg = []any{c.Product.String(), int64(c.Serial), int(c.Generation), int(c.Issued), int(c.Expires), c.ShortForm()}
	default:
		return nil, errors.New("ledger: find: give a key, serial, order, customer, owner or short form")
	}
	rows, err := l.db.QueryContext(ctx, `SELECT `+licenseColumns+` FROM licenses WHERE `+where+` ORDER BY product, serial LIMIT `+fmt.Sprint(maxFind), arg...)
	if err != nil {
		return nil, err
	}
	lics, err := ledgerdb.ScanAll(rows, scanLicense)
	if err != nil {
		return nil, err
	}
	out := make([]*History, len(lics))
	for i, lic := range lics {
		out[i] = &History{License: lic}
	}
	for _, h := range out {
		if err := l.fillHistory(ctx, h); err != nil {
			return nil, err
		}
	}
	if q.Order != "" {
		// The order's keys not registered (minted, or void), after its
		// licenses: what the customer has yet to register is part of it.
		keys, err := orderKeys(ctx, l.db, q.Order)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if k.State != StateRegistered && len(out) < maxFind {
				out = append(out, &History{Keys: []*RegistrationKey{k}})
			}
		}
	}
	return out, nil
}

func (l *Ledger) fillHistory(ctx context.Context, h *History) error {
	p, s := h.License.Product.String(), int64(h.License.Serial)
	// The key that registered the license has its serial (and a NULL
	// license column, schema 7); renewal keys are found through their own
	// index (migration 0003).
	rows, err := l.db.QueryContext(ctx, `SELECT `+rkColumns+` FROM (
	SELECT `+rkColumns+` FROM registration_keys WHERE product = $1 AND serial = $2 AND license IS NULL AND state = '`+StateRegistered+`' AND purpose = '`+string(PurposeLicense)+`'
	UNION ALL
	SELECT `+rkColumns+` FROM registration_keys WHERE product = $1 AND license = $2 AND license <> serial) AS k
ORDER BY minted_at, serial`, p, s)
	if err != nil {
		return err
	}
	if h.Keys, err = ledgerdb.ScanAll(rows, scanRK); err != nil {
		return err
	}
	if rows, err = l.db.QueryContext(ctx, `SELECT `+codeColumns+` FROM codes WHERE product = $1 AND serial = $2 ORDER BY event`, p, s); err != nil {
		return err
	}
	if h.Codes, err = ledgerdb.ScanAll(rows, scanCode); err != nil {
		return err
	}
	h.Events, err = l.Events(ctx, h.License.Product, h.License.Serial)
	return err
}

func scanEvent(sc ledgerdb.Scanner) (*Event, error) {
	var e Event
	var at, body, prev, hash string
	var serial int64
	if err := sc.Scan(&e.Seq, &at, &e.Actor, &e.Kind, &e.Product, &serial, &body, &prev, &hash); err != nil {
		return nil, err
	}
	e.Serial, e.Body = formats.Serial(serial), []byte(body)
	e.At, _ = time.Parse(time.RFC3339Nano, at)
	e.PrevHash, _ = decodeHash(prev)
	e.Hash, _ = decodeHash(hash)
	return &e, nil
}

// Licenses calls fn for every license with its current code, in product
// and serial order, for exports. It reads a page of licenses at a time, so
// that memory stays flat however large the ledger.
func (l *Ledger) Licenses(ctx context.Context, fn func(*License, *Code) error) error {
	const page = 500
	lastProduct, lastSerial := "", int64(-1)
	for {
		rows, err := l.db.QueryContext(ctx, `SELECT `+licenseColumns+` FROM licenses
WHERE product > $1 OR (product = $1 AND serial > $2) ORDER BY product, serial LIMIT `+fmt.Sprint(page), lastProduct, lastSerial)
		if err != nil {
			return err
		}
		lics, err := ledgerdb.ScanAll(rows, scanLicense)
		if err != nil {
			return err
		}
		for _, lic := range lics {
			code, err := l.CurrentCode(ctx, lic)
			if err != nil {
				return err
			}
			if err := fn(lic, code); err != nil {
				return err
			}
		}
		if len(lics) < page {
			return nil
		}
		last := lics[len(lics)-1]
		lastProduct, lastSerial = last.Product.String(), int64(last.Serial)
	}
}

// Events returns the events about a product's serial, oldest first: those
// of a key never registered, such as its minting and voiding.
func (l *Ledger) Events(ctx context.Context, p formats.Product, serial formats.Serial) ([]*Event, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT seq, at, actor, kind, product, serial, body, prev_hash, hash FROM events WHERE product = $1 AND serial = $2 ORDER BY seq`,
		p.String(), int64(serial))
	if err != nil {
		return nil, err
	}
	return ledgerdb.ScanAll(rows, scanEvent)
}
