package portal_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/benchratio"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
)

// Bounds of the load benchmark: how many customers register at once, and
// how long a run may take before it fails rather than hang.
const (
	loadClients  = 8
	loadAccounts = 4
	loadTimeout  = 3 * time.Minute
)

// BenchmarkRegistrations measures customers registering keys through the
// portal's pages over HTTP on loopback, loadClients at once: registrations
// a second and the p50 and p99 latency of one. On SQLite, and on
// PostgreSQL with one and two instances when LICMINT_TEST_POSTGRES is
// set. Bound it with -benchtime Nx: each registration mints a key first.
//
// On Linux it reports the CPU time a registration costs: this process's
// (the portals, their mailers, the clients and the SMTP relay:
// cpu-ms/reg) and, on PostgreSQL on this host, the server's
// (db-cpu-ms/reg), and how many cores each kept busy: where the time goes
// on a machine that runs them all.
func BenchmarkRegistrations(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		loadRegistrations(b, "sqlite:"+filepath.Join(b.TempDir(), "ledger.db"), 1)
	})
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("postgres/instances=%d", n), func(b *testing.B) {
			loadRegistrations(b, ledgertest.PostgresDSN(b), n)
		})
	}
}

func loadRegistrations(b *testing.B, dsn string, instances int) {
	envs := []*env{newEnvOn(b, dsn, nil)}
	for len(envs) < instances {
		envs = append(envs, newEnvOn(b, dsn, envs[0]))
	}
	keys := envs[0].mint(b.N, false, ledger.PurposeLicense)
	type worker struct {
		e    *env
		br   *browser
		csrf string
	}
	var accounts []*browser
	for i := range loadAccounts {
		accounts = append(accounts, envs[i%instances].signup(fmt.Sprintf("load%d@example.com", i), "correct horse battery"))
	}
	var workers []worker
	for i := range loadClients {
		e, br := envs[i%instances], accounts[i%loadAccounts]
		br.get("/register")
		workers = append(workers, worker{e, br, br.csrf()})
	}
	work := make(chan formats.RegistrationKey, len(keys))
	for _, k := range keys {
		work <- k
	}
	close(work)
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	var dbCPU func() time.Duration
	if strings.HasPrefix(dsn, "postgres") {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		dbCPU = benchratio.PostgresCPU(db)
	}
	var dbCPU0 time.Duration
	if dbCPU != nil {
		dbCPU0 = dbCPU()
	}

	lat := make([][]time.Duration, len(workers))
	errs := make(chan error, len(workers))
	var wg sync.WaitGroup
	b.ResetTimer()
	start, cpu0 := time.Now(), benchratio.ProcessCPU()
	for i, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				if ctx.Err() != nil {
					errs <- fmt.Errorf("the run took over %v", loadTimeout)
					return
				}
				t0 := time.Now()
				code, body, err := raw(w.e, w.br, "/register", url.Values{"rk": {k.String()}, "csrf": {w.csrf}})
				lat[i] = append(lat[i], time.Since(t0))
				if err != nil || code != 200 || len(codeRE.FindAllString(body, -1)) != 1 {
					errs <- fmt.Errorf("registering %s: %d %v\n%s", k, code, err, body)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), benchratio.ProcessCPU()-cpu0
	b.StopTimer()
	var dbUsed time.Duration
	if dbCPU != nil {
		dbUsed = dbCPU() - dbCPU0
	}
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "regs/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	if cpu > 0 {
		b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(len(all)), "cpu-ms/reg")
		b.ReportMetric(cpu.Seconds()/elapsed.Seconds(), "cores")
	}
	if dbUsed > 0 {
		b.ReportMetric(float64(dbUsed)/float64(time.Millisecond)/float64(len(all)), "db-cpu-ms/reg")
		b.ReportMetric(dbUsed.Seconds()/elapsed.Seconds(), "db-cores")
	}
}
