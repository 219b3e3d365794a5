// Package issuance is the vendor's side of licensing as one service, shared
// by the CLI and the portal: minting Registration Keys, signing them into
// Activation Codes (FORMAT.md), renewing, replacing and revoking, under the
// rules of the issuance ledger (docs/ledger.md) when there is one.
package issuance

import (
	"context"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
	"github.com/licmint/licmint/verifier/licjwt"
)

// Service issues codes with a signer and records them in a ledger.
type Service struct {
	signer *signer.Signer
	ledger *ledger.Ledger
}

// New returns a Service signing with s. l may be nil: then nothing is
// recorded and no rule that needs a record applies, as licmint works with
// no ledger.
func New(s *signer.Signer, l *ledger.Ledger) *Service { return &Service{signer: s, ledger: l} }

// Catalog returns the catalog the service signs for: the products and
// editions it sells.
// It is nil when the service has no signer.
func (s *Service) Catalog() *catalog.Catalog {
	if s.signer == nil {
		return nil
	}
	return s.signer.Catalog()
}

// ErrNoLedger: the operation needs a ledger.
var ErrNoLedger = errors.New("issuance: this needs a ledger")

// Mint makes new Registration Keys in the ledger.
func (s *Service) Mint(ctx context.Context, r ledger.MintRequest) (ledger.Minted, error) {
	return Mint(ctx, s.ledger, s.signer.Catalog(), r)
}

// Mint makes new Registration Keys in l for an edition that cat sells:
// keys for anything else could never be signed. It needs no signing key.
func Mint(ctx context.Context, l *ledger.Ledger, cat *catalog.Catalog, r ledger.MintRequest) (ledger.Minted, error) {
	if l == nil {
		return ledger.Minted{}, ErrNoLedger
	}
	p, err := cat.Product(r.Product.String())
	if err != nil {
		return ledger.Minted{}, err
	}
	if _, err := p.Edition(r.Edition); err != nil {
		return ledger.Minted{}, err
	}
	if r.Days == 0 {
		// The catalog's term, recorded with the key, so that the ledger
		// holds every signing of it to the term it was sold with.
		r.Days = p.Maintenance()
		if r.Trial {
			r.Days = p.Trial()
		}
	}
	return l.Mint(ctx, r)
}

// Registration asks for a Registration Key's Activation Code.
type Registration struct {
	signer.Registration
	// Token also makes a JWT license token.
	Token bool
	// Owner is the account the license is registered to, if any.
	Owner string
	// OwnerAccount, with a ledger, refuses the registration with
	// ledger.ErrNoAccount unless Owner is a portal account when the
	// code is recorded (see ledger.Registration).
	OwnerAccount bool
	// AllowUnminted records a key the ledger never minted, as imported,
	// instead of refusing it.
	AllowUnminted bool
	// Mail, with a ledger, makes the messages that tell the owner of the
	// code signed for reg (its edition and term filled in). They are
	// queued in the ledger's outbox by the transaction that records the
	// code, and only if it does: none for a key registered already.
	Mail func(reg *signer.Registration, is Issued) []ledger.Mail
}

// Issued is a code the service issued or found.
type Issued struct {
	Code formats.ActivationCode
	JWT  string
	// Existing is set when the key was already registered on the same
	// terms, or, for Renew, the code had been renewed already: Code is the
	// license's current code, and nothing was signed.
	Existing bool
	// License is the ledger's record, with a ledger.
	License *ledger.License
}

// Register signs r's code. With a ledger, the key must have been minted
// (or AllowUnminted set), and a key minted with an edition and a term is
// signed with them unless r gives its own, which must then agree.
func (s *Service) Register(ctx context.Context, r *Registration) (Issued, error) {
	out, err := s.RegisterBatch(ctx, []*Registration{r})
	if err != nil {
		return Issued{}, err
	}
	return out[0].Issued, out[0].Err
}

// Result is the outcome of one registration of a batch.
type Result struct {
	Issued
	Err error
}

// RegisterBatch registers each of regs, as Register does, recording them
// in the ledger together. Each result has its own error; the error
// returned is for the ledger failing.
func (s *Service) RegisterBatch(ctx context.Context, regs []*Registration) ([]Result, error) {
	out := make([]Result, len(regs))
	var rows []ledger.Registration
	var at []int
	for i, r := range regs {
		reg := r.Registration
		if s.ledger != nil {
			if err := s.applyMinted(ctx, &reg, r.AllowUnminted); err != nil {
				out[i].Err = err
				continue
			}
		}
		var is Issued
		var err error
		if r.Token {
			is.Code, is.JWT, err = s.signer.SignToken(&reg)
		} else {
			is.Code, err = s.signer.Sign(&reg)
		}
		if err != nil {
			out[i].Err = err
			continue
		}
		out[i].Issued = is
		if s.ledger != nil {
			rows = append(rows, ledger.Registration{RK: reg.RK, Edition: reg.Edition, Owner: r.Owner,
				Issue:         ledger.Issue{Code: is.Code, JWT: is.JWT, InstallID: reg.InstallID},
				Customer:      reg.Customer["customer"],
				Order:         reg.Customer["order"],
				AllowUnminted: r.AllowUnminted, OwnerAccount: r.OwnerAccount})
			if r.Mail != nil {
				rows[len(rows)-1].Mail = r.Mail(&reg, is)
			}
			at = append(at, i)
		}
	}
	if len(rows) == 0 {
		return out, nil
	}
	recorded, err := s.ledger.Register(ctx, rows)
	for j, rec := range recorded {
		i := at[j]
		switch {
		case rec.Err != nil:
			out[i] = Result{Err: rec.Err}
		case rec.Existing:
			code, perr := formats.ParseActivationCode(rec.Code.Code)
			if perr != nil {
				out[i] = Result{Err: fmt.Errorf("issuance: the ledger's code for %s: %w", rows[j].RK, perr)}
				continue
			}
			is := Issued{Code: code, JWT: rec.Code.JWT, Existing: true, License: rec.License}
			if regs[i].Token && is.JWT == "" {
				// First signed without a token: make the one asked for now,
				// and record it, as it would have been then.
				if is.JWT, perr = s.recordToken(ctx, code, rec.License, regs[i].Customer); perr != nil {
					out[i] = Result{Err: perr}
					continue
				}
			}
			out[i] = Result{Issued: is}
		default:
			out[i].License = rec.License
		}
	}
	return out, err
}

// recordToken makes the JWT license token of a code the ledger issued
// without one, and records it; the ledger answers with the token on
// record, which another host may have made first.
func (s *Service) recordToken(ctx context.Context, code formats.ActivationCode, lic *ledger.License, customer map[string]string) (string, error) {
	installID := ""
	if lic != nil {
		installID = lic.InstallID
	}
	tok, err := s.signer.Token(code, installID, customer)
	if err != nil {
		return "", err
	}
	return s.ledger.RecordToken(ctx, code, tok)
}

// nextToken makes the token of a renewed or replaced code c when one is
// asked for or the code it follows had one (a license used as a token
// stays one), with the customer claims of that earlier token.
func (s *Service) nextToken(c formats.ActivationCode, installID string, asked bool, prev string) (string, error) {
	if !asked && prev == "" {
		return "", nil
	}
	var customer map[string]string
	if prev != "" {
		var claims licjwt.Claims
		// The token is the ledger's own record, signed by the vendor:
		// only its customer claims are carried over.
		if _, _, err := jwt.NewParser().ParseUnverified(prev, &claims); err == nil {
			customer = claims.Customer
		}
	}
	return s.signer.Token(c, installID, customer)
}

// applyMinted fills in the edition and term a key was minted with, and
// refuses a key the ledger does not know unless allowUnminted.
func (s *Service) applyMinted(ctx context.Context, reg *signer.Registration, allowUnminted bool) error {
	rk, err := s.ledger.RegistrationKey(ctx, reg.RK)
	if errors.Is(err, ledger.ErrNotMinted) && allowUnminted {
		return nil
	}
	if err != nil {
		return err
	}
	if reg.Edition == "" {
		reg.Edition = rk.Edition
	}
	if rk.Days > 0 && reg.Days == 0 && reg.Expires == 0 {
		reg.Days = rk.Days
	}
	return nil
}

// BatchRecorder returns the batch.Recorder that applies the ledger's rules
// to a batch: a key's sold terms filled in before signing, and each code
// recorded before its row is written, a key already registered on the
// same terms getting its recorded code. The chunks are recorded with
// ledger.Ledger.RegisterDeferred, which does not wait for the disk, and
// made durable when the batch is done, before batch.Run returns: a row a
// writer has passed on before then may be lost by a crash of the machine
// (not of the process), so show the output once Run returns, as licmint's
// atomically written files do. Without a ledger it returns nil, which
// records nothing.
func (s *Service) BatchRecorder(allowUnminted bool) *BatchRecorder {
	if s.ledger == nil {
		return nil
	}
	return &BatchRecorder{s: s, allowUnminted: allowUnminted}
}

// A BatchRecorder records a batch's codes in the ledger: see
// Service.BatchRecorder. It is a batch.Recorder. A nil *BatchRecorder,
// which a Service without a ledger returns, records nothing: passed to
// batch.WithRecorder it is a non-nil Recorder, and must not fail the batch.
type BatchRecorder struct {
	s             *Service
	allowUnminted bool
}

// Prepare fills in the terms each key was minted with, and refuses a key
// the ledger never minted unless allowed.
func (b *BatchRecorder) Prepare(ctx context.Context, regs []*signer.Registration) ([]error, error) {
	if b == nil {
		return nil, nil
	}
	keys := make([]formats.RegistrationKey, len(regs))
	for i, r := range regs {
		keys[i] = r.RK
	}
	known, err := b.s.ledger.KeyDays(ctx, keys)
	if err != nil {
		// The ledger failing is no fault of the rows: the batch
		// stops, and a rerun signs them.
		return nil, fmt.Errorf("issuance: reading the keys' terms from the ledger: %w", err)
	}
	errs := make([]error, len(regs))
	for i, r := range regs {
		days, ok := known[r.RK]
		switch {
		case !ok && !b.allowUnminted:
			errs[i] = &signer.FieldError{Field: "rk", Err: fmt.Errorf("%w: %s", ledger.ErrNotMinted, r.RK)}
		case ok && days > 0 && r.Days == 0 && r.Expires == 0:
			r.Days = days
		}
	}
	return errs, nil
}

// Record records the signed codes; a key already registered on the same
// terms gets its recorded code instead.
func (b *BatchRecorder) Record(ctx context.Context, regs []*signer.Registration, codes []formats.ActivationCode, jwts []string) ([]error, error) {
	if b == nil {
		return nil, nil
	}
	s := b.s
	lregs := make([]ledger.Registration, len(regs))
	for i, r := range regs {
		lregs[i] = ledger.Registration{RK: r.RK, Edition: r.Edition,
			Issue:    ledger.Issue{Code: codes[i], JWT: jwts[i], InstallID: r.InstallID},
			Customer: r.Customer["customer"], Order: r.Customer["order"], AllowUnminted: b.allowUnminted}
	}
	recorded, err := s.ledger.RegisterDeferred(ctx, lregs)
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(regs))
	for i, rec := range recorded {
		switch {
		case rec.Err != nil:
			errs[i] = &signer.FieldError{Field: "rk", Err: rec.Err}
		case rec.Existing:
			code, err := formats.ParseActivationCode(rec.Code.Code)
			if err != nil {
				return nil, fmt.Errorf("issuance: the ledger's code for %s: %w", lregs[i].RK, err)
			}
			jwt := rec.Code.JWT
			if jwts[i] != "" && jwt == "" {
				if jwt, err = s.recordToken(ctx, code, rec.License, regs[i].Customer); err != nil {
					errs[i] = &signer.FieldError{Field: "rk", Err: err}
					continue
				}
			}
			codes[i], jwts[i] = code, jwt
		}
	}
	return errs, nil
}

// RecordRows is how many rows the ledger records best at once.
func (b *BatchRecorder) RecordRows() int {
	if b == nil {
		return 0
	}
	return b.s.ledger.DeferredRows()
}

// Done makes what the batch recorded durable (ledger.Ledger.Sync).
func (b *BatchRecorder) Done(ctx context.Context) error {
	if b == nil {
		return nil
	}
	return b.s.ledger.Sync(ctx)
}

// Renewal asks to extend a license.
type Renewal struct {
	// Code is the customer's current code, which must be authentic.
	Code formats.ActivationCode
	signer.Renewal
	// Key is the renewal Registration Key that pays for it, if any: with
	// a ledger it must have been minted for renewals, and its term is used
	// unless Days is set.
	Key *formats.RegistrationKey
	// Owner, if set, must own the license.
	Owner string
	// Token also makes the renewed code's JWT license token. With a
	// ledger, a license whose current code has a token gets one anyway.
	Token bool
	// Mail, with a ledger, makes the messages queued in the transaction
	// that records the renewed code (not for a renewal on record already).
	Mail func(is Issued) []ledger.Mail
}

// Renew extends a license. With a ledger, the code's generation must be
// the license's current one and the license not revoked, and the renewal
// extends the ledger's current code, which may be newer than the one the
// customer holds.
func (s *Service) Renew(ctx context.Context, r *Renewal) (Issued, error) {
	if err := signer.CheckRenewable(r.Code); err != nil {
		return Issued{}, err
	}
	if s.ledger == nil {
		if r.Key != nil {
			return Issued{}, fmt.Errorf("%w: a renewal key is checked against the ledger", ErrNoLedger)
		}
		c, err := s.signer.Renew(r.Code, r.Renewal)
		if err != nil || !r.Token {
			return Issued{Code: c}, err
		}
		tok, err := s.signer.Token(c, r.InstallID, nil)
		return Issued{Code: c, JWT: tok}, err
	}
	// Authentic before anything is recorded; the result is discarded if
	// the ledger holds a newer code of the generation.
	candidate, err := s.signer.Renew(r.Code, r.Renewal)
	if err != nil {
		return Issued{}, err
	}
	if err := s.recorded(ctx, r.Code); err != nil {
		return Issued{}, err
	}
	var renewedSince *ledger.Code
	var signed formats.ActivationCode // by the sign func below
	ren := ledger.Renewal{Product: r.Code.Product, Serial: r.Code.Serial, Generation: r.Code.Generation, RenewalKey: r.Key, Owner: r.Owner}
	if r.Mail != nil {
		ren.Mail = func(lic *ledger.License, code *ledger.Code) []ledger.Mail {
			return r.Mail(Issued{Code: signed, JWT: code.JWT, License: lic})
		}
	}
	lic, code, err := s.ledger.Renew(ctx, ren,
		func(lic *ledger.License, cur *ledger.Code, key *ledger.RegistrationKey) (ledger.Issue, error) {
			if key == nil && cur.Code != r.Code.String() && cur.Expires > r.Code.Expires {
				// The code was renewed already (the same request sent
				// twice, or an old code): the answer is the renewal on
				// record, not another year. A renewal key pays for one.
				renewedSince = cur
				return ledger.Issue{}, errRenewedSince
			}
			opts := r.Renewal
			opts.InstallID = lic.InstallID
			if key != nil && key.Days > 0 && r.Days == 0 {
				opts.Days = key.Days
			}
			c := candidate
			if cur.Code != r.Code.String() || opts.Days != r.Days {
				from, err := formats.ParseActivationCode(cur.Code)
				if err != nil {
					return ledger.Issue{}, err
				}
				if c, err = s.signer.Renew(from, opts); err != nil {
					return ledger.Issue{}, err
				}
			}
			tok, err := s.nextToken(c, lic.InstallID, r.Token, cur.JWT)
			if err != nil {
				return ledger.Issue{}, err
			}
			signed = c
			return ledger.Issue{Code: c, JWT: tok, InstallID: lic.InstallID}, nil
		})
	if errors.Is(err, errRenewedSince) {
		if lic, err = s.ledger.License(ctx, r.Code.Product, r.Code.Serial); err != nil {
			return Issued{}, err
		}
		c, err := formats.ParseActivationCode(renewedSince.Code)
		return Issued{Code: c, JWT: renewedSince.JWT, License: lic, Existing: true}, err
	}
	if err != nil {
		return Issued{}, err
	}
	c, err := formats.ParseActivationCode(code.Code)
	return Issued{Code: c, JWT: code.JWT, License: lic}, err
}

// Current returns the current code of the license whose code a product
// presents: the newest code of that generation on record, renewed since
// or the same, with its JWT if any, and Existing set. This is how a
// product that is online picks up a renewal without its user entering a
// new code. The code must
// be authentic (signer.Signer.Authenticate, with installID for a bound
// code), one the ledger recorded (else ledger.ErrNoLicense), and be of
// the license's current generation: a replaced
// generation is ledger.ErrSuperseded, as its holder may be the thief the
// replacement was for, and a revoked license is ledger.ErrRevoked. Nothing
// is recorded.
func (s *Service) Current(ctx context.Context, code formats.ActivationCode, installID string) (Issued, error) {
	if s.ledger == nil {
		return Issued{}, ErrNoLedger
	}
	if err := s.signer.Authenticate(code, installID); err != nil {
		return Issued{}, err
	}
	lic, err := s.ledger.License(ctx, code.Product, code.Serial)
	if err != nil {
		return Issued{}, err
	}
	if err := s.recorded(ctx, code); err != nil {
		return Issued{}, err
	}
	switch {
	case code.Generation > lic.Generation:
		return Issued{}, fmt.Errorf("%w: the code is generation %d, and the ledger knows generations up to %d only", ledger.ErrNoLicense, code.Generation, lic.Generation)
	case code.Generation < lic.Generation:
		return Issued{}, fmt.Errorf("%w: the code is generation %d, and license %s is at generation %d", ledger.ErrSuperseded, code.Generation, lic.Serial, lic.Generation)
	case lic.RevokesCurrent():
		return Issued{}, fmt.Errorf("%w: license %s: %s", ledger.ErrRevoked, lic.Serial, lic.RevokeReason)
	}
	cur, err := s.ledger.CurrentCode(ctx, lic)
	if err != nil {
		return Issued{}, err
	}
	c, err := formats.ParseActivationCode(cur.Code)
	if err != nil {
		return Issued{}, fmt.Errorf("issuance: the ledger's code for %s serial %s: %w", lic.Product, lic.Serial, err)
	}
	return Issued{Code: c, JWT: cur.JWT, Existing: true, License: lic}, nil
}

// recorded refuses, as ledger.ErrNoLicense, an authentic code that the
// ledger did not issue: signed with the key elsewhere (offline, or by
// another ledger), it may carry the serial of one of the ledger's
// licenses, and is still no code of that license.
func (s *Service) recorded(ctx context.Context, c formats.ActivationCode) error {
	ok, err := s.ledger.Recorded(ctx, c)
	if err == nil && !ok {
		err = fmt.Errorf("%w: the code is not one the ledger issued for %s serial %s; a code signed without the ledger is recorded with 'licmint ledger import' first",
			ledger.ErrNoLicense, c.Product, c.Serial)
	}
	return err
}

// errRenewedSince stops a renewal of a code that the ledger has renewed
// since: nothing is recorded, and Renew answers with the renewal on record.
var errRenewedSince = errors.New("issuance: renewed since")

// Replacement asks for a license's next generation.
type Replacement struct {
	// Code is the code to replace. With a ledger it may be left zero and
	// the license named by Product and Serial: the ledger's current code
	// is replaced.
	Code      *formats.ActivationCode
	Product   formats.Product
	Serial    formats.Serial
	InstallID string
	// RevokeOld also revokes the earlier generations (with a ledger: on
	// the next revocation list).
	RevokeOld bool
	Reason    string
	// Owner, if set, must own the license; NewOwner moves it, with
	// NewOwnerAccount only to a portal account's login id
	// (ledger.Replacement).
	Owner, NewOwner string
	NewOwnerAccount bool
	// Token also makes the new code's JWT license token. With a ledger, a
	// license whose current code has a token gets one anyway, with that
	// token's customer claims unless the license moves to a new owner.
	Token bool
	// Mail, with a ledger, makes the messages queued in the transaction
	// that records the replacement: to the owner, and, for a move, to
	// from, the owner before it.
	Mail func(from string, is Issued) []ledger.Mail
}

// Replace issues the next generation of a license, as for a stolen code.
// With a ledger the generation comes from the ledger, so that no two hosts
// issue the same one.
func (s *Service) Replace(ctx context.Context, r *Replacement) (Issued, error) {
	if s.ledger == nil {
		if r.Code == nil {
			return Issued{}, fmt.Errorf("%w: without one, give the code to replace", ErrNoLedger)
		}
		c, err := s.signer.Replace(*r.Code, r.InstallID)
		if err != nil || !r.Token {
			return Issued{Code: c}, err
		}
		tok, err := s.signer.Token(c, r.InstallID, nil)
		return Issued{Code: c, JWT: tok}, err
	}
	p, serial := r.Product, r.Serial
	if r.Code != nil {
		p, serial = r.Code.Product, r.Code.Serial
		// Authentic before anything is recorded.
		if err := signer.CheckReplaceable(*r.Code); err != nil {
			return Issued{}, err
		}
		if _, err := s.signer.Replace(*r.Code, r.InstallID); err != nil {
			return Issued{}, err
		}
		if err := s.recorded(ctx, *r.Code); err != nil {
			return Issued{}, err
		}
	}
	rep := ledger.Replacement{Product: p, Serial: serial, RevokeOld: r.RevokeOld, Reason: r.Reason, Owner: r.Owner,
		NewOwner: r.NewOwner, NewOwnerAccount: r.NewOwnerAccount}
	if r.Code != nil {
		rep.Generation, rep.CheckGeneration = r.Code.Generation, true
	}
	var signed formats.ActivationCode // by the sign func below
	if r.Mail != nil {
		rep.Mail = func(from string, lic *ledger.License, code *ledger.Code) []ledger.Mail {
			return r.Mail(from, Issued{Code: signed, JWT: code.JWT, License: lic})
		}
	}
	lic, code, err := s.ledger.Replace(ctx, rep,
		func(lic *ledger.License, cur *ledger.Code, next uint8) (ledger.Issue, error) {
			from, err := formats.ParseActivationCode(cur.Code)
			if err != nil {
				return ledger.Issue{}, err
			}
			c, err := s.signer.Replace(from, lic.InstallID)
			if err != nil {
				return ledger.Issue{}, err
			}
			asked, prev := r.Token, cur.JWT
			if r.NewOwner != "" && r.NewOwner != lic.Owner && prev != "" {
				// Moved: still a token, but the earlier one's customer
				// claims are the previous licensee's, not the new owner's.
				asked, prev = true, ""
			}
			tok, err := s.nextToken(c, lic.InstallID, asked, prev)
			signed = c
			return ledger.Issue{Code: c, JWT: tok, InstallID: lic.InstallID}, err
		})
	if err != nil {
		return Issued{}, err
	}
	c, err := formats.ParseActivationCode(code.Code)
	return Issued{Code: c, JWT: code.JWT, License: lic}, err
}

// ListRequest asks for a revocation list.
type ListRequest struct {
	Product formats.Product
	// Entries are revoked now (with a ledger, recorded first).
	Entries []revocation.Entry
	Reason  string
	// Seq and Issued are for lists made without a ledger; with one, the
	// ledger numbers the lists and the day is today. A nil Issued means
	// today by the signer's clock.
	Seq    uint64
	Issued *formats.Day
}

// RevocationList makes a signed revocation list. With a ledger, the
// entries are recorded as revocations and the list holds every revocation
// of the product, under the next sequence number.
func (s *Service) RevocationList(ctx context.Context, r *ListRequest) (seq uint64, list []byte, err error) {
	if s.ledger == nil {
		list, err = s.signer.RevocationList(r.Product, r.Seq, r.Issued, r.Entries)
		return r.Seq, list, err
	}
	if r.Seq != 0 {
		return 0, nil, errors.New("issuance: with a ledger, the ledger numbers the lists: give no sequence number")
	}
	reason := r.Reason
	if reason == "" {
		reason = "revoked"
	}
	l, err := s.ledger.RevokeAndIssueList(ctx, r.Product, r.Entries, reason, func(seq uint64, entries []revocation.Entry) ([]byte, error) {
		return s.signer.RevocationList(r.Product, seq, r.Issued, entries)
	})
	if err != nil {
		return 0, nil, err
	}
	return l.Seq, l.List, nil
}

// ResetCode signs a reset code that clears the clock_rollback lock at
// remembered for the install installID of a license (signer.ResetCode),
// and, with a ledger, records that it was issued for the license, whose
// serial must be known. The code is a credential: the ledger keeps only
// its hash.
func (s *Service) ResetCode(ctx context.Context, p formats.Product, serial formats.Serial, installID string, remembered formats.Day) (formats.ResetCode, error) {
	if s.ledger != nil {
		// Known before anything is signed.
		if _, err := s.ledger.License(ctx, p, serial); err != nil {
			return formats.ResetCode{}, err
		}
	}
	c, err := s.signer.ResetCode(p, installID, remembered)
	if err != nil || s.ledger == nil {
		return c, err
	}
	if err := s.ledger.RecordResetCode(ctx, p, serial, installID, c.Remembered, c.Issued, c.String()); err != nil {
		return formats.ResetCode{}, err
	}
	return c, nil
}

// Revoke revokes every generation of a license, for the next revocation
// list, recording why. Revoking what is already revoked changes nothing.
// A license the ledger does not have is ledger.ErrNoLicense.
func (s *Service) Revoke(ctx context.Context, p formats.Product, serial formats.Serial, reason string, notices ...ledger.Notice) (*ledger.License, error) {
	if s.ledger == nil {
		return nil, ErrNoLedger
	}
	return s.ledger.Revoke(ctx, p, serial, 0, reason, notices...)
}

// Void makes a minted, unused Registration Key unusable, as for a refunded
// order, recording why. A key registered or used since is ledger.ErrUsed:
// its license is revoked instead.
func (s *Service) Void(ctx context.Context, k formats.RegistrationKey, reason string) error {
	if s.ledger == nil {
		return ErrNoLedger
	}
	return s.ledger.Void(ctx, k, reason)
}

// ResendCode queues mail carrying a license's current code to its owner,
// recorded with the license's history in one transaction; mail makes the
// message from the license and its current code. A license with no owner
// account is ledger.ErrNoAccount, and one whose current code is revoked
// ledger.ErrRevoked: that code no longer works.
func (s *Service) ResendCode(ctx context.Context, p formats.Product, serial formats.Serial, mail func(lic *ledger.License, cur *ledger.Code) ledger.Mail) error {
	if s.ledger == nil {
		return ErrNoLedger
	}
	lic, err := s.ledger.License(ctx, p, serial)
	if err != nil {
		return err
	}
	switch {
	case lic.Owner == "":
		return fmt.Errorf("%w: %s serial %s has no owner account to mail", ledger.ErrNoAccount, p, serial)
	case lic.RevokesCurrent():
		return fmt.Errorf("%w: %s serial %s: %s", ledger.ErrRevoked, p, serial, lic.RevokeReason)
	}
	cur, err := s.ledger.CurrentCode(ctx, lic)
	if err != nil {
		return err
	}
	// The ledger checks the owner and the revocation again in the
	// transaction that queues the mail.
	return s.ledger.ResendCode(ctx, p, serial, mail(lic, cur))
}

// NotifyExpiry queues mail telling a license's owner that its
// maintenance ends, and marks the license told of that expiry, in one
// transaction: once per expiry. It reports false, and queues nothing, when
// the expiry was told already (as when two hosts send notices at once) or
// the license's expiry has changed since lic was read.
func (s *Service) NotifyExpiry(ctx context.Context, lic *ledger.License, m ledger.Mail) (bool, error) {
	if s.ledger == nil {
		return false, ErrNoLedger
	}
	return s.ledger.MarkNotified(ctx, lic.Product, lic.Serial, lic.Expires, lic.Owner, m)
}
