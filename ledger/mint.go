package ledger

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/ledgerdb"
)

// MaxMint bounds how many keys one Mint call makes.
const MaxMint = 100_000

// MintRequest describes the Registration Keys to mint for one sale.
type MintRequest struct {
	Product formats.Product
	Edition string
	Trial   bool
	Days    int // the term in days; 0 means the catalog's
	Purpose Purpose
	Count   int
	// Order and Customer are the shop's references. When Order is set, a
	// second Mint with the same Order returns the keys minted the first
	// time and mints nothing, so that a retried webhook is harmless.
	Order    string
	Customer string
}

// Minted is the outcome of Mint.
type Minted struct {
	Keys []formats.RegistrationKey
	// Existing is set when the order had been minted before: Keys are
	// those keys, and nothing new was minted.
	Existing bool
}

// Mint makes Count new random Registration Keys, unique across every key
// ever minted into this ledger or imported, and records them.
func (l *Ledger) Mint(ctx context.Context, r MintRequest) (Minted, error) {
	if !r.Product.Valid() {
		return Minted{}, fmt.Errorf("ledger: mint: product %q is not two capital letters", r.Product[:])
	}
	if r.Count < 1 || r.Count > MaxMint {
		return Minted{}, fmt.Errorf("ledger: mint: count %d is not between 1 and %d", r.Count, MaxMint)
	}
	if r.Edition == "" {
		return Minted{}, errors.New("ledger: mint: no edition")
	}
	if r.Days < 0 {
		return Minted{}, fmt.Errorf("ledger: mint: negative term %d days", r.Days)
	}
	if r.Purpose == "" {
		r.Purpose = PurposeLicense
	}
	if r.Purpose != PurposeLicense && r.Purpose != PurposeRenewal {
		return Minted{}, fmt.Errorf("ledger: mint: purpose %q is not license or renewal", r.Purpose)
	}
	if r.Purpose == PurposeRenewal && r.Trial {
		return Minted{}, errors.New("ledger: mint: a renewal key cannot be a trial key")
	}
	var out Minted
	err := l.update(ctx, func(t *tx) error {
		out = Minted{}
		if r.Order != "" {
			existing, err := orderKeys(ctx, t.sql, r.Order)
			if err != nil {
				return err
			}
			if len(existing) > 0 {
				if err := t.checkKeys(existing); err != nil {
					return err
				}
				for _, k := range existing {
					if k.Key.Product != r.Product || k.Edition != r.Edition || k.Key.Trial != r.Trial || k.Days != r.Days || k.Purpose != r.Purpose {
						return fmt.Errorf("%w: order %q has %s keys for %s %s", ErrOrderTerms, r.Order, k.Purpose, k.Key.Product, k.Edition)
					}
					out.Keys = append(out.Keys, k.Key)
				}
				if len(existing) != r.Count {
					return fmt.Errorf("%w: order %q was minted with %d keys, not %d", ErrOrderTerms, r.Order, len(existing), r.Count)
				}
				out.Existing = true
				return nil
			}
		}
		// Draw the keys still needed, drop those whose serial is taken,
		// and draw again for them: few, as serials are 47 bits.
		taken := make(map[formats.Serial]bool)
		for len(out.Keys) < r.Count {
			var drawn []formats.RegistrationKey
			var serials []int64
			for range r.Count - len(out.Keys) {
				k, err := formats.RandomRegistrationKey(l.rand, r.Product, r.Trial)
				if err != nil {
					return err
				}
				if !taken[k.Serial] {
					taken[k.Serial] = true
					drawn = append(drawn, k)
					serials = append(serials, int64(k.Serial))
				}
			}
			recorded := make(map[formats.Serial]bool)
			err := t.queryBySerial(`SELECT serial FROM registration_keys WHERE product = $1 AND serial %s`, r.Product, serials,
				func(rows *sql.Rows) error {
					var s int64
					err := rows.Scan(&s)
					recorded[formats.Serial(s)] = true
					return err
				})
			if err != nil {
				return err
			}
			// In serial order, as a shop's list of the keys is: a batch
			// registering them in that order then updates neighbouring
			// rows, and writes fewer pages.
			slices.SortFunc(drawn, func(a, b formats.RegistrationKey) int { return cmp.Compare(a.Serial, b.Serial) })
			for _, k := range drawn {
				if recorded[k.Serial] {
					continue
				}
				t.insertRK(&RegistrationKey{Key: k, Edition: r.Edition, Days: r.Days, Purpose: r.Purpose, Order: r.Order,
					Customer: r.Customer, State: StateMinted, MintedAt: t.at, MintedBy: t.actor()})
				if _, err := t.event(eventMinted, k.Product, k.Serial, mintEvent{RK: k.String(), Trial: k.Trial, Edition: r.Edition,
					Days: r.Days, Purpose: string(r.Purpose), Order: r.Order, Customer: r.Customer}); err != nil {
					return err
				}
				out.Keys = append(out.Keys, k)
			}
		}
		// In the order a retried order returns them.
		slices.SortFunc(out.Keys, func(a, b formats.RegistrationKey) int { return cmp.Compare(a.Serial, b.Serial) })
		return nil
	})
	if err != nil {
		return Minted{}, err
	}
	return out, nil
}

type mintEvent struct {
	RK       string `json:"rk"`
	Trial    bool   `json:"trial"`
	Edition  string `json:"edition"`
	Days     int    `json:"days"`
	Purpose  string `json:"purpose"`
	Order    string `json:"order,omitempty"`
	Customer string `json:"customer,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

func orderKeys(ctx context.Context, q queryer, order string) ([]*RegistrationKey, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+rkColumns+` FROM registration_keys WHERE order_ref = $1 ORDER BY serial`, order)
	if err != nil {
		return nil, err
	}
	return ledgerdb.ScanAll(rows, scanRK)
}

// RegistrationKey returns what the ledger knows of k; ErrNotMinted if it
// was never minted.
func (l *Ledger) RegistrationKey(ctx context.Context, k formats.RegistrationKey) (*RegistrationKey, error) {
	return getRK(ctx, l.db, k)
}

// Void makes a minted, unused key unusable, recording why.
func (l *Ledger) Void(ctx context.Context, k formats.RegistrationKey, reason string) error {
	return l.update(ctx, func(t *tx) error {
		r, err := getRK(ctx, t.sql, k)
		if err != nil {
			return err
		}
		switch r.State {
		case StateVoid:
			return nil
		case StateRegistered:
			return fmt.Errorf("%w: %s was registered as license %s; revoke that license instead", ErrUsed, k, r.License.String())
		}
		if err := t.setRKState(k, StateVoid, 0); err != nil {
			return err
		}
		_, err = t.event(eventVoided, k.Product, k.Serial, mintEvent{RK: k.String(), Trial: k.Trial, Edition: r.Edition, Days: r.Days,
			Purpose: string(r.Purpose), Order: r.Order, Customer: r.Customer, Reason: reason})
		return err
	})
}

// KeyDays returns the term in days that each of keys was sold with (0:
// the catalog's), for the keys that the ledger minted or imported; the
// others are absent. A batch calls it for every chunk, before signing, so
// it reads only that.
func (l *Ledger) KeyDays(ctx context.Context, keys []formats.RegistrationKey) (map[formats.RegistrationKey]int, error) {
	out := make(map[formats.RegistrationKey]int, len(keys))
	// A key typed with another trial flag than its serial was minted with
	// is not the key that was sold: it is absent.
	want := make(map[formats.RegistrationKey]struct{}, len(keys))
	serials := make(map[formats.Product][]int64)
	for _, k := range keys {
		want[k] = struct{}{}
		serials[k.Product] = append(serials[k.Product], int64(k.Serial))
	}
	for p, ss := range serials {
		err := ledgerdb.InLists(l.store.numbered(), ss, func(match string, args []any) error {
			q := `SELECT serial, trial, days FROM registration_keys WHERE product = $1 AND serial ` + match
			args = append([]any{p.String()}, args...)
			var rows *sql.Rows
			var err error
			if s := l.readStmt(ctx, q); s != nil {
				rows, err = s.QueryContext(ctx, args...)
			} else {
				rows, err = l.db.QueryContext(ctx, q, args...)
			}
			if err != nil {
				return err
			}
			return ledgerdb.EachRow(rows, func(rows *sql.Rows) error {
				var serial int64
				var trial, days int
				if err := rows.Scan(&serial, &trial, &days); err != nil {
					return err
				}
				k, err := formats.NewRegistrationKey(p, trial != 0, formats.Serial(serial))
				if err != nil {
					return fmt.Errorf("ledger: recorded key %s serial %d: %w", p, serial, err)
				}
				if _, ok := want[k]; ok {
					out[k] = days
				}
				return nil
			})
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// queryBySerial runs query, whose $1 is the product and whose %s is
// filled with a match of the serial column against a page of serials, and
// calls scan for each row.
func (t *tx) queryBySerial(query string, p formats.Product, serials []int64, scan func(*sql.Rows) error) error {
	return ledgerdb.InLists(t.l.store.numbered(), serials, func(match string, args []any) error {
		rows, err := t.queryW(fmt.Sprintf(query, match), append([]any{p.String()}, args...)...)
		if err != nil {
			return err
		}
		return ledgerdb.EachRow(rows, scan)
	})
}

// checkKeys compares keys read in the transaction with their events.
func (t *tx) checkKeys(keys []*RegistrationKey) error {
	serials := make(map[formats.Product][]int64)
	for _, k := range keys {
		serials[k.Key.Product] = append(serials[k.Key.Product], int64(k.Key.Serial))
	}
	for p, ss := range serials {
		evs, err := t.serialEvents(p, ss)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.Key.Product == p {
				if err := checkKey(k, evs[k.Key.Serial]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
