package ledger_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/revocation"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
)

// workerEnv makes the test binary a worker process of TestProcesses
// instead of running tests: "DSN SERIAL KEYS…".
const workerEnv = "LICMINT_LEDGER_TEST_WORKER"

const (
	workers       = 4
	perWorker     = 6 // replacements and lists per worker
	keysPerWorker = 42
)

func TestMain(m *testing.M) {
	if arg := os.Getenv(workerEnv); arg != "" {
		if err := worker(arg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// worker replaces one shared license, issues revocation lists and
// registers its own keys, interleaved, as a signing host would.
func worker(arg string) error {
	f := strings.Fields(arg)
	ctx := context.Background()
	l, err := ledger.Open(ctx, f[0], ledger.WithNow(clock), ledger.WithActor("worker-"+strconv.Itoa(os.Getpid())))
	if err != nil {
		return err
	}
	defer l.Close()
	serial, _ := strconv.ParseUint(f[1], 10, 64)
	s, err := newSigner()
	if err != nil {
		return err
	}
	var regs []ledger.Registration
	for _, text := range f[2:] {
		k, err := formats.ParseRegistrationKey(text)
		if err != nil {
			return err
		}
		c, err := s.Sign(&signer.Registration{RK: k, Edition: "standard"})
		if err != nil {
			return err
		}
		regs = append(regs, ledger.Registration{RK: k, Edition: "standard", Issue: ledger.Issue{Code: c}})
	}
	chunk := len(regs) / perWorker
	for i := 0; i < perWorker; i++ {
		if _, _, err := l.Replace(ctx, ledger.Replacement{Product: pc, Serial: formats.Serial(serial), RevokeOld: true, Reason: "stolen"},
			func(lic *ledger.License, cur *ledger.Code, next uint8) (ledger.Issue, error) {
				old, err := formats.ParseActivationCode(cur.Code)
				if err != nil {
					return ledger.Issue{}, err
				}
				c, err := s.Replace(old, "")
				return ledger.Issue{Code: c}, err
			}); err != nil {
			return fmt.Errorf("replace: %w", err)
		}
		if _, err := l.RevokeAndIssueList(ctx, pc, nil, "", func(seq uint64, e []revocation.Entry) ([]byte, error) {
			return s.RevocationList(pc, seq, nil, e)
		}); err != nil {
			return fmt.Errorf("list: %w", err)
		}
		res, err := l.Register(ctx, regs[i*chunk:(i+1)*chunk])
		if err != nil {
			return fmt.Errorf("register: %w", err)
		}
		for _, r := range res {
			if r.Err != nil {
				return r.Err
			}
		}
	}
	return nil
}

// TestProcesses runs several processes on one ledger at once: each
// generation is handed out once, each list sequence once, every event is
// kept, and the chain verifies.
func TestProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l, s := open(t, dsn), testSigner(t)
		shared := mint(t, l, ledger.MintRequest{})[0]
		register(t, l, reg(t, s, shared, "standard", ""))
		keys := mint(t, l, ledger.MintRequest{Count: workers * keysPerWorker})
		before, _ := l.Head(ctx)

		var wg sync.WaitGroup
		errs := make([]error, workers)
		for w := 0; w < workers; w++ {
			arg := []string{dsn, strconv.FormatUint(uint64(shared.Serial), 10)}
			for _, k := range keys[w*keysPerWorker : (w+1)*keysPerWorker] {
				arg = append(arg, k.String())
			}
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), workerEnv+"="+strings.Join(arg, " "))
			wg.Add(1)
			go func() {
				defer wg.Done()
				if out, err := cmd.CombinedOutput(); err != nil {
					errs[w] = fmt.Errorf("worker %d: %v: %s", w, err, out)
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		const n = workers * perWorker
		lic, err := l.License(ctx, pc, shared.Serial)
		if err != nil || lic.Generation != n || lic.RevokedBelow != n {
			t.Fatalf("after %d replacements: %+v %v", n, lic, err)
		}
		hs, err := l.Find(ctx, ledger.Query{Product: pc, Serial: shared.Serial})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range hs[0].Codes {
			if int(c.Generation) != i {
				t.Fatalf("code %d has generation %d", i, c.Generation)
			}
		}
		latest, err := l.LatestRevocationList(ctx, pc)
		if err != nil || latest.Seq != n {
			t.Fatalf("lists: %+v %v", latest, err)
		}
		head := verifyChain(t, l)
		// Per worker and round: a replacement, a revocation, a list; and
		// one event per key registered.
		if want := before.Seq + int64(n*3+workers*keysPerWorker); head.Seq != want {
			t.Fatalf("head at %d, want %d events", head.Seq, want)
		}
	})
}
