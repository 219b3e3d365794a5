package ledger

import (
	"context"
	"encoding/json"

	"github.com/licmint/licmint/internal/ledgerdb"
)

// Mail is a message in the outbox, which the ledger fills in the
// transaction that records what the message tells: a code recorded is a
// code mailed, with one commit.
type Mail = ledgerdb.Mail

// caller is who asks for a change: recorded as the actor of its events,
// with the client's IP address, in place of the Ledger's actor.
type caller struct {
	Actor string
	IP    string
}

type clientKey struct{}

// WithClient returns a context whose changes are recorded as made by
// actor (an account's email, or "portal") from the IP address ip.
func WithClient(ctx context.Context, actor, ip string) context.Context {
	return context.WithValue(ctx, clientKey{}, caller{Actor: actor, IP: ip})
}

func clientOf(ctx context.Context) (caller, bool) {
	c, ok := ctx.Value(clientKey{}).(caller)
	return c, ok && c.Actor != ""
}

// withClientIP adds the client's address as the last member of an event
// body, so that it is covered by the chain's hash like the rest.
func withClientIP(body []byte, ip string) []byte {
	b, _ := json.Marshal(ip)
	return append(append(body[:len(body)-1], `,"client_ip":`...), append(b, '}')...)
}

// client is whom the transaction acts for: the registration being
// recorded in a group commit, or the context's client.
func (t *tx) client() (caller, bool) {
	if t.by != nil {
		return *t.by, t.by.Actor != ""
	}
	return clientOf(t.ctx)
}

// actor is who the transaction's events are recorded for.
func (t *tx) actor() string {
	if c, ok := t.client(); ok {
		return c.Actor
	}
	return t.l.actor
}
