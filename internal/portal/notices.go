package portal

import (
	"context"
	"fmt"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/ledger"
)

// NoticeDays is how long before its maintenance ends the owner of a
// license is told: at least 60 days before maintenance ends, time enough
// to renew before updates and scans stop.
const NoticeDays = 60

// SendNotices queues a notice to the owner of each license whose
// maintenance ends within NoticeDays of today (by the portal's clock) and
// who has not been told of that expiry, and returns how many it queued.
// Each notice is marked in the ledger in the transaction that queues it,
// so that instances sending notices at once send each one once. Licenses
// with no owner, registered outside the portal, have no address to mail.
func (s *deps) sendNotices(ctx context.Context) (int, error) {
	today, err := formats.DayOf(s.now())
	if err != nil {
		return 0, err
	}
	lics, err := s.led.Expiring(ctx, today, NoticeDays)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, lic := range lics {
		if lic.Owner == "" {
			continue
		}
		id := licenseID(lic.Product, lic.Serial)
		m := ledger.Mail{To: lic.Owner, Subject: fmt.Sprintf("Maintenance of your %s license ends on %s", lic.Product, lastDay(lic.Expires)),
			Body: s.mailText("notice", mailData{License: id, Product: lic.Product.String(), Edition: lic.Edition, Until: lastDay(lic.Expires), URL: s.publicURL})}
		marked, err := s.svc.NotifyExpiry(ctx, lic, m)
		if err != nil {
			return sent, err
		}
		if marked {
			sent++
		}
	}
	if sent > 0 {
		s.kickMailer()
	}
	return sent, nil
}

// RunNotices sends the notices due at once and then every interval until
// ctx ends; an interval of 0 or less sends none.
func (s *deps) runNotices(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.sendNotices(ctx); err != nil && ctx.Err() == nil {
			s.logf("portal: sending expiry notices: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
