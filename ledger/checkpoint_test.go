package ledger_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/ledger/ledgertest"
)

// auditKey is a fixed audit key, and otherKey one that is not trusted.
var (
	auditKey = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	otherKey = ed25519.NewKeyFromSeed([]byte(strings.Repeat("x", ed25519.SeedSize)))
)

func pubOf(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func checkpoint(t testing.TB, l *ledger.Ledger, k ed25519.PrivateKey) *ledger.Checkpoint {
	t.Helper()
	c, made, err := l.Checkpoint(context.Background(), k)
	if err != nil || !made {
		t.Fatalf("checkpoint: made %v, %v", made, err)
	}
	return c
}

func rehash(t testing.TB, dsn string) { ledgertest.Rewrite(t, rawDB(t, dsn), false) }

func rewrite(t testing.TB, dsn string, forge bool) { ledgertest.Rewrite(t, rawDB(t, dsn), forge) }

func execSQL(t testing.TB, dsn string, qs ...string) {
	t.Helper()
	db := rawDB(t, dsn)
	for _, q := range qs {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// checkpointed makes a ledger with two checkpoints: events 1-2 minted,
// 3 a checkpoint, 4 signed, 5 a checkpoint, 6 minted.
func checkpointed(t *testing.T, dsn string) (*ledger.Ledger, *ledger.Checkpoint, *ledger.Checkpoint) {
	t.Helper()
	l, s := open(t, dsn), testSigner(t)
	keys := mint(t, l, ledger.MintRequest{Count: 1})
	mint(t, l, ledger.MintRequest{Count: 1})
	c1 := checkpoint(t, l, auditKey)
	register(t, l, reg(t, s, keys[0], "standard", ""))
	c2 := checkpoint(t, l, auditKey)
	mint(t, l, ledger.MintRequest{Count: 1})
	if c1.Head.Seq != 2 || c2.Head.Seq != 4 {
		t.Fatalf("checkpoints sign %d and %d", c1.Head.Seq, c2.Head.Seq)
	}
	if _, err := l.Verify(context.Background(), ledger.WithCheckpointKeys(pubOf(auditKey))); err != nil {
		t.Fatal(err)
	}
	return l, c1, c2
}

func wantCheckpointError(t *testing.T, err error, event int64, want string) {
	t.Helper()
	var ce *ledger.CheckpointError
	if !errors.As(err, &ce) || !errors.Is(err, ledger.ErrCheckpoint) || !errors.Is(err, ledger.ErrChain) || ce.Event != event || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want checkpoint event %d: %q", err, event, want)
	}
}

func TestCheckpointOnlyWhenNew(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		l := open(t, dsn)
		if c, made, err := l.Checkpoint(ctx, auditKey); c != nil || made || err != nil {
			t.Fatalf("empty ledger: %v %v %v", c, made, err)
		}
		if _, err := l.LatestCheckpoint(ctx); !errors.Is(err, ledger.ErrNoCheckpoint) {
			t.Fatalf("latest of none: %v", err)
		}
		mint(t, l, ledger.MintRequest{Count: 2})
		c := checkpoint(t, l, auditKey)
		again, made, err := l.Checkpoint(ctx, otherKey)
		if err != nil || made || again.Head != c.Head || !again.At.Equal(c.At) || string(again.Signature) != string(c.Signature) {
			t.Fatalf("second checkpoint with nothing new: %v %v %v", again, made, err)
		}
		h, _ := l.Head(ctx)
		if h.Seq != 3 || c.Head.Seq != 2 || c.Verify(pubOf(auditKey)) != nil {
			t.Fatalf("head %v, checkpoint %v", h, c.Head)
		}
		mint(t, l, ledger.MintRequest{Count: 1})
		c2 := checkpoint(t, l, auditKey)
		if c2.LedgerID != c.LedgerID || c2.Head.Seq != 4 {
			t.Fatalf("second checkpoint %+v", c2)
		}
		latest, err := l.LatestCheckpoint(ctx)
		if err != nil || latest.Head != c2.Head {
			t.Fatalf("latest %v %v", latest, err)
		}
		verifyChain(t, l)
		// The newest checkpoint is found through ledger_meta; pointed
		// elsewhere, it is refused rather than another event taken.
		for _, v := range []string{"4", "9", "x"} {
			execSQL(t, dsn, `UPDATE ledger_meta SET value = '`+v+`' WHERE key = 'checkpoint_seq'`)
			_, err = l.LatestCheckpoint(ctx)
			wantCheckpointError(t, err, map[string]int64{"4": 4, "9": 9, "x": 0}[v], "as the newest checkpoint, and it is none")
		}
	})
}

// TestRehashAttackFailsAtCheckpoint: an event edited, and the whole chain
// re-hashed in the database, passes the chain's own check and fails at the
// first checkpoint after the edit.
func TestRehashAttackFailsAtCheckpoint(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		l, _, c2 := checkpointed(t, dsn)
		// The attacker edits the event and the row it binds alike, so
		// that the tables agree with the rewritten chain.
		execSQL(t, dsn, `UPDATE events SET body = replace(body, '"standard"', '"premium"') WHERE seq = 4`)
		execSQL(t, dsn, `UPDATE licenses SET edition = 'premium' WHERE edition = 'standard'`)
		rehash(t, dsn)
		for _, opts := range [][]ledger.VerifyOption{nil, {ledger.WithCheckpointKeys(pubOf(auditKey))}} {
			_, err := l.Verify(context.Background(), opts...)
			wantCheckpointError(t, err, c2.Head.Seq+1, "checkpoint event 3 is the newest that verifies, so event 4 may have been changed")
		}
		// Rewriting the checkpoint's head too passes without the key, and
		// fails its signature with it.
		rewrite(t, dsn, true)
		if _, err := l.Verify(context.Background()); err != nil {
			t.Fatalf("without the key: %v", err)
		}
		_, err := l.Verify(context.Background(), ledger.WithCheckpointKeys(pubOf(auditKey)))
		wantCheckpointError(t, err, 5, "does not verify")
	})
}

func TestCheckpointForgedOrWrongKey(t *testing.T) {
	eachStore(t, func(t *testing.T, dsn string) {
		l, _, _ := checkpointed(t, dsn)
		ctx := context.Background()
		_, err := l.Verify(ctx, ledger.WithCheckpointKeys(pubOf(otherKey)))
		wantCheckpointError(t, err, 3, "not one of the keys given")
		// A checkpoint signed by an attacker's own key, in place of one.
		db := rawDB(t, dsn)
		var body string
		if err := db.QueryRow(`SELECT body FROM events WHERE seq = 5`).Scan(&body); err != nil {
			t.Fatal(err)
		}
		forged := strings.Replace(body, hex.EncodeToString(pubOf(auditKey)), hex.EncodeToString(pubOf(otherKey)), 1)
		if forged == body {
			t.Fatal("no key in the body")
		}
		execSQL(t, dsn, `UPDATE events SET body = '`+forged+`' WHERE seq = 5`)
		rehash(t, dsn)
		_, err = l.Verify(ctx, ledger.WithCheckpointKeys(pubOf(auditKey)))
		wantCheckpointError(t, err, 5, "which is not one of the keys given")
		_, err = l.Verify(ctx, ledger.WithCheckpointKeys(pubOf(auditKey), pubOf(otherKey)))
		wantCheckpointError(t, err, 5, "does not verify")
	})
}

func TestSavedHead(t *testing.T) {
	cases := map[string]struct {
		sql   []string
		event int64
		want  string
	}{
		"truncated": {[]string{`DELETE FROM events WHERE seq >= 5`}, 5, "the chain ends at event 4"},
		// With the checkpoints' heads forged, which only their signatures
		// tell, and the saved head.
		"rewritten":  {[]string{`UPDATE events SET body = replace(body, '"standard"', '"premium"') WHERE seq = 1`}, 5, "no longer extends the saved head: event 4 hashes to"},
		"replaced":   {[]string{`UPDATE events SET body = replace(body, '"signature":"', '"signature":"0') WHERE seq = 5`}, 5, "no longer that checkpoint"},
		"other head": {nil, 3, "saved head"},
	}
	eachStore(t, func(t *testing.T, dsn string) {
		for name, tc := range cases {
			t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
				dsn := freshDSN(t, dsn)
				l, c1, c2 := checkpointed(t, dsn)
				saved, err := ledger.ParseCheckpoint(must(json.Marshal(c2)))
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				for _, c := range []*ledger.Checkpoint{c1, saved} {
					if _, err := l.Verify(ctx, ledger.WithSavedHead(c), ledger.WithCheckpointKeys(pubOf(auditKey))); err != nil {
						t.Fatalf("saved head %d: %v", c.Head.Seq, err)
					}
				}
				if tc.sql == nil {
					// A head signed by another key is refused with the
					// trusted keys, before the chain is read.
					other, _, _ := checkpointedWith(t, freshDSN(t, dsn), otherKey)
					_, err := l.Verify(ctx, ledger.WithSavedHead(other), ledger.WithCheckpointKeys(pubOf(auditKey)))
					wantCheckpointError(t, err, 3, "the saved head")
					_, err = l.Verify(ctx, ledger.WithSavedHead(other))
					wantCheckpointError(t, err, tc.event, tc.want)
					return
				}
				execSQL(t, dsn, tc.sql...)
				rewrite(t, dsn, true)
				_, err = l.Verify(ctx, ledger.WithSavedHead(saved))
				wantCheckpointError(t, err, tc.event, tc.want)
			})
		}
	})
}

// checkpointedWith makes a ledger of three events, the third a
// checkpoint by k.
func checkpointedWith(t *testing.T, dsn string, k ed25519.PrivateKey) (*ledger.Checkpoint, *ledger.Ledger, error) {
	l := open(t, dsn)
	mint(t, l, ledger.MintRequest{Count: 2})
	return checkpoint(t, l, k), l, nil
}

func freshDSN(t *testing.T, dsn string) string {
	if strings.HasPrefix(dsn, "sqlite:") {
		return "sqlite:" + t.TempDir() + "/ledger.db"
	}
	return ledgertest.PostgresDSN(t)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestCheckpointRecord: the JSON record round-trips, and every change of
// one byte of it (to any hex digit or JSON punctuation) is refused or
// fails the signature.
func TestCheckpointRecord(t *testing.T) {
	l := open(t, "sqlite::memory:")
	mint(t, l, ledger.MintRequest{Count: 1})
	c := checkpoint(t, l, auditKey)
	rec := must(json.Marshal(c))
	back, err := ledger.ParseCheckpoint(rec)
	if err != nil || string(must(json.Marshal(back))) != string(rec) || back.Verify(pubOf(auditKey)) != nil {
		t.Fatalf("round trip: %v\n%s", err, rec)
	}
	if err := back.Verify(pubOf(otherKey)); !errors.Is(err, ledger.ErrCheckpointKey) {
		t.Fatalf("other key: %v", err)
	}
	for i := range rec {
		for _, b := range []byte("0123456789abcdefA\" {}:,-.Z") {
			if rec[i] == b {
				continue
			}
			bad := append([]byte(nil), rec...)
			bad[i] = b
			got, err := ledger.ParseCheckpoint(bad)
			if err == nil && got.Verify(pubOf(auditKey)) == nil {
				t.Fatalf("byte %d changed to %q still verifies: %s", i, b, bad)
			}
			if err != nil && !errors.Is(err, ledger.ErrCheckpointFormat) {
				t.Fatalf("byte %d: %v", i, err)
			}
		}
	}
	for _, bad := range []string{"", "{}", string(rec) + "{}", strings.Replace(string(rec), `"format"`, `"formats"`, 1),
		strings.Replace(string(rec), `"event":`, `"event":1`, 1), strings.Repeat(" ", ledger.MaxCheckpointSize+1)} {
		if _, err := ledger.ParseCheckpoint([]byte(bad)); !errors.Is(err, ledger.ErrCheckpointFormat) {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	l, err := ledger.Open(context.Background(), "sqlite::memory:", ledger.WithNow(clock))
	if err != nil {
		f.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Mint(context.Background(), ledger.MintRequest{Product: pc, Edition: "standard", Count: 1}); err != nil {
		f.Fatal(err)
	}
	c, _, err := l.Checkpoint(context.Background(), auditKey)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(must(json.Marshal(c)))
	f.Add([]byte(`{"format":"licmint-checkpoint-v1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ledger.ParseCheckpoint(data)
		if err != nil {
			if !errors.Is(err, ledger.ErrCheckpointFormat) {
				t.Fatalf("unwrapped error %v", err)
			}
			return
		}
		// What parses, prints as it parsed.
		again, err := ledger.ParseCheckpoint(must(json.Marshal(c)))
		if err != nil || string(must(json.Marshal(again))) != string(must(json.Marshal(c))) {
			t.Fatalf("round trip %v", err)
		}
		c.Verify(pubOf(auditKey))
	})
}
