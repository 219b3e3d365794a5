package ledger

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/signer"
)

// importedRegs signs n imported keys, serials from first on.
func importedRegs(t *testing.T, first, n int) []Registration {
	t.Helper()
	k, err := signer.NewKey(1, ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := signer.New(k)
	if err != nil {
		t.Fatal(err)
	}
	issued := formats.Day(2617)
	regs := make([]Registration, n)
	for i := range regs {
		rk, err := formats.NewRegistrationKey(formats.MustProduct("PC"), false, formats.Serial(1000+first+i))
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.Sign(&signer.Registration{RK: rk, Edition: "standard", Issued: &issued})
		if err != nil {
			t.Fatal(err)
		}
		regs[i] = Registration{RK: rk, Edition: "standard", Issue: Issue{Code: c}, AllowUnminted: true}
	}
	return regs
}

// An SQLite ledger parses a batch's statements once: the second chunk of
// a size finds every statement it runs prepared.
func TestSQLitePreparesOnce(t *testing.T) {
	ctx := context.Background()
	l, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Register(ctx, importedRegs(t, 0, 300)); err != nil {
		t.Fatal(err)
	}
	prepared := len(l.stmts.m)
	var inserts int
	for q := range l.stmts.m {
		if strings.HasPrefix(q, "INSERT INTO events ") {
			inserts++
		}
	}
	// 300 rows go as 256 + 32 + 8 + 4.
	if inserts != 4 {
		t.Errorf("%d INSERT INTO events statements prepared, want 4", inserts)
	}
	out, err := l.Register(ctx, importedRegs(t, 300, 300))
	if err != nil || len(out) != 300 || out[299].Err != nil {
		t.Fatal(out, err)
	}
	if len(l.stmts.m) != prepared || len(l.stmts.missed) != 0 {
		t.Errorf("the second chunk prepared %d statements more, and missed %q", len(l.stmts.m)-prepared, l.stmts.missed)
	}
	var n int
	if err := l.db.QueryRow(`SELECT COUNT(*) FROM codes`).Scan(&n); err != nil || n != 600 {
		t.Fatalf("%d codes recorded (%v), want 600", n, err)
	}
	if _, err := l.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

// Writers on one Ledger prepare statements between their transactions,
// when the writer's one connection is free, and never wait on each other
// for it.
func TestSQLitePreparesConcurrently(t *testing.T) {
	ctx := context.Background()
	l, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var wg sync.WaitGroup
	for g := range 4 {
		regs := importedRegs(t, g*1000, 1000)
		wg.Go(func() {
			for i := 0; i < len(regs); i += 1 + 37*g {
				if _, err := l.Register(ctx, regs[i:min(i+1+37*g, len(regs))]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if _, err := l.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

// RegisterDeferred records what Register does, and leaves the writer's
// connection syncing every commit, so that nothing else waits on a Sync.
func TestRegisterDeferred(t *testing.T) {
	ctx := context.Background()
	l, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	syncMode := func() int {
		var n int
		if err := l.wdb.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if m := syncMode(); m != 2 {
		t.Fatalf("synchronous = %d before, want 2 (FULL)", m)
	}
	regs := importedRegs(t, 0, 300)
	out, err := l.RegisterDeferred(ctx, regs)
	if err != nil || len(out) != 300 || out[0].Err != nil || out[0].Existing {
		t.Fatal(out, err)
	}
	if m := syncMode(); m != 2 {
		t.Fatalf("synchronous = %d after RegisterDeferred, want 2 (FULL)", m)
	}
	if err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := l.Register(ctx, regs[:10])
	if err != nil || !again[9].Existing || again[9].Code.Code != out[9].Code.Code {
		t.Fatalf("registered again: %v %v", again, err)
	}
	if _, err := l.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}
