package portal

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// ReadyTimeout bounds the ledger check of /readyz and the outbox count of
// /metrics, so that a stuck database makes them fail rather than hang.
const ReadyTimeout = 5 * time.Second

// metrics are the portal's Prometheus metrics, in a registry of its own so
// that several servers in one process (as in tests) do not collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	issued   *prometheus.CounterVec
	minted   prometheus.Counter
}

// Kinds of code issued, the label of licmint_portal_codes_issued_total.
const (
	issuedRegistered = "registered"
	issuedRenewed    = "renewed"
	issuedReplaced   = "replaced"
)

func newMetrics(s *deps) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "licmint_http_requests_total",
		Help: "HTTP requests answered, by route pattern and status code."}, []string{"route", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "licmint_http_request_duration_seconds",
		Help: "Time to answer HTTP requests, by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"})
	m.issued = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "licmint_portal_codes_issued_total",
		Help: "Activation Codes this instance issued, by kind: registered, renewed, replaced."}, []string{"kind"})
	m.minted = prometheus.NewCounter(prometheus.CounterOpts{Name: "licmint_api_registration_keys_minted_total",
		Help: "Registration Keys this instance minted through the shop API (retried orders not counted)."})
	// The outbox is the ledger's, shared by every instance: each reports
	// the same depth.
	queue := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "licmint_mail_queue_depth",
		Help: "Messages in the ledger's mail outbox not yet sent (NaN when the ledger cannot be read)."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), ReadyTimeout)
		defer cancel()
		n, err := s.mailbox.Unsent(ctx)
		if err != nil {
			s.logf("portal: metrics: counting the outbox: %v", err)
			return math.NaN()
		}
		return float64(n)
	})
	for _, k := range []string{issuedRegistered, issuedRenewed, issuedReplaced} {
		m.issued.WithLabelValues(k) // present from the start, at 0
	}
	m.reg.MustRegister(m.requests, m.latency, m.issued, m.minted, queue,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// codeIssued counts an Activation Code issued by a portal page.
func (s *deps) codeIssued(kind string) { s.metrics.issued.WithLabelValues(kind).Inc() }

// statusWriter keeps the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// healthz answers while the process serves: it checks nothing else, so
// that a load balancer does not restart a portal whose database is down.
func (s *operations) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when this instance can serve customers: the ledger
// answers and takes writes, and the signing key is loaded; else 503 with
// what failed. The details of a failure go to the log, not the answer.
func (s *operations) readyz(w http.ResponseWriter, r *http.Request) {
	checks := map[string]string{"ledger": "ok", "key": "ok"}
	status := http.StatusOK
	ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
	defer cancel()
	if err := s.led.Ping(ctx); err != nil {
		s.logf("portal: readyz: the ledger: %v", err)
		checks["ledger"], status = "the ledger does not answer or does not take writes", http.StatusServiceUnavailable
	}
	if s.svc.Catalog() == nil { // the service has no signer
		checks["key"], status = "no signing key is loaded", http.StatusServiceUnavailable
	}
	res := "ready"
	if status != http.StatusOK {
		res = "not ready"
	}
	writeJSON(w, status, map[string]any{"status": res, "checks": checks})
}
