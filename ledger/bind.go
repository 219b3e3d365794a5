package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/ledgerdb"
)

// The rows that decide what is issued or who may act are bound to the
// event chain: the events carry the full new value of every column below
// (a secret, or a large value, as its SHA-256), so that the tables' state
// follows from the chain alone. Verify replays the chain and compares
// every such row; the operations that act on a row compare it with its
// events first, in their transaction, and refuse with ErrTampered.
// docs/ledger.md lists these columns, and what is left outside and why;
// TestBoundColumnsDocumented holds the two together.

// colType is how a bound column is stored, for the tamper tests.
type colType int

const (
	colText colType = iota
	colInt
	colNullInt
	colNullText
	colBlob
)

type boundColumn struct {
	name string
	typ  colType
	// hashed columns are compared, and carried by events, as the SHA-256
	// hex of their value ("" for an empty one): a password hash, a code,
	// a token, a revocation list's bytes.
	hashed bool
}

type boundTable struct {
	name string
	key  []string
	cols []boundColumn
	// byEvent tables keep in their event column the sequence number of
	// the event that last set the row; that event carries the row's
	// columns in its "row" member (boundRow). The others follow from
	// their events' own members, by product and serial.
	byEvent bool
}

var boundTables = []boundTable{
	{name: "registration_keys", key: []string{"product", "serial"}, cols: []boundColumn{
		{name: "rk"}, {name: "trial", typ: colInt}, {name: "edition"}, {name: "days", typ: colInt}, {name: "purpose"},
		{name: "order_ref"}, {name: "customer"}, {name: "state"}, {name: "license", typ: colNullInt}}},
	{name: "licenses", key: []string{"product", "serial"}, cols: []boundColumn{
		{name: "generation", typ: colInt}, {name: "edition"}, {name: "trial", typ: colInt}, {name: "install_id"},
		{name: "key_id", typ: colInt}, {name: "issued", typ: colInt}, {name: "expires", typ: colInt}, {name: "owner"},
		{name: "customer"}, {name: "order_ref"}, {name: "revoked_below", typ: colNullInt}, {name: "revoke_reason"},
		{name: "notified_expires", typ: colNullInt}}},
	{name: "codes", key: []string{"product", "serial", "generation", "issued", "expires"}, cols: []boundColumn{
		{name: "code", hashed: true}, {name: "jwt", hashed: true}, {name: "event", typ: colInt}}},
	{name: "revocation_lists", key: []string{"product", "seq"}, cols: []boundColumn{
		{name: "issued", typ: colInt}, {name: "list", typ: colBlob, hashed: true}, {name: "event", typ: colInt}}},
	{name: "accounts", key: []string{"email"}, byEvent: true, cols: []boundColumn{
		{name: "password_hash", hashed: true}, {name: "confirmed", typ: colInt}, {name: "event", typ: colNullInt}}},
	{name: "api_tokens", key: []string{"id"}, byEvent: true, cols: []boundColumn{
		{name: "hash"}, {name: "name"}, {name: "scope"}, {name: "revoked_at", typ: colNullText}, {name: "event", typ: colNullInt}}},
	{name: "staff", key: []string{"email"}, byEvent: true, cols: []boundColumn{
		{name: "role"}, {name: "password_hash", hashed: true}, {name: "disabled_at", typ: colNullText}, {name: "event", typ: colNullInt}}},
}

func boundTableNamed(name string) *boundTable {
	for i := range boundTables {
		if boundTables[i].name == name {
			return &boundTables[i]
		}
	}
	return nil
}

// columnList is the table's key columns and then its bound columns.
func (bt *boundTable) columnList() string {
	names := append([]string(nil), bt.key...)
	for _, c := range bt.cols {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}

// carried is the columns an event's row member carries: all but the
// event column, which is the event's own sequence number.
func (bt *boundTable) carried() []boundColumn {
	if n := len(bt.cols); n > 0 && bt.cols[n-1].name == "event" {
		return bt.cols[:n-1]
	}
	return bt.cols
}

// ErrTampered: a row that decides what is issued, or who may act, no
// longer matches the event that set it. The operation is refused, nothing
// is issued, and the refusal is recorded as an event; `ledger verify`
// names every such row.
var ErrTampered = errors.New("ledger: a recorded row no longer matches the events that set it")

// A RowError names a row that does not match its events: the table, the
// row's key, and the column (empty for a row inserted or deleted behind
// the chain's back). It wraps ErrTampered.
type RowError struct {
	Table  string
	Key    string // its key columns, as "product PC, serial 31415926535897"
	Column string
	Reason string
}

func (e *RowError) Error() string {
	where := e.Table + " (" + e.Key + ")"
	if e.Column != "" {
		where += " column " + e.Column
	}
	return "ledger: " + where + " no longer matches the events that set it: " + e.Reason
}

func (e *RowError) Unwrap() error { return ErrTampered }

// cell is one column's value as the tables hold it, NULL or as text.
type cell = sql.NullString

func textCell(s string) cell { return cell{String: s, Valid: true} }
func intCell(n int64) cell   { return cell{String: strconv.FormatInt(n, 10), Valid: true} }
func nullIntCell(n sql.NullInt64) cell {
	if !n.Valid {
		return cell{}
	}
	return intCell(n.Int64)
}

func showCell(c cell) string {
	if !c.Valid {
		return "NULL"
	}
	if len(c.String) > 80 {
		return strconv.Quote(c.String[:77] + "...")
	}
	return strconv.Quote(c.String)
}

// hashCell is a hashed column's value as events carry it.
func hashCell(c cell) cell {
	if !c.Valid || c.String == "" {
		return c
	}
	return textCell(hashHex([]byte(c.String)))
}

// keyText names a row by its key columns.
func keyText(names []string, vals []cell) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n + " " + vals[i].String)
	}
	return b.String()
}

func serialKeyText(p string, s formats.Serial) string {
	return "product " + p + ", serial " + strconv.FormatInt(int64(s), 10)
}

// compareRow compares a row's bound columns, as read (hashed columns
// already hashed), with what the events say.
func compareRow(bt *boundTable, key string, got, want []cell) *RowError {
	for i, c := range bt.cols {
		if got[i] != want[i] {
			what := fmt.Sprintf("it is %s, and the events say %s", showCell(got[i]), showCell(want[i]))
			if c.hashed {
				what = "its value is not the one the events name by its SHA-256"
			}
			return &RowError{Table: bt.name, Key: key, Column: c.name, Reason: what}
		}
	}
	return nil
}

// rkCells is a key's bound columns as registration_keys holds them.
func rkCells(r *RegistrationKey) []cell {
	return []cell{textCell(r.Key.String()), intCell(int64(b2i(r.Key.Trial))), textCell(r.Edition), intCell(int64(r.Days)),
		textCell(string(r.Purpose)), textCell(r.Order), textCell(r.Customer), textCell(r.State), nullIntCell(rkLicense(r.Key, r.License))}
}

// licenseCells is a license's bound columns as licenses holds them.
func licenseCells(l *License) []cell {
	below := cell{}
	if l.Revoked {
		below = intCell(int64(l.RevokedBelow))
	}
	notified := cell{}
	if l.NotifiedExpires != 0 {
		notified = intCell(int64(l.NotifiedExpires))
	}
	return []cell{intCell(int64(l.Generation)), textCell(l.Edition), intCell(int64(b2i(l.Trial))), textCell(l.InstallID),
		intCell(int64(l.KeyID)), intCell(int64(l.Issued)), intCell(int64(l.Expires)), textCell(l.Owner), textCell(l.Customer),
		textCell(l.Order), below, textCell(l.RevokeReason), notified}
}

// eventDay parses a day as events write it.
func eventDay(s string) (formats.Day, error) {
	if s == formats.Perpetual.String() {
		return formats.Perpetual, nil
	}
	return formats.ParseDay(s)
}

// replay rebuilds from the events what the bound tables must hold.
type replay struct {
	keys  map[serialKey]*RegistrationKey
	lics  map[serialKey]*License
	lists map[string][]cell // by keyText
	// rows are the byEvent tables' rows: table → keyText → columns.
	rows map[string]map[string][]cell
	// codeEvents counts the events that issued a code.
	codeEvents int64
	// partial replays are of one serial's events only.
	partial bool
}

func newReplay() *replay {
	return &replay{keys: map[serialKey]*RegistrationKey{}, lics: map[serialKey]*License{}, lists: map[string][]cell{},
		rows: map[string]map[string][]cell{}}
}

// eventFields are the members of every kind that the replay reads.
type eventFields struct {
	RK         string    `json:"rk"`
	Trial      bool      `json:"trial"`
	Edition    string    `json:"edition"`
	Days       int       `json:"days"`
	Purpose    string    `json:"purpose"`
	Order      string    `json:"order"`
	Customer   string    `json:"customer"`
	Reason     string    `json:"reason"`
	Generation *int      `json:"generation"`
	InstallID  string    `json:"install_id"`
	KeyID      int       `json:"key_id"`
	Issued     string    `json:"issued"`
	Expires    string    `json:"expires"`
	Owner      string    `json:"owner"`
	To         string    `json:"to"`
	Below      *int      `json:"below"`
	ListSeq    int64     `json:"list_seq"`
	ListSHA256 string    `json:"list_sha256"`
	Row        *boundRow `json:"row"`
}

// boundRow is the row member of an event that sets a byEvent table's row:
// its key and its columns' new values (hashed ones as SHA-256 hex), as the
// table holds them, null for NULL.
type boundRow struct {
	Table   string             `json:"table"`
	Key     []string           `json:"key"`
	Columns map[string]*string `json:"columns"`
	// From is the row's key before the event, when the event changed it
	// (an account's new email address): the row under it is gone.
	From []string `json:"from,omitempty"`
}

// apply takes one event into the state.
func (r *replay) apply(e *Event, body []byte) error {
	var f eventFields
	if err := json.Unmarshal(body, &f); err != nil {
		return &ChainError{Seq: e.Seq, Reason: "body: " + err.Error()}
	}
	bad := func(format string, a ...any) error {
		return &ChainError{Seq: e.Seq, Reason: fmt.Sprintf(format, a...)}
	}
	day := func(s, member string) (formats.Day, error) {
		d, err := eventDay(s)
		if err != nil {
			return 0, bad("%s: %v", member, err)
		}
		return d, nil
	}
	product, err := formats.ParseProduct(e.Product)
	if err != nil && e.Product != "" {
		return bad("product: %v", err)
	}
	id := serialKey{product, e.Serial}
	lic := r.lics[id]
	needLicense := func() error {
		if lic == nil {
			return bad("it is about a license no earlier event issued")
		}
		return nil
	}
	keyOf := func() (*RegistrationKey, error) {
		k, err := formats.ParseRegistrationKey(f.RK)
		if err != nil {
			return nil, bad("rk: %v", err)
		}
		rk := r.keys[serialKey{k.Product, k.Serial}]
		if rk == nil {
			return nil, bad("it uses the registration key %s, which no earlier event minted or imported", f.RK)
		}
		return rk, nil
	}
	// codeTerms sets the license's terms from a code event.
	codeTerms := func() error {
		r.codeEvents++
		issued, err := day(f.Issued, "issued")
		if err != nil {
			return err
		}
		expires, err := day(f.Expires, "expires")
		if err != nil {
			return err
		}
		lic.Issued, lic.Expires, lic.KeyID, lic.InstallID = issued, expires, uint8(f.KeyID), f.InstallID
		return nil
	}
	switch e.Kind {
	case eventMinted, eventImported:
		k, err := formats.ParseRegistrationKey(f.RK)
		if err != nil {
			return bad("rk: %v", err)
		}
		r.keys[serialKey{k.Product, k.Serial}] = &RegistrationKey{Key: k, Edition: f.Edition, Days: f.Days, Purpose: Purpose(f.Purpose),
			Order: f.Order, Customer: f.Customer, State: StateMinted}
	case eventVoided:
		rk, err := keyOf()
		if err != nil {
			return err
		}
		rk.State, rk.License = StateVoid, 0
	case eventSigned:
		rk, err := keyOf()
		if err != nil {
			return err
		}
		rk.State, rk.License = StateRegistered, rk.Key.Serial
		lic = &License{Product: product, Serial: e.Serial, Generation: uint8(deref(f.Generation)), Edition: f.Edition, Trial: rk.Key.Trial,
			Owner: f.Owner, Customer: rk.Customer, Order: rk.Order}
		r.lics[id] = lic
		return codeTerms()
	case eventRenewed:
		if err := needLicense(); err != nil {
			return err
		}
		if f.RK != "" {
			// A license's own events name the renewal keys, whose own
			// events are about their serials: a replay of one serial's
			// events (partial) has not seen them.
			rk, err := keyOf()
			if err != nil && !r.partial {
				return err
			}
			if rk != nil {
				rk.State, rk.License = StateRegistered, e.Serial
			}
		}
		return codeTerms()
	case eventReplaced:
		if err := needLicense(); err != nil {
			return err
		}
		lic.Generation = uint8(deref(f.Generation))
		if f.Owner != "" {
			lic.Owner = f.Owner
		}
		return codeTerms()
	case eventMoved:
		if err := needLicense(); err != nil {
			return err
		}
		lic.Owner = f.To
	case eventTokenMade:
		return needLicense()
	case eventRevoked:
		if err := needLicense(); err != nil {
			return err
		}
		// An event is written only for a revocation that reaches further
		// than the license's (tx.revoke).
		lic.Revoked, lic.RevokedBelow, lic.RevokeReason = true, uint8(deref(f.Below)), f.Reason
	case eventNotified:
		if err := needLicense(); err != nil {
			return err
		}
		d, err := day(f.Expires, "expires")
		if err != nil {
			return err
		}
		lic.NotifiedExpires = d
	case eventListIssue:
		issued, err := formats.DayOf(e.At)
		if err != nil {
			return bad("at: %v", err)
		}
		key := keyText([]string{"product", "seq"}, []cell{textCell(e.Product), intCell(f.ListSeq)})
		r.lists[key] = []cell{intCell(int64(issued)), textCell(f.ListSHA256), intCell(e.Seq)}
	}
	if f.Row != nil {
		return r.applyRow(e.Seq, f.Row)
	}
	return nil
}

// applyRow takes an event's row member into the state.
func (r *replay) applyRow(seq int64, row *boundRow) error {
	bt := boundTableNamed(row.Table)
	if bt == nil || !bt.byEvent || len(row.Key) != len(bt.key) {
		return &ChainError{Seq: seq, Reason: fmt.Sprintf("its row member names table %q, which events do not bind", row.Table)}
	}
	keyCells := make([]cell, len(row.Key))
	for i, k := range row.Key {
		keyCells[i] = textCell(k)
	}
	cols := make([]cell, 0, len(bt.cols))
	for _, c := range bt.carried() {
		v, ok := row.Columns[c.name]
		if !ok {
			return &ChainError{Seq: seq, Reason: fmt.Sprintf("its row member lacks column %s of %s", c.name, bt.name)}
		}
		if v == nil {
			cols = append(cols, cell{})
		} else {
			cols = append(cols, textCell(*v))
		}
	}
	cols = append(cols, intCell(seq))
	if r.rows[bt.name] == nil {
		r.rows[bt.name] = map[string][]cell{}
	}
	if row.From != nil {
		if len(row.From) != len(bt.key) {
			return &ChainError{Seq: seq, Reason: fmt.Sprintf("its row member's from names %d key columns of %s, not %d", len(row.From), bt.name, len(bt.key))}
		}
		fromCells := make([]cell, len(row.From))
		for i, k := range row.From {
			fromCells[i] = textCell(k)
		}
		delete(r.rows[bt.name], keyText(bt.key, fromCells))
	}
	r.rows[bt.name][keyText(bt.key, keyCells)] = cols
	return nil
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// take returns, and forgets, what the events say the table's row with
// the key holds.
func (r *replay) take(bt *boundTable, key []cell) ([]cell, bool) {
	switch bt.name {
	case "registration_keys", "licenses":
		p, err := formats.ParseProduct(key[0].String)
		serial, serr := strconv.ParseInt(key[1].String, 10, 64)
		if err != nil || serr != nil {
			return nil, false
		}
		id := serialKey{p, formats.Serial(serial)}
		if bt.name == "licenses" {
			lic, ok := r.lics[id]
			delete(r.lics, id)
			if !ok {
				return nil, false
			}
			return licenseCells(lic), true
		}
		rk, ok := r.keys[id]
		delete(r.keys, id)
		if !ok {
			return nil, false
		}
		return rkCells(rk), true
	case "revocation_lists":
		k := keyText(bt.key, key)
		v, ok := r.lists[k]
		delete(r.lists, k)
		return v, ok
	}
	k := keyText(bt.key, key)
	v, ok := r.rows[bt.name][k]
	delete(r.rows[bt.name], k)
	return v, ok
}

// left names a row the events set and the table lacks, if any.
func (r *replay) left(bt *boundTable) string {
	var names []string
	switch bt.name {
	case "registration_keys":
		for id := range r.keys {
			names = append(names, serialKeyText(id.product.String(), id.serial))
		}
	case "licenses":
		for id := range r.lics {
			names = append(names, serialKeyText(id.product.String(), id.serial))
		}
	case "revocation_lists":
		for k := range r.lists {
			names = append(names, k)
		}
	default:
		for k := range r.rows[bt.name] {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	return names[0]
}

// check compares every bound table but codes (verifyCodes) with the state
// the events give; seq is the head, which errors name.
func (r *replay) check(ctx context.Context, q queryer, seq int64) error {
	bad := func(re *RowError) error {
		return &ChainError{Seq: seq, Reason: "the tables do not agree with the events: " + strings.TrimPrefix(re.Error(), "ledger: "), Row: re}
	}
	for i := range boundTables {
		bt := &boundTables[i]
		if bt.name == "codes" {
			continue
		}
		rows, err := q.QueryContext(ctx, `SELECT `+bt.columnList()+` FROM `+bt.name+` ORDER BY `+strings.Join(bt.key, ", "))
		if err != nil {
			return err
		}
		nk := len(bt.key)
		vals := make([]cell, nk+len(bt.cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		err = ledgerdb.EachRow(rows, func(rows *sql.Rows) error {
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			got := readCells(bt, vals[nk:])
			key := keyText(bt.key, vals[:nk])
			want, ok := r.take(bt, vals[:nk])
			if !ok {
				return bad(&RowError{Table: bt.name, Key: key, Reason: "the row was inserted: no event set it"})
			}
			if re := compareRow(bt, key, got, want); re != nil {
				return bad(re)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if k := r.left(bt); k != "" {
			return bad(&RowError{Table: bt.name, Key: k, Reason: "the row was deleted: the events set it, and the table lacks it"})
		}
	}
	return nil
}

// readCells is a row's bound columns as compared: hashed ones hashed.
func readCells(bt *boundTable, vals []cell) []cell {
	out := make([]cell, len(bt.cols))
	for i, c := range bt.cols {
		out[i] = vals[i]
		if c.hashed {
			out[i] = hashCell(vals[i])
		}
	}
	return out
}

// serialEvents reads the events about the serials of a product, in order,
// by the events' (product, serial) index.
func (t *tx) serialEvents(p formats.Product, serials []int64) (map[formats.Serial][]*Event, error) {
	out := make(map[formats.Serial][]*Event, len(serials))
	err := t.queryBySerial(`SELECT seq, kind, serial, body FROM events WHERE product = $1 AND serial %s ORDER BY seq`, p, serials,
		func(rows *sql.Rows) error {
			e := &Event{Product: p.String()}
			var body []byte
			if err := rows.Scan(&e.Seq, &e.Kind, &e.Serial, &body); err != nil {
				return err
			}
			e.Body = body
			out[e.Serial] = append(out[e.Serial], e)
			return nil
		})
	return out, err
}

// replayOf replays one serial's events: its key, and its license if any.
func replayOf(events []*Event) (*replay, error) {
	r := newReplay()
	r.partial = true
	for _, e := range events {
		if err := r.apply(e, e.Body); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// checkKey compares a key as read in the transaction with its events.
func checkKey(rk *RegistrationKey, events []*Event) error {
	key := serialKeyText(rk.Key.Product.String(), rk.Key.Serial)
	if rk.State == StateMinted && mintedAsRead(rk, events) {
		return nil
	}
	r, err := replayOf(events)
	if err != nil {
		return &RowError{Table: "registration_keys", Key: key, Reason: "its events do not replay: " + err.Error()}
	}
	want, ok := r.keys[serialKey{rk.Key.Product, rk.Key.Serial}]
	if !ok {
		return &RowError{Table: "registration_keys", Key: key, Reason: "the row was inserted: no event minted or imported it"}
	}
	if re := compareRow(boundTableNamed("registration_keys"), key, rkCells(rk), rkCells(want)); re != nil {
		return re
	}
	return nil
}

// mintedAsRead is checkKey's path for a key a batch registers: its one
// event minted or imported it with the columns it has, compared as the
// event's bytes, which the chain hashes, without decoding them.
func mintedAsRead(rk *RegistrationKey, events []*Event) bool {
	if len(events) != 1 || (events[0].Kind != eventMinted && events[0].Kind != eventImported) || rk.License != 0 {
		return false
	}
	var buf [256]byte
	return eventFieldsAre(events[0].Body, rk.mintFields(buf[:0]))
}

// mintFields appends the own members of the event that minted the key as
// it is: mintEvent.appendFields, without making the key's text a string.
func (rk *RegistrationKey) mintFields(dst []byte) []byte {
	dst = append(dst, `,"rk":"`...)
	dst, _ = rk.Key.AppendText(dst) // a key read from the ledger is valid
	dst = append(dst, `","trial":`...)
	dst = strconv.AppendBool(dst, rk.Key.Trial)
	return mintEvent{Edition: rk.Edition, Days: rk.Days, Purpose: string(rk.Purpose), Order: rk.Order, Customer: rk.Customer}.appendFieldsAfterTrial(dst)
}

// eventFieldsAre reports whether body's own members, after its head and
// before a client_ip member, are fields byte for byte.
func eventFieldsAre(body, fields []byte) bool {
	const serialMember = `,"serial":"`
	// The head's serial is its first: inside a string a quote is escaped.
	i := bytes.Index(body, []byte(serialMember))
	if i < 0 {
		return false
	}
	rest := body[i+len(serialMember):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return false
	}
	rest = rest[j+1:]
	if !bytes.HasPrefix(rest, fields) {
		return false
	}
	rest = rest[len(fields):]
	return string(rest) == "}" || bytes.HasPrefix(rest, []byte(`,"client_ip":`))
}

// checkLicense compares a license as read in the transaction with its
// events.
func checkLicense(lic *License, events []*Event) error {
	key := serialKeyText(lic.Product.String(), lic.Serial)
	r, err := replayOf(events)
	if err != nil {
		return &RowError{Table: "licenses", Key: key, Reason: "its events do not replay: " + err.Error()}
	}
	want, ok := r.lics[serialKey{lic.Product, lic.Serial}]
	if !ok {
		return &RowError{Table: "licenses", Key: key, Reason: "the row was inserted: no event issued it"}
	}
	if re := compareRow(boundTableNamed("licenses"), key, licenseCells(lic), licenseCells(want)); re != nil {
		return re
	}
	return nil
}

// checkCode compares a license's code as read with the event that
// issued it, among the license's events.
func checkCode(c *Code, events []*Event) error {
	key := keyText([]string{"product", "serial", "generation", "issued", "expires"}, []cell{textCell(c.Product.String()),
		intCell(int64(c.Serial)), intCell(int64(c.Generation)), intCell(int64(c.Issued)), intCell(int64(c.Expires))})
	for _, e := range events {
		if e.Seq != c.Event {
			continue
		}
		var f struct {
			Generation int    `json:"generation"`
			Issued     string `json:"issued"`
			Expires    string `json:"expires"`
			CodeSHA256 string `json:"code_sha256"`
			JWTSHA256  string `json:"jwt_sha256"`
		}
		if err := json.Unmarshal(e.Body, &f); err != nil || f.CodeSHA256 != codeHash(c.Code) {
			return &RowError{Table: "codes", Key: key, Column: "code", Reason: "it is not the code its event names by its SHA-256"}
		}
		if f.Generation != int(c.Generation) || f.Issued != c.Issued.String() || f.Expires != c.Expires.String() {
			return &RowError{Table: "codes", Key: key, Reason: "its key columns are not its event's generation and days"}
		}
		if f.JWTSHA256 == "" {
			// A token made later is named by its token_made event.
			for _, m := range events {
				var tf tokenEvent
				if m.Kind == eventTokenMade && json.Unmarshal(m.Body, &tf) == nil && tf.CodeSHA256 == f.CodeSHA256 {
					f.JWTSHA256 = tf.JWTSHA256
				}
			}
		}
		if (c.JWT != "" || f.JWTSHA256 != "") && f.JWTSHA256 != codeHash(c.JWT) {
			return &RowError{Table: "codes", Key: key, Column: "jwt", Reason: "it is not the token its events name by its SHA-256"}
		}
		return nil
	}
	return &RowError{Table: "codes", Key: key, Column: "event", Reason: fmt.Sprintf("event %d, which it names, is not one of the license's", c.Event)}
}

// checkLicenseNow reads the license's events and checks it and, if cur,
// its current code, which it returns, for the operations that act on one
// license.
func (t *tx) checkLicenseNow(lic *License, cur bool) (*Code, error) {
	evs, err := t.serialEvents(lic.Product, []int64{int64(lic.Serial)})
	if err != nil {
		return nil, err
	}
	if err := checkLicense(lic, evs[lic.Serial]); err != nil || !cur {
		return nil, err
	}
	code, err := currentCode(t.ctx, t.sql, lic)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &RowError{Table: "codes", Key: serialKeyText(lic.Product.String(), lic.Serial) + fmt.Sprintf(", generation %d", lic.Generation),
			Reason: "the row was deleted: the license's current code is missing"}
	}
	if err != nil {
		return nil, err
	}
	return code, checkCode(code, evs[lic.Serial])
}

// checkKeyNow reads the key's events and checks it: a renewal key's are
// about its serial and, once used, about the license it renewed.
func (t *tx) checkKeyNow(rk *RegistrationKey) error {
	serials := []int64{int64(rk.Key.Serial)}
	if rk.License != 0 && rk.License != rk.Key.Serial {
		serials = append(serials, int64(rk.License))
	}
	evs, err := t.serialEvents(rk.Key.Product, serials)
	if err != nil {
		return err
	}
	all := evs[rk.Key.Serial]
	if len(serials) > 1 {
		all = append(append([]*Event(nil), all...), evs[rk.License]...)
		sort.Slice(all, func(i, j int) bool { return all[i].Seq < all[j].Seq })
	}
	return checkKey(rk, all)
}

// eventRowMismatch records an operation refused because a row no longer
// matched its events.
const eventRowMismatch = "row_mismatch"

type mismatchEvent struct {
	Table  string `json:"table"`
	Key    string `json:"key"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

func (t *tx) recordMismatch(re *RowError) error {
	_, err := t.event(eventRowMismatch, formats.Product{}, 0, mismatchEvent{Table: re.Table, Key: re.Key, Column: re.Column, Reason: re.Reason})
	return err
}

// refused records, in a transaction of its own, that an operation was
// refused for err if err is a *RowError, and returns err.
func (l *Ledger) refused(ctx context.Context, err error) error {
	var re *RowError
	if !errors.As(err, &re) {
		return err
	}
	// Recorded even if the caller has gone: the refusal happened.
	ctx = context.WithoutCancel(ctx)
	rerr := l.inConnTx(ctx, false, func(conn *sql.Conn, s *sql.Tx) error {
		t, err := l.begin(ctx, conn, s)
		if err != nil {
			return err
		}
		if err := t.recordMismatch(re); err != nil {
			return err
		}
		return t.flushAll()
	})
	if rerr != nil {
		return errors.Join(err, fmt.Errorf("ledger: recording the refusal: %w", rerr))
	}
	return err
}

// BoundEvent appends an event of kind about no product whose row member
// carries the current bound columns of the byEvent table's row with key,
// as the transaction has left it, and points the row at the event.
func (t *tx) BoundEvent(kind string, data any, table string, key ...any) error {
	return t.boundEvent(kind, data, table, nil, key)
}

// RekeyEvent is BoundEvent for a row whose key the transaction changed
// from from to key: its row member names from too, and replaying it
// forgets the row under from.
func (t *tx) RekeyEvent(kind string, data any, table string, from []any, key ...any) error {
	bt := boundTableNamed(table)
	if bt == nil || len(from) != len(bt.key) {
		return fmt.Errorf("ledger: %s is not a table whose rows events bind by key", table)
	}
	return t.boundEvent(kind, data, table, from, key)
}

func (t *tx) boundEvent(kind string, data any, table string, from, key []any) error {
	bt := boundTableNamed(table)
	if bt == nil || !bt.byEvent || len(key) != len(bt.key) {
		return fmt.Errorf("ledger: %s is not a table whose rows events bind by key", table)
	}
	row, err := t.readBound(bt, key)
	if err != nil {
		return err
	}
	for _, k := range from {
		row.From = append(row.From, fmt.Sprint(k))
	}
	b, err := withRow(data, row)
	if err != nil {
		return err
	}
	seq, err := t.event(kind, formats.Product{}, 0, json.RawMessage(b))
	if err != nil {
		return err
	}
	return t.exec(`UPDATE `+bt.name+` SET event = $1 WHERE `+keyWhere(bt, 2), append([]any{seq}, key...)...)
}

func keyWhere(bt *boundTable, first int) string {
	var w []string
	for i, k := range bt.key {
		w = append(w, fmt.Sprintf("%s = $%d", k, first+i))
	}
	return strings.Join(w, " AND ")
}

// readBound reads a byEvent row's carried columns for its row member.
func (t *tx) readBound(bt *boundTable, key []any) (*boundRow, error) {
	cols := bt.carried()
	names := make([]string, len(bt.key)+len(cols))
	copy(names, bt.key)
	for i, c := range cols {
		names[len(bt.key)+i] = c.name
	}
	vals := make([]cell, len(names))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := t.sql.QueryRowContext(t.ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+bt.name+` WHERE `+keyWhere(bt, 1), key...).Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("ledger: reading %s to record it: %w", bt.name, err)
	}
	row := &boundRow{Table: bt.name, Columns: map[string]*string{}}
	for i := range bt.key {
		row.Key = append(row.Key, vals[i].String)
	}
	for i, c := range readCells(&boundTable{cols: cols}, vals[len(bt.key):]) {
		if c.Valid {
			s := c.String
			row.Columns[cols[i].name] = &s
		} else {
			row.Columns[cols[i].name] = nil
		}
	}
	return row, nil
}

// withRow is data's JSON object with a last member row.
func withRow(data any, row *boundRow) ([]byte, error) {
	rb, err := json.Marshal(row)
	if err != nil {
		return nil, err
	}
	b := []byte("{}")
	if data != nil {
		if b, err = json.Marshal(data); err != nil {
			return nil, err
		}
	}
	if len(b) < 2 || b[0] != '{' {
		return nil, fmt.Errorf("ledger: an event's data is not a JSON object")
	}
	out := append([]byte(nil), b[:len(b)-1]...)
	if len(b) > 2 {
		out = append(out, ',')
	}
	out = append(out, `"row":`...)
	out = append(out, rb...)
	return append(out, '}'), nil
}

// checkBound reads the byEvent table's row with key, and the event it
// names, in one statement, and returns a *RowError if they differ or the
// row names no event that set it: for the portal, before it accepts an
// API token or a log-in. A refusal is recorded as an event. A missing row
// is sql.ErrNoRows.
func (l *Ledger) checkBound(ctx context.Context, table string, key ...any) error {
	bt := boundTableNamed(table)
	if bt == nil || !bt.byEvent {
		return fmt.Errorf("ledger: %s is not a table whose rows events bind by key", table)
	}
	nk := len(bt.key)
	names := make([]string, 0, nk+len(bt.cols))
	for _, k := range bt.key {
		names = append(names, "r."+k)
	}
	for _, c := range bt.cols {
		names = append(names, "r."+c.name)
	}
	vals := make([]cell, len(names)+1)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	w := make([]string, nk)
	for i, k := range bt.key {
		w[i] = fmt.Sprintf("r.%s = $%d", k, i+1)
	}
	err := l.db.QueryRowContext(ctx, `SELECT `+strings.Join(names, ", ")+`, e.body FROM `+bt.name+` r LEFT JOIN events e ON e.seq = r.event WHERE `+
		strings.Join(w, " AND "), key...).Scan(ptrs...)
	if err != nil {
		return err
	}
	keyName := keyText(bt.key, vals[:nk])
	got := readCells(bt, vals[nk:len(vals)-1])
	body := vals[len(vals)-1]
	var re *RowError
	if !body.Valid {
		re = &RowError{Table: bt.name, Key: keyName, Column: "event", Reason: "it names no event: the row was inserted or re-pointed"}
	} else {
		r := newReplay()
		var f struct {
			Row *boundRow `json:"row"`
		}
		seq, _ := strconv.ParseInt(vals[len(vals)-2].String, 10, 64)
		if json.Unmarshal([]byte(body.String), &f) != nil || f.Row == nil || f.Row.Table != bt.name || r.applyRow(seq, f.Row) != nil {
			re = &RowError{Table: bt.name, Key: keyName, Column: "event", Reason: fmt.Sprintf("event %d, which it names, did not set it", seq)}
		} else if want, ok := r.take(bt, vals[:nk]); !ok {
			re = &RowError{Table: bt.name, Key: keyName, Column: "event", Reason: fmt.Sprintf("event %d, which it names, set another row", seq)}
		} else {
			re = compareRow(bt, keyName, got, want)
		}
	}
	if re == nil {
		return nil
	}
	return l.refused(ctx, re)
}

// boundSchema is the schema whose rows of the byEvent tables name their
// event.
const boundSchema = 9

// eventBaseline binds a row recorded before schema 9 to the chain as it
// stood when the ledger was migrated.
const eventBaseline = "baseline"

// baseline binds every row of the byEvent tables that names no event,
// each with a baseline event, in the migration's transaction: the rows
// recorded before schema 9 then verify, and are checked at use, from the
// migration on. What they held before it, the chain cannot say.
func (l *Ledger) baseline(ctx context.Context, conn *sql.Conn, s *sql.Tx) error {
	t, err := l.begin(ctx, conn, s)
	if err != nil {
		return err
	}
	for i := range boundTables {
		bt := &boundTables[i]
		if !bt.byEvent {
			continue
		}
		rows, err := s.QueryContext(ctx, `SELECT `+strings.Join(bt.key, ", ")+` FROM `+bt.name+` WHERE event IS NULL ORDER BY `+strings.Join(bt.key, ", "))
		if err != nil {
			return err
		}
		keys, err := ledgerdb.ScanAll(rows, func(sc ledgerdb.Scanner) ([]any, error) {
			k := make([]any, len(bt.key))
			ptrs := make([]any, len(k))
			for i := range k {
				ptrs[i] = &k[i]
			}
			return k, sc.Scan(ptrs...)
		})
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := t.BoundEvent(eventBaseline, nil, bt.name, k...); err != nil {
				return err
			}
		}
	}
	return t.flushAll()
}
