package ledger

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/ledgerdb"
)

// tx is one writing transaction: it holds the write lock, and appends
// events to the chain from the head it read once.
type tx struct {
	ctx  context.Context
	sql  *sql.Tx
	conn *sql.Conn // that sql runs on
	l    *Ledger
	head Head
	at   time.Time
	// by, when set, is the client the events are recorded for, in place
	// of ctx's: a group's transaction records the calls of several.
	by *caller
	// Rows inserted by the transaction are written together when fn
	// returns, many to a statement: a statement's cost is mostly its
	// parsing and round trip, not its rows. Nothing in a transaction
	// reads back what it inserts.
	events, rks, licenses, codes insertBuf
	// atText is at as events record it; headHex is head.Hash in hex;
	// body holds the previous hash and each event's body in turn, until
	// they are hashed and the body copied.
	atText, headHex string
	body            []byte
}

// update runs fn in a transaction under the write lock. The ledger's
// heartbeat row is written first, so that a database that takes no writes
// fails here, before fn (and any signing in it) runs.
func (l *Ledger) update(ctx context.Context, fn func(*tx) error) error {
	return l.write(ctx, false, fn)
}

// write is update, whose commit does not wait for the disk if deferred
// (RegisterDeferred).
func (l *Ledger) write(ctx context.Context, deferred bool, fn func(*tx) error) error {
	if l.store.prepares() {
		defer l.stmts.prepareMissed(ctx, l.wdb)
	}
	err := l.inConnTx(ctx, deferred, func(conn *sql.Conn, s *sql.Tx) error {
		t, err := l.begin(ctx, conn, s)
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		return t.flushAll()
	})
	return l.refused(ctx, err)
}

// begin starts a writing transaction's tx on s, which holds the write
// lock.
func (l *Ledger) begin(ctx context.Context, conn *sql.Conn, s *sql.Tx) (*tx, error) {
	t := &tx{ctx: ctx, sql: s, conn: conn, l: l, at: l.now()}
	if _, err := t.execW(`INSERT INTO ledger_meta (key, value) VALUES ('last_write', $1)
ON CONFLICT (key) DO UPDATE SET value = excluded.value`, formatTime(t.at)); err != nil {
		return nil, fmt.Errorf("the ledger does not take writes: %w", err)
	}
	h, err := readHead(ctx, s)
	if err != nil {
		return nil, err
	}
	t.head = h
	t.events = insertBuf{table: "events", columns: eventColumns}
	t.rks = insertBuf{table: "registration_keys", columns: rkColumns}
	t.licenses = insertBuf{table: "licenses", columns: licenseColumns}
	t.codes = insertBuf{table: "codes", columns: codeInsertColumns}
	return t, nil
}

// flushAll writes the rows the transaction inserted.
func (t *tx) flushAll() error {
	for _, b := range []*insertBuf{&t.rks, &t.events, &t.licenses, &t.codes} {
		if err := t.flush(b); err != nil {
			return err
		}
	}
	return nil
}

// productText is the events' product column: empty for events about no
// product, such as the portal's account events.
func productText(p formats.Product) string {
	if p == (formats.Product{}) {
		return ""
	}
	return p.String()
}

// insertBuf collects the rows of one table for multi-row INSERTs.
type insertBuf struct {
	table, columns string
	args           []any
}

func (b *insertBuf) add(vals ...any) { b.args = append(b.args, vals...) }

// maxParams keeps a statement within SQLite's 32766 parameters and
// PostgreSQL's 65535; maxRows keeps its text small.
const (
	maxParams = 30000
	maxRows   = 512
)

// minCopyRows is the fewest rows worth a store's bulk path (copyRows): a
// COPY costs PostgreSQL a round trip more than a statement.
const minCopyRows = 16

// flush inserts b's rows, as many to a statement as the limits allow. A
// store whose statements the ledger prepares gets them in power-of-two
// groups, whose few texts are each parsed once.
func (t *tx) flush(b *insertBuf) error {
	ncol := strings.Count(b.columns, ",") + 1
	if rows := len(b.args) / ncol; rows >= minCopyRows {
		if ok, err := t.l.store.copyRows(t.ctx, t.conn, b, ncol, rows); ok {
			if err != nil {
				return fmt.Errorf("ledger: recording to %s: %w", b.table, err)
			}
			b.args = b.args[:0]
			return nil
		}
	}
	var q strings.Builder
	for len(b.args) > 0 {
		n := min(len(b.args)/ncol, maxRows, maxParams/ncol)
		if t.l.store.prepares() {
			n = 1 << (bits.Len(uint(n)) - 1)
		}
		q.Reset()
		q.WriteString("INSERT INTO " + b.table + " (" + b.columns + ") VALUES ")
		ledgerdb.WritePlaceholders(&q, t.l.store.numbered(), 1, n, ncol)
		if _, err := t.execW(q.String(), b.args[:n*ncol]...); err != nil {
			return fmt.Errorf("ledger: recording to %s: %w", b.table, err)
		}
		b.args = b.args[n*ncol:]
	}
	return nil
}

// Context, SQL, At, Actor and Event make tx a ledgerdb.Tx, for the
// records kept beside the ledger's.
var _ ledgerdb.Tx = (*tx)(nil)

func (t *tx) Context() context.Context { return t.ctx }
func (t *tx) SQL() *sql.Tx             { return t.sql }
func (t *tx) At() time.Time            { return t.at }
func (t *tx) Actor() string            { return t.actor() }

func (t *tx) Event(kind string, data any) error {
	_, err := t.event(kind, formats.Product{}, 0, data)
	return err
}

func (t *tx) exec(q string, args ...any) error {
	_, err := t.sql.ExecContext(t.ctx, q, args...)
	return err
}

const eventColumns = `seq, at, actor, kind, product, serial, body, prev_hash, hash`

// event appends an event of kind about product/serial with the kind's own
// fields in data, and returns its sequence number.
func (t *tx) event(kind string, product formats.Product, serial formats.Serial, data any) (int64, error) {
	c, fromClient := t.client()
	if t.atText == "" {
		t.atText = formatTime(t.at)
	}
	h := eventHead{Seq: t.head.Seq + 1, At: t.atText, Actor: t.actor(), Kind: kind, Product: productText(product)}
	// The chain hashes prev || body: both go in one buffer, reused for
	// every event, so that hashing allocates nothing.
	buf, err := eventBody(append(t.body[:0], t.head.Hash[:]...), h, serial, data)
	if err != nil {
		return 0, err
	}
	if fromClient && c.IP != "" {
		buf = append(buf[:32], withClientIP(buf[32:], c.IP)...)
	}
	t.body = buf
	body := buf[32:]
	hash := sha256.Sum256(buf)
	if t.headHex == "" {
		t.headHex = hexHash(t.head.Hash)
	}
	hashHex := hexHash(hash)
	t.events.add(h.Seq, h.At, h.Actor, h.Kind, h.Product, int64(serial), string(body), t.headHex, hashHex)
	t.head, t.headHex = Head{Seq: h.Seq, Hash: hash}, hashHex
	return h.Seq, nil
}

const rkColumns = `product, serial, rk, trial, edition, days, purpose, order_ref, customer, state, license, minted_at, minted_by`

func scanRK(sc ledgerdb.Scanner) (*RegistrationKey, error) {
	var r RegistrationKey
	var product, rk, purpose, at string
	var trial int
	var serial int64
	var license sql.NullInt64
	if err := sc.Scan(&product, &serial, &rk, &trial, &r.Edition, &r.Days, &purpose, &r.Order, &r.Customer, &r.State, &license, &at, &r.MintedBy); err != nil {
		return nil, err
	}
	k, err := formats.ParseRegistrationKey(rk)
	if err != nil {
		return nil, fmt.Errorf("ledger: recorded key %q: %w", rk, err)
	}
	r.Key, r.Purpose, r.License = k, Purpose(purpose), formats.Serial(license.Int64)
	if !license.Valid && r.State == StateRegistered && r.Purpose == PurposeLicense {
		r.License = k.Serial // NULL: its own serial (schema 7)
	}
	r.MintedAt, _ = time.Parse(time.RFC3339Nano, at)
	return &r, nil
}

func getRK(ctx context.Context, q queryer, k formats.RegistrationKey) (*RegistrationKey, error) {
	r, err := scanRK(q.QueryRowContext(ctx, `SELECT `+rkColumns+` FROM registration_keys WHERE product = $1 AND serial = $2`, k.Product.String(), int64(k.Serial)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNotMinted, k)
	}
	if err != nil {
		return nil, err
	}
	if r.Key != k {
		// The same serial minted as a trial key and typed as a full one,
		// or the other way round: not the key that was sold.
		return nil, fmt.Errorf("%w: %s", ErrNotMinted, k)
	}
	return r, nil
}

// insertRK records a key the caller has checked is new.
func (t *tx) insertRK(r *RegistrationKey) {
	t.rks.add(r.Key.Product.String(), int64(r.Key.Serial), r.Key.String(), b2i(r.Key.Trial), r.Edition, r.Days, string(r.Purpose),
		r.Order, r.Customer, r.State, rkLicense(r.Key, r.License), formatTime(r.MintedAt), r.MintedBy)
}

// rkLicense is a key's license column: NULL for none, and for the key's
// own serial (schema 7), which is what a registered license key names.
func rkLicense(k formats.RegistrationKey, license formats.Serial) sql.NullInt64 {
	if license == k.Serial {
		return sql.NullInt64{}
	}
	return nullSerial(license)
}

func (t *tx) setRKState(k formats.RegistrationKey, state string, license formats.Serial) error {
	return t.exec(`UPDATE registration_keys SET state = $1, license = $2 WHERE product = $3 AND serial = $4`,
		state, rkLicense(k, license), k.Product.String(), int64(k.Serial))
}

func nullSerial(s formats.Serial) sql.NullInt64 { return sql.NullInt64{Int64: int64(s), Valid: s != 0} }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

const licenseColumns = `product, serial, generation, edition, trial, install_id, key_id, issued, expires, owner, customer, order_ref, revoked_below, revoke_reason, notified_expires`

func scanLicense(sc ledgerdb.Scanner) (*License, error) {
	var l License
	var product string
	var serial int64
	var gen, trial, kid, issued, expires int
	var below, notified sql.NullInt64
	if err := sc.Scan(&product, &serial, &gen, &l.Edition, &trial, &l.InstallID, &kid, &issued, &expires, &l.Owner, &l.Customer, &l.Order, &below, &l.RevokeReason, &notified); err != nil {
		return nil, err
	}
	p, err := formats.ParseProduct(product)
	if err != nil {
		return nil, fmt.Errorf("ledger: recorded product %q: %w", product, err)
	}
	l.Product, l.Serial, l.Generation, l.Trial, l.KeyID = p, formats.Serial(serial), uint8(gen), trial != 0, uint8(kid)
	l.Issued, l.Expires = formats.Day(issued), formats.Day(expires)
	l.Revoked, l.RevokedBelow = below.Valid, uint8(below.Int64)
	l.NotifiedExpires = formats.Day(notified.Int64)
	return &l, nil
}

func getLicense(ctx context.Context, q queryer, p formats.Product, serial formats.Serial) (*License, error) {
	l, err := scanLicense(q.QueryRowContext(ctx, `SELECT `+licenseColumns+` FROM licenses WHERE product = $1 AND serial = $2`, p.String(), int64(serial)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s serial %s", ErrNoLicense, p, serial)
	}
	return l, err
}

func (t *tx) putLicense(l *License, insert bool) error {
	var below sql.NullInt64
	if l.Revoked {
		below = sql.NullInt64{Int64: int64(l.RevokedBelow), Valid: true}
	}
	notified := sql.NullInt64{Int64: int64(l.NotifiedExpires), Valid: l.NotifiedExpires != 0}
	args := []any{l.Product.String(), int64(l.Serial), int(l.Generation), l.Edition, b2i(l.Trial), l.InstallID, int(l.KeyID),
		int(l.Issued), int(l.Expires), l.Owner, l.Customer, l.Order, below, l.RevokeReason, notified}
	if insert {
		t.licenses.add(args...)
		return nil
	}
	return t.exec(`UPDATE licenses SET generation = $3, edition = $4, trial = $5, install_id = $6, key_id = $7, issued = $8, expires = $9,
	owner = $10, customer = $11, order_ref = $12, revoked_below = $13, revoke_reason = $14, notified_expires = $15
WHERE product = $1 AND serial = $2`, args...)
}

// codeEvent is an event that issues a code. It names the code by its
// hash, never the code itself, which is a bearer credential.
type codeEvent struct {
	Generation      uint8  `json:"generation"`
	Edition         string `json:"edition"`
	InstallID       string `json:"install_id,omitempty"`
	KeyID           uint8  `json:"key_id"`
	Issued          string `json:"issued"`
	Expires         string `json:"expires"`
	CodeSHA256      string `json:"code_sha256"`
	JWTSHA256       string `json:"jwt_sha256,omitempty"`
	RK              string `json:"rk,omitempty"`
	Owner           string `json:"owner,omitempty"`
	PreviousExpires string `json:"previous_expires,omitempty"`
}

// addCode records an issued code with its event of kind; ev carries the
// kind's own fields, and addCode fills in the code's.
func (t *tx) addCode(kind string, lic *License, is Issue, ev codeEvent) (*Code, error) {
	c := is.Code
	text := c.String()
	ev.Generation, ev.Edition, ev.InstallID, ev.KeyID = c.Generation, lic.Edition, lic.InstallID, c.KeyID
	ev.Issued, ev.Expires, ev.CodeSHA256 = c.Issued.String(), c.Expires.String(), codeHash(text)
	if is.JWT != "" {
		ev.JWTSHA256 = codeHash(is.JWT)
	}
	seq, err := t.event(kind, lic.Product, lic.Serial, ev)
	if err != nil {
		return nil, err
	}
	code := &Code{Product: lic.Product, Serial: lic.Serial, Generation: c.Generation, Issued: c.Issued, Expires: c.Expires, Code: text, JWT: is.JWT, Event: seq}
	t.codes.add(lic.Product.String(), int64(lic.Serial), int(c.Generation), int(c.Issued), int(c.Expires), c.ShortForm(), text, is.JWT, seq)
	return code, nil
}

const codeInsertColumns = `product, serial, generation, issued, expires, short_form, code, jwt, event`

const codeColumns = `product, serial, generation, issued, expires, code, jwt, event`

func scanCode(sc ledgerdb.Scanner) (*Code, error) {
	var c Code
	var product string
	var serial int64
	var gen, issued, expires int
	if err := sc.Scan(&product, &serial, &gen, &issued, &expires, &c.Code, &c.JWT, &c.Event); err != nil {
		return nil, err
	}
	c.Product, _ = formats.ParseProduct(product)
	c.Serial, c.Generation, c.Issued, c.Expires = formats.Serial(serial), uint8(gen), formats.Day(issued), formats.Day(expires)
	return &c, nil
}

// currentCode returns the newest code of the license's current generation.
func currentCode(ctx context.Context, q queryer, lic *License) (*Code, error) {
	return scanCode(q.QueryRowContext(ctx, `SELECT `+codeColumns+` FROM codes WHERE product = $1 AND serial = $2 AND generation = $3 ORDER BY event DESC LIMIT 1`,
		lic.Product.String(), int64(lic.Serial), int(lic.Generation)))
}
