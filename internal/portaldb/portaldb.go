// Package portaldb keeps the portal's records beside the ledger's, in its
// database (schemas 2 and 5): customer accounts and their one-time tokens,
// staff users with their TOTP secrets, the sessions of both, shop API
// tokens, rate-limit counters, the mail outbox and the portal's secrets.
// Several portal instances on one database share them. Changes run in the
// ledger's transactions and are events of its chain, as the ledger's own
// are. It stores no secret of a user: callers hand it password hashes and
// the SHA-256 of tokens and session ids, never the values themselves.
//
// One package with a small type per record, not one package each: customer
// and staff sessions are one implementation over two tables, and accounts
// queue their mail in the outbox within their own transactions.
package portaldb

import (
	"time"

	"github.com/licmint/licmint/ledger"
)

// Mail is a message in the outbox: the ledger's, which queues it too.
type Mail = ledger.Mail

// parseTime reads a time as the ledger's tables store it; a malformed one
// reads as zero, as the ledger's own records do.
func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
