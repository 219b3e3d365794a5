package ledgerdb

import (
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
	ID          int64
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

// QueueMail puts messages in the outbox within t, due at once.
func QueueMail(t Tx, mail []Mail) error {
	for _, m := range mail {
		var id int64
		if err := t.SQL().QueryRowContext(t.Context(), `INSERT INTO mail_outbox (recipient, subject, body, queued_at, attempts, next_attempt, last_error)
VALUES ($1, $2, $3, $4, 0, $4, '') RETURNING id`, m.To, m.Subject, m.Body, FormatTime(t.At())).Scan(&id); err != nil {
			return err
		}
		if err := t.Event(EventMailQueued, MailEvent{MailID: id, To: m.To, Subject: m.Subject}); err != nil {
			return err
		}
	}
	return nil
}
