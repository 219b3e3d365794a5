package ledgerdb

import (
	"fmt"
	"time"
)

// The outbox's events.
const (
	EventMailQueued = "mail_queued"
	EventMailSent   = "mail_sent"
	EventMailFailed = "mail_failed"
)

// Mail is a message in the outbox. The ledger queues mail in the
// transaction that records what the mail tells (a code, an account's
// link), so that what is recorded is mailed, with one commit.
type Mail struct {
	ID int64
	// MessageID is the message's Message-ID header, with its angle
	// brackets, fixed when it is queued: the same on every attempt, so
	// that a message sent again after a crash can be told from a new one.
	MessageID   string
	To          string
	Subject     string
	Body        string // empty once sent: a sent message's links stay only in the mailbox
	Queued      time.Time
	Attempts    int
	NextAttempt time.Time
	LastError   string
	Sent        time.Time // zero until sent
}

// MailEvent is the body of the outbox's events.
type MailEvent struct {
	MailID  int64  `json:"mail_id"`
	To      string `json:"to,omitempty"`
	Subject string `json:"subject,omitempty"`
	Error   string `json:"error,omitempty"`
	Retry   string `json:"retry_at,omitempty"`
}

// QueueMail puts messages in the outbox within t, due at once, each with
// its Message-ID.
func QueueMail(t Tx, mail []Mail) error {
	if len(mail) == 0 {
		return nil
	}
	var ledgerID string
	if err := t.SQL().QueryRowContext(t.Context(), `SELECT value FROM ledger_meta WHERE key = 'ledger_id'`).Scan(&ledgerID); err != nil {
		return fmt.Errorf("ledger: the ledger's id, which Message-IDs are made of: %w", err)
	}
	for _, m := range mail {
		var id int64
		if err := t.SQL().QueryRowContext(t.Context(), `INSERT INTO mail_outbox (recipient, subject, body, queued_at, attempts, next_attempt, last_error)
VALUES ($1, $2, $3, $4, 0, $4, '') RETURNING id`, m.To, m.Subject, m.Body, FormatTime(t.At())).Scan(&id); err != nil {
			return err
		}
		if err := Exec(t, `UPDATE mail_outbox SET message_id = $1 WHERE id = $2`, MessageID(id, ledgerID), id); err != nil {
			return err
		}
		if err := t.Event(EventMailQueued, MailEvent{MailID: id, To: m.To, Subject: m.Subject}); err != nil {
			return err
		}
	}
	return nil
}

// MessageID is the Message-ID of outbox message id of the ledger whose
// random id (in ledger_meta, made by schema 8) is ledgerID: unique across
// ledgers, and the same however often the message is sent. Schema 8's
// migration writes the same for the messages queued before it.
func MessageID(id int64, ledgerID string) string {
	return fmt.Sprintf("<%d.%s@licmint>", id, ledgerID)
}
