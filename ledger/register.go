package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/ledgerdb"
)

// MaxBatch is how many registrations Register records in one transaction;
// a longer slice is recorded in several, each complete on its own, so that
// an interrupted batch keeps the rows it finished and a rerun adds only the
// rest.
const MaxBatch = 2048

// A Registration is a code signed for a Registration Key, to be recorded.
type Registration struct {
	RK      formats.RegistrationKey
	Edition string
	// Issue is the signed code, generation 0, and its token if any.
	Issue Issue
	// Owner is the account the license is registered to, if any.
	Owner string
	// OwnerAccount refuses the registration with ErrNoAccount unless
	// Owner is the login id of a portal account in this ledger, checked
	// in the transaction that records the code: an account whose login
	// id changed meanwhile would otherwise leave the license to an
	// address no account has, for whoever signs it up next.
	OwnerAccount bool
	// Customer and Order are kept for keys imported without being minted;
	// a minted key keeps the references it was minted with.
	Customer, Order string
	// AllowUnminted records a key that was never minted, as imported,
	// instead of refusing it with ErrNotMinted: for legacy keys.
	AllowUnminted bool
	// Mail is queued in the outbox in the transaction that records the
	// code, and only if it does (not for an Existing result): a code
	// recorded is a code mailed, with one commit rather than two.
	Mail []Mail

	// by is the client of the call that a group's transaction records
	// this row for.
	by *caller
}

// Registered is the outcome of one Registration.
type Registered struct {
	License *License
	Code    *Code
	// Existing is set when the key was already registered on the same
	// terms: nothing was recorded, and Code is the license's current code.
	Existing bool
	Err      error
}

// Register records registrations and their codes. A key must have been
// minted (or AllowUnminted given), not be void, and be for a new license;
// a code must carry the key's edition and term. A key already registered
// on the same terms (edition, install id, issue and expiry days) is no
// error: its result is Existing. Each result has its own Err; the error
// returned is for the ledger itself failing, and then the results of the
// transactions already committed stay recorded.
func (l *Ledger) Register(ctx context.Context, regs []Registration) ([]Registered, error) {
	if len(regs) <= MaxBatch {
		// A call of one transaction shares it with the calls made at the
		// same time (group commit).
		return l.registerJoined(ctx, regs)
	}
	return l.register(ctx, false, regs)
}

// RegisterDeferred is Register for a batch whose output is shown only
// after Sync: on SQLite its transactions commit without waiting for the
// disk. What it records survives the process being killed, and is
// consistent, and a rerun finds it; a crash of the machine may lose the
// last transactions before Sync returns, and the output must not have
// been shown then.
func (l *Ledger) RegisterDeferred(ctx context.Context, regs []Registration) ([]Registered, error) {
	return l.register(ctx, true, regs)
}

// DeferredRows is how many registrations a RegisterDeferred call is best
// given at once: its store's commits cost what they cost (a server's
// round trips, a cache's size), and a batch sizes its calls by this.
func (l *Ledger) DeferredRows() int { return l.store.deferredRows() }

// Sync makes every change committed so far durable, those of
// RegisterDeferred included.
func (l *Ledger) Sync(ctx context.Context) error {
	// A commit in FULL mode syncs the WAL, and with it every commit
	// before it that no checkpoint has synced yet.
	return l.Ping(ctx)
}

func (l *Ledger) register(ctx context.Context, deferred bool, regs []Registration) ([]Registered, error) {
	out := make([]Registered, len(regs))
	for start := 0; start < len(regs); start += MaxBatch {
		end := min(start+MaxBatch, len(regs))
		err := l.write(ctx, deferred, func(t *tx) error { return t.registerAll(regs[start:end], out[start:end]) })
		if err != nil {
			for i := start; i < end; i++ {
				out[i] = Registered{Err: err}
			}
			return out, err
		}
	}
	return out, nil
}

// ruleError marks an outcome of the ledger's rules, which fails its row
// only, as against a database error, which fails the transaction.
type ruleError struct{ error }

func (e ruleError) Unwrap() error { return e.error }

func rule(format string, a ...any) error { return ruleError{fmt.Errorf(format, a...)} }

func isRuleError(err error) bool {
	var r ruleError
	return errors.As(err, &r)
}

// serialKey names a key, or the license it registered, by product and
// serial.
type serialKey struct {
	product formats.Product
	serial  formats.Serial
}

// licenseState is a license as a registration of its key again needs it.
type licenseState struct {
	lic            *License
	first, current *Code // its first code, and its newest of the current generation
}

// registrations is what one transaction of Register knows: the keys its
// registrations name and the licenses of those already registered, read
// with one query per table rather than one per row, and then what it
// records itself, so that a key repeated in regs is answered as a rerun
// would be.
type registrations struct {
	rks      map[serialKey]*RegistrationKey
	licenses map[serialKey]*licenseState
	// used are the minted keys registered now, to be marked so.
	used map[formats.Product][]int64
	// tampered are the keys whose row, or whose license's, no longer
	// matches its events: refused, and the refusal recorded once.
	tampered map[serialKey]*tamperedRow
	// events are the keys' events, as read with them.
	events *keyEvents
}

// keyEvents are the events of the keys a transaction of Register read,
// which checkLoaded compares them with.
type keyEvents struct {
	seen map[serialKey]int
	// asMinted are the keys whose event minted them as they are
	// (mintedAsRead), compared as read and not kept.
	asMinted map[serialKey]bool
	// kept are the events of the other keys, copied.
	kept   map[serialKey][]*Event
	fields []byte
}

func newKeyEvents(n int) *keyEvents {
	return &keyEvents{seen: make(map[serialKey]int, n), asMinted: make(map[serialKey]bool, n), kept: make(map[serialKey][]*Event)}
}

func (ke *keyEvents) add(rk *RegistrationKey, seq int64, kind string, body []byte) {
	id := serialKey{rk.Key.Product, rk.Key.Serial}
	ke.seen[id]++
	if rk.State == StateMinted {
		if rk.License == 0 && (kind == eventMinted || kind == eventImported) {
			ke.fields = rk.mintFields(ke.fields[:0])
			if eventFieldsAre(body, ke.fields) {
				ke.asMinted[id] = true
			}
		}
		// Any other event of a minted key is a mismatch, which
		// checkLoaded reads again to name.
		return
	}
	ke.kept[id] = append(ke.kept[id], &Event{Seq: seq, Kind: kind, Product: rk.Key.Product.String(), Serial: rk.Key.Serial,
		Body: append([]byte(nil), body...)})
}

type tamperedRow struct {
	err      *RowError
	recorded bool
}

// checkLoaded compares the keys, licenses and codes that the transaction
// read with their events (keyEvents), before any is acted on. A key a
// batch registers has one event, its minting, compared as read; the
// others, few, are replayed.
func (t *tx) checkLoaded(rs *registrations) error {
	ke := rs.events
	for id, rk := range rs.rks {
		if ke.seen[id] == 1 && ke.asMinted[id] {
			continue
		}
		evs := ke.kept[id]
		sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
		var err error
		if rk.State == StateMinted || rk.License != 0 && rk.License != rk.Key.Serial {
			// Read again, in full, to say what differs; a used renewal
			// key's events are also its license's.
			err = t.checkKeyNow(rk)
		} else {
			err = checkKey(rk, evs)
		}
		if st := rs.licenses[id]; err == nil && st != nil {
			if err = checkLicense(st.lic, evs); err == nil && st.current != nil {
				err = checkCode(st.current, evs)
			}
		}
		var re *RowError
		if errors.As(err, &re) {
			if rs.tampered == nil {
				rs.tampered = make(map[serialKey]*tamperedRow)
			}
			rs.tampered[id] = &tamperedRow{err: re}
		} else if err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) registerAll(regs []Registration, out []Registered) error {
	serials := make(map[formats.Product][]int64)
	for i := range regs {
		c, k := regs[i].Issue.Code, regs[i].RK
		if c.Product != k.Product || c.Serial != k.Serial || c.Trial != k.Trial || c.Generation != 0 {
			return fmt.Errorf("ledger: the code is not generation 0 of %s", k)
		}
		serials[k.Product] = append(serials[k.Product], int64(k.Serial))
	}
	rs := &registrations{rks: make(map[serialKey]*RegistrationKey, len(regs)), licenses: make(map[serialKey]*licenseState),
		used: make(map[formats.Product][]int64), events: newKeyEvents(len(regs))}
	again := make(map[formats.Product][]int64)
	// Scanned into for every row: a body is compared as read, not kept.
	var (
		serial, trial int64
		license, seq  sql.NullInt64
		kind          sql.NullString
		body          sql.RawBytes
	)
	for p, ss := range serials {
		// The columns register needs, and the key from its product,
		// serial and trial columns rather than by parsing its text: this
		// read is a sixth of recording a chunk.
		// Each key with its events, to check it against them
		// (checkLoaded): a key a batch registers has one.
		err := t.queryBySerial(`SELECT k.serial, k.trial, k.edition, k.days, k.purpose, k.order_ref, k.customer, k.state, k.license, e.seq, e.kind, e.body
FROM registration_keys k LEFT JOIN events e ON e.product = k.product AND e.serial = k.serial WHERE k.product = $1 AND k.serial %s`, p, ss,
			func(rows *sql.Rows) error {
				var r RegistrationKey
				if err := rows.Scan(&serial, &trial, &r.Edition, &r.Days, &r.Purpose, &r.Order, &r.Customer, &r.State, &license, &seq, &kind, &body); err != nil {
					return err
				}
				id := serialKey{p, formats.Serial(serial)}
				rk := rs.rks[id]
				if rk == nil {
					k, err := formats.NewRegistrationKey(p, trial != 0, formats.Serial(serial))
					if err != nil {
						return fmt.Errorf("ledger: recorded key %s serial %d: %w", p, serial, err)
					}
					r.Key, r.License = k, formats.Serial(license.Int64)
					if !license.Valid && r.State == StateRegistered && r.Purpose == PurposeLicense {
						r.License = k.Serial // NULL: its own serial (schema 7)
					}
					rk = &r
					rs.rks[id] = rk
					if r.State == StateRegistered && r.Purpose == PurposeLicense {
						again[p] = append(again[p], int64(r.Key.Serial))
					}
				}
				if seq.Valid {
					rs.events.add(rk, seq.Int64, kind.String, body)
				}
				return nil
			})
		if err != nil {
			return err
		}
	}
	if err := t.loadLicenses(again, rs.licenses); err != nil {
		return err
	}
	if err := t.checkLoaded(rs); err != nil {
		return err
	}
	for i := range regs {
		t.by = regs[i].by
		r, err := t.register(&regs[i], rs)
		t.by = nil
		if err != nil && !isRuleError(err) {
			return err
		}
		out[i] = r
		out[i].Err = err
	}
	for p, ss := range rs.used {
		err := ledgerdb.InLists(t.l.store.numbered(), ss, func(match string, args []any) error {
			// license stays NULL, its own serial (schema 7): the row
			// changes no indexed column, so PostgreSQL updates it in
			// place (HOT) rather than adding an entry to every index.
			_, err := t.execW(`UPDATE registration_keys SET state = '`+StateRegistered+`' WHERE product = $1 AND serial `+match,
				append([]any{p.String()}, args...)...)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// loadLicenses reads the licenses with the serials, and their codes.
func (t *tx) loadLicenses(serials map[formats.Product][]int64, into map[serialKey]*licenseState) error {
	for p, ss := range serials {
		err := t.queryBySerial(`SELECT `+licenseColumns+` FROM licenses WHERE product = $1 AND serial %s`, p, ss,
			func(rows *sql.Rows) error {
				lic, err := scanLicense(rows)
				if err == nil {
					into[serialKey{lic.Product, lic.Serial}] = &licenseState{lic: lic}
				}
				return err
			})
		if err != nil {
			return err
		}
		err = t.queryBySerial(`SELECT `+codeColumns+` FROM codes WHERE product = $1 AND serial %s ORDER BY serial, event`, p, ss,
			func(rows *sql.Rows) error {
				c, err := scanCode(rows)
				if err != nil {
					return err
				}
				st := into[serialKey{c.Product, c.Serial}]
				if st == nil {
					return nil
				}
				if c.Generation == 0 && st.first == nil {
					st.first = c
				}
				if c.Generation == st.lic.Generation {
					st.current = c
				}
				return nil
			})
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) register(r *Registration, rs *registrations) (Registered, error) {
	c := r.Issue.Code
	k := r.RK
	id := serialKey{k.Product, k.Serial}
	rec := rs.rks[id]
	if bad := rs.tampered[id]; bad != nil {
		if !bad.recorded {
			if err := t.recordMismatch(bad.err); err != nil {
				return Registered{}, err
			}
			bad.recorded = true
		}
		return Registered{}, ruleError{bad.err}
	}
	imported := false
	switch {
	case rec != nil && rec.Key != k:
		// The same serial minted as a trial key and typed as a full one,
		// or the other way round: not the key that was sold.
		return Registered{}, rule("%w: %s (its serial is that of %s)", ErrNotMinted, k, rec.Key)
	case rec == nil && r.AllowUnminted:
		imported = true
		rec = &RegistrationKey{Key: k, Edition: r.Edition, Purpose: PurposeLicense, Order: r.Order, Customer: r.Customer,
			State: StateMinted, MintedAt: t.at, MintedBy: t.actor()}
	case rec == nil:
		return Registered{}, rule("%w: %s", ErrNotMinted, k)
	}
	switch {
	case rec.State == StateVoid:
		return Registered{}, rule("%w: %s", ErrVoid, k)
	case rec.Purpose == PurposeRenewal:
		return Registered{}, rule("%w: %s renews an existing license; it cannot start one", ErrRenewalKey, k)
	case rec.Edition != r.Edition:
		return Registered{}, rule("%w: %s was sold for edition %s, not %s", ErrOtherTerms, k, rec.Edition, r.Edition)
	case rec.Days != 0 && c.Expires == formats.Perpetual:
		return Registered{}, rule("%w: %s was sold with a %d-day term, not a perpetual license", ErrOtherTerms, k, rec.Days)
	case rec.Days != 0 && int(c.Expires)-int(c.Issued) != rec.Days:
		return Registered{}, rule("%w: %s was sold with a %d-day term, not %d", ErrOtherTerms, k, rec.Days, int(c.Expires)-int(c.Issued))
	case rec.State == StateRegistered:
		return existing(r, rs.licenses[id])
	}
	if r.Owner != "" && r.OwnerAccount {
		if err := t.checkAccount(r.Owner); err != nil {
			if errors.Is(err, ErrNoAccount) {
				return Registered{}, rule("%w", err)
			}
			return Registered{}, err
		}
	}
	rec.State, rec.License = StateRegistered, k.Serial
	if imported {
		t.insertRK(rec)
		if _, err := t.event(eventImported, k.Product, k.Serial, mintEvent{RK: k.String(), Trial: k.Trial, Edition: r.Edition,
			Purpose: string(PurposeLicense), Order: r.Order, Customer: r.Customer}); err != nil {
			return Registered{}, err
		}
		rs.rks[id] = rec
	} else {
		rs.used[k.Product] = append(rs.used[k.Product], int64(k.Serial))
	}
	lic := &License{Product: k.Product, Serial: k.Serial, Generation: 0, Edition: r.Edition, Trial: k.Trial,
		InstallID: r.Issue.InstallID, KeyID: c.KeyID, Issued: c.Issued, Expires: c.Expires, Owner: r.Owner,
		Customer: rec.Customer, Order: rec.Order}
	if err := t.putLicense(lic, true); err != nil {
		return Registered{}, err
	}
	code, err := t.addCode(eventSigned, lic, r.Issue, codeEvent{RK: k.String(), Owner: r.Owner})
	if err != nil {
		return Registered{}, err
	}
	if err := ledgerdb.QueueMail(t, r.Mail); err != nil {
		return Registered{}, err
	}
	rs.licenses[id] = &licenseState{lic: lic, first: code, current: code}
	return Registered{License: lic, Code: code}, nil
}

// existing answers a registration of a key already registered: the same
// terms give the license's current code, others an error that says which.
func existing(r *Registration, st *licenseState) (Registered, error) {
	k, c := r.RK, r.Issue.Code
	switch {
	case st == nil:
		return Registered{}, fmt.Errorf("ledger: %s is registered, and its license %s is missing", k, k.Serial.String())
	case st.first == nil || st.current == nil:
		return Registered{}, fmt.Errorf("ledger: license %s has no first or no current code", k.Serial.String())
	}
	lic, first := st.lic, st.first
	switch {
	case r.Owner != "" && lic.Owner != "" && r.Owner != lic.Owner:
		return Registered{}, rule("%w", ErrOtherOwner)
	case lic.InstallID != r.Issue.InstallID:
		return Registered{}, rule("%w: %s is registered for install id %q", ErrOtherTerms, k, lic.InstallID)
	case first.Issued != c.Issued || first.Expires != c.Expires:
		return Registered{}, rule("%w: %s was registered issued %s, expiring %s; sign it with those days to get its code again",
			ErrOtherTerms, k, first.Issued, first.Expires)
	case lic.RevokesCurrent():
		// Its code is on the revocation lists: handing it out again
		// would only look like a license.
		return Registered{}, rule("%w: %s's license %s is revoked (%s)", ErrRevoked, k, lic.Serial, lic.RevokeReason)
	}
	return Registered{License: lic, Code: st.current, Existing: true}, nil
}

// Renewal asks to extend a license.
type Renewal struct {
	Product formats.Product
	Serial  formats.Serial
	// Generation is that of the code the customer holds; an older one
	// than the license's current generation is superseded and refused.
	Generation uint8
	// RenewalKey, if set, is the renewal Registration Key that pays for
	// the renewal; it is used up.
	RenewalKey *formats.RegistrationKey
	// Owner, if set, must own the license.
	Owner string
	// Mail, if set, makes the messages queued in the transaction that
	// records the renewed code.
	Mail func(lic *License, code *Code) []Mail
}

// RenewFunc signs the renewed code for the license as it stands, with the
// term of the renewal key when one was given.
type RenewFunc func(lic *License, current *Code, key *RegistrationKey) (Issue, error)

// Renew extends a license: sign is called under the write lock, and its
// code recorded as the license's new current code.
func (l *Ledger) Renew(ctx context.Context, r Renewal, sign RenewFunc) (*License, *Code, error) {
	var lic *License
	var code *Code
	err := l.update(ctx, func(t *tx) (err error) {
		lic, err = getLicense(ctx, t.sql, r.Product, r.Serial)
		if err != nil {
			return err
		}
		if err := checkAccess(lic, r.Owner); err != nil {
			return err
		}
		cur, err := t.checkLicenseNow(lic, true)
		if err != nil {
			return err
		}
		if lic.RevokesCurrent() {
			return fmt.Errorf("%w: %s serial %s: %s", ErrRevoked, lic.Product, lic.Serial, lic.RevokeReason)
		}
		if r.Generation > lic.Generation {
			return fmt.Errorf("%w: the code is generation %d, and the ledger knows generations up to %d only", ErrNoLicense, r.Generation, lic.Generation)
		}
		if r.Generation < lic.Generation {
			return fmt.Errorf("%w: the code is generation %d and the license is at generation %d; renew the current code", ErrSuperseded, r.Generation, lic.Generation)
		}
		var key *RegistrationKey
		if r.RenewalKey != nil {
			if key, err = getRK(ctx, t.sql, *r.RenewalKey); err != nil {
				return err
			}
			if err := t.checkKeyNow(key); err != nil {
				return err
			}
			switch {
			case key.State == StateVoid:
				return fmt.Errorf("%w: %s", ErrVoid, key.Key)
			case key.Purpose != PurposeRenewal:
				return fmt.Errorf("%w: %s", ErrNotRenewal, key.Key)
			case key.State == StateRegistered:
				return fmt.Errorf("%w: %s has already renewed a license", ErrUsed, key.Key)
			case key.Key.Product != lic.Product:
				return fmt.Errorf("%w: %s is for product %s", ErrNotRenewal, key.Key, key.Key.Product)
			case key.Edition != lic.Edition:
				return fmt.Errorf("%w: %s renews edition %s, and the license is %s", ErrOtherTerms, key.Key, key.Edition, lic.Edition)
			}
		}
		is, err := sign(lic, cur, key)
		if err != nil {
			return err
		}
		c := is.Code
		if c.Product != lic.Product || c.Serial != lic.Serial || c.Generation != lic.Generation {
			return errors.New("ledger: the renewed code is not for the license's current generation")
		}
		ev := codeEvent{PreviousExpires: lic.Expires.String()}
		if key != nil {
			ev.RK = key.Key.String()
			if err := t.setRKState(key.Key, StateRegistered, lic.Serial); err != nil {
				return err
			}
		}
		lic.Issued, lic.Expires, lic.KeyID = c.Issued, c.Expires, c.KeyID
		if err := t.putLicense(lic, false); err != nil {
			return err
		}
		if code, err = t.addCode(eventRenewed, lic, is, ev); err != nil || r.Mail == nil {
			return err
		}
		return ledgerdb.QueueMail(t, r.Mail(lic, code))
	})
	if err != nil {
		return nil, nil, err
	}
	return lic, code, nil
}

// RevokesCurrent reports whether the license's current generation is
// revoked.
func (l *License) RevokesCurrent() bool {
	return l.Revoked && (l.RevokedBelow == 0 || l.Generation < l.RevokedBelow)
}

// RevokesAll reports whether every generation of the license is revoked,
// those to come too: revoking it again changes nothing.
func (l *License) RevokesAll() bool { return l.Revoked && l.RevokedBelow == 0 }

// revokesNext reports whether the license's next generation would be
// revoked as it is issued.
func (l *License) revokesNext() bool {
	return l.Revoked && (l.RevokedBelow == 0 || l.Generation+1 < l.RevokedBelow)
}

// Replaceable reports whether Replace can issue the license a next
// generation: pages offer a replacement, or a move, only then.
func (l *License) Replaceable() bool {
	return !l.revokesNext() && l.Generation < formats.MaxGeneration
}

// Resendable reports whether ResendCode can mail the license's current
// code: it has an owner account, and the code is not revoked.
func (l *License) Resendable() bool { return l.Owner != "" && !l.RevokesCurrent() }

func checkAccess(lic *License, owner string) error {
	if owner != "" && lic.Owner != owner {
		// Said the same way as a missing license, so that nobody learns
		// of another account's licenses.
		return fmt.Errorf("%w: %s serial %s", ErrNoLicense, lic.Product, lic.Serial)
	}
	return nil
}

// Replacement asks for a license's next generation, as for a stolen code.
type Replacement struct {
	Product formats.Product
	Serial  formats.Serial
	// RevokeOld also revokes every earlier generation, to be listed on
	// the next revocation list.
	RevokeOld bool
	Reason    string
	// Owner, if set, must own the license.
	Owner string
	// NewOwner, if set, moves the license to that account; with
	// NewOwnerAccount, only if it is the login id of a portal account in
	// this ledger (else ErrNoAccount), checked in the transaction.
	NewOwner        string
	NewOwnerAccount bool
	// Generation, with CheckGeneration, is that of the code reported:
	// one the license has moved past was replaced already, and is refused
	// with ErrSuperseded rather than replaced again.
	Generation      uint8
	CheckGeneration bool
	// Mail, if set, makes the messages queued in the transaction that
	// records the replacement, from the license as it leaves it, its new
	// code and from, the owner before a move: a replacement recorded is a
	// replacement mailed, and a crash loses neither or both.
	Mail func(from string, lic *License, code *Code) []Mail
}

// checkAccount is ErrNoAccount unless email is the login id of a portal
// account in this ledger now, in the transaction: one whose login id
// changed meanwhile would otherwise be given a license that no account
// holds, for whoever signs up the address next.
func (t *tx) checkAccount(email string) error {
	var n int
	if err := t.sql.QueryRowContext(t.ctx, `SELECT COUNT(*) FROM accounts WHERE email = $1`, email).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: %s is no account's login id", ErrNoAccount, email)
	}
	return nil
}

// ReplaceFunc signs the license's code at generation next.
type ReplaceFunc func(lic *License, current *Code, next uint8) (Issue, error)

// Replace issues the license's next generation: the ledger hands out each
// generation once, however many hosts ask at the same time.
func (l *Ledger) Replace(ctx context.Context, r Replacement, sign ReplaceFunc) (*License, *Code, error) {
	var lic *License
	var code *Code
	err := l.update(ctx, func(t *tx) (err error) {
		lic, err = getLicense(ctx, t.sql, r.Product, r.Serial)
		if err != nil {
			return err
		}
		if err := checkAccess(lic, r.Owner); err != nil {
			return err
		}
		if r.NewOwner != "" && r.NewOwnerAccount {
			if err := t.checkAccount(r.NewOwner); err != nil {
				return err
			}
		}
		cur, err := t.checkLicenseNow(lic, true)
		if err != nil {
			return err
		}
		if lic.revokesNext() {
			// A replacement would be revoked as it is issued.
			return fmt.Errorf("%w: %s serial %s: %s", ErrRevoked, lic.Product, lic.Serial, lic.RevokeReason)
		}
		if r.CheckGeneration && r.Generation < lic.Generation {
			return fmt.Errorf("%w: the code is generation %d and was replaced by generation %d", ErrSuperseded, r.Generation, lic.Generation)
		}
		if lic.Generation == formats.MaxGeneration {
			return fmt.Errorf("%w (%d)", ErrLastGeneration, formats.MaxGeneration)
		}
		next := lic.Generation + 1
		is, err := sign(lic, cur, next)
		if err != nil {
			return err
		}
		c := is.Code
		if c.Product != lic.Product || c.Serial != lic.Serial || c.Generation != next {
			return fmt.Errorf("ledger: the replacement is not generation %d of the license", next)
		}
		ev := codeEvent{}
		lic.Generation, lic.Issued, lic.Expires, lic.KeyID = next, c.Issued, c.Expires, c.KeyID
		from := lic.Owner
		if r.NewOwner != "" && r.NewOwner != lic.Owner {
			lic.Owner, ev.Owner = r.NewOwner, r.NewOwner
		}
		if code, err = t.addCode(eventReplaced, lic, is, ev); err != nil {
			return err
		}
		if ev.Owner != "" {
			if _, err := t.event(eventMoved, lic.Product, lic.Serial, moveEvent{From: from, To: ev.Owner}); err != nil {
				return err
			}
		}
		if r.RevokeOld {
			if _, err := t.revoke(lic, next, r.Reason); err != nil {
				return err
			}
		}
		if err := t.putLicense(lic, false); err != nil {
			return err
		}
		if r.Mail == nil {
			return nil
		}
		return ledgerdb.QueueMail(t, r.Mail(from, lic, code))
	})
	if err != nil {
		return nil, nil, err
	}
	return lic, code, nil
}

type moveEvent struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type revokeEvent struct {
	Below  uint8  `json:"below"`
	Reason string `json:"reason"`
}

// revoke records that the generations below below (all of them for 0)
// are revoked, and reports whether that changed anything; the caller
// writes lic back.
func (t *tx) revoke(lic *License, below uint8, reason string) (bool, error) {
	if lic.Revoked && (lic.RevokedBelow == 0 || (below != 0 && below <= lic.RevokedBelow)) {
		return false, nil // already revoked at least that far
	}
	lic.Revoked, lic.RevokedBelow, lic.RevokeReason = true, below, reason
	_, err := t.event(eventRevoked, lic.Product, lic.Serial, revokeEvent{Below: below, Reason: reason})
	return err == nil, err
}

// A Notice makes the messages that tell of a change to a license, from
// the license as the change leaves it. They are queued in the change's
// transaction, and only if it changed something.
type Notice func(lic *License) []Mail

// Revoke revokes a license's generations below below, or every generation
// when below is 0, for the next revocation list, and queues the mail of
// notices with it. Revoking what is already revoked changes nothing and
// mails nothing.
func (l *Ledger) Revoke(ctx context.Context, p formats.Product, serial formats.Serial, below uint8, reason string, notices ...Notice) (*License, error) {
	if reason == "" {
		return nil, errors.New("ledger: revoke: give a reason")
	}
	var lic *License
	err := l.update(ctx, func(t *tx) (err error) {
		var changed bool
		lic, changed, err = t.revokeSerial(p, serial, below, reason)
		if err != nil || !changed {
			return err
		}
		for _, n := range notices {
			if err := ledgerdb.QueueMail(t, n(lic)); err != nil {
				return err
			}
		}
		return nil
	})
	return lic, err
}

// revokeSerial records a revocation of the license's generations below
// below (every one for 0), which must all have been issued: revoking
// generations to come would revoke the license's next replacement. It
// reports whether that changed anything.
func (t *tx) revokeSerial(p formats.Product, serial formats.Serial, below uint8, reason string) (*License, bool, error) {
	lic, err := getLicense(t.ctx, t.sql, p, serial)
	if err != nil {
		return nil, false, err
	}
	if _, err := t.checkLicenseNow(lic, false); err != nil {
		return nil, false, err
	}
	if below != 0 && int(below) > int(lic.Generation)+1 {
		return nil, false, fmt.Errorf("%w: %s serial %s is at generation %d, so %s:%d would revoke generations not issued yet; give %s:%d at most, or %s to revoke every generation",
			ErrNotIssued, p, serial, lic.Generation, serial, below, serial, lic.Generation+1, serial)
	}
	changed, err := t.revoke(lic, below, reason)
	if err != nil {
		return nil, false, err
	}
	return lic, changed, t.putLicense(lic, false)
}

// License returns the license with the serial.
func (l *Ledger) License(ctx context.Context, p formats.Product, serial formats.Serial) (*License, error) {
	return getLicense(ctx, l.db, p, serial)
}

// CurrentCode returns the newest code of the license's current generation.
func (l *Ledger) CurrentCode(ctx context.Context, lic *License) (*Code, error) {
	c, err := currentCode(ctx, l.db, lic)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s serial %s has no code", ErrNoLicense, lic.Product, lic.Serial)
	}
	return c, err
}

// Recorded reports whether the ledger issued c, character for character. A
// code signed with the ledger's key but never recorded in it (signed
// offline, or by another ledger on the same key) may carry the serial of
// one of its licenses, and is still no code of that license.
func (l *Ledger) Recorded(ctx context.Context, c formats.ActivationCode) (bool, error) {
	var text string
	err := l.db.QueryRowContext(ctx, `SELECT code FROM codes WHERE product = $1 AND serial = $2 AND generation = $3 AND issued = $4 AND expires = $5`,
		c.Product.String(), int64(c.Serial), int(c.Generation), int(c.Issued), int(c.Expires)).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && text == c.String(), err
}
