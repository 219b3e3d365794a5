//go:build unix

package main

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/ledger"
	"github.com/licmint/licmint/signer"
)

// killRows is the size of TestSignBatchLedgerKilled's batch. A few
// thousand rows span several of the batch's recording transactions on
// either side of the kill, in about a second; .ci/run runs it again with
// 200,000, a large shop's batch.
var killRows = flag.Int("kill-rows", 2400, "rows of the batch TestSignBatchLedgerKilled kills mid-run")

// A batch recording to a ledger, killed with SIGKILL mid-run and run
// again, leaves each row in the ledger once, and writes the output that a
// run never interrupted writes: the rows recorded before the kill come
// back from the ledger with their codes, the others are signed.
func TestSignBatchLedgerKilled(t *testing.T) {
	t.Parallel()
	licmint, err := exec.LookPath("licmint") // put on PATH by testscript.Main
	if err != nil {
		t.Skip(err)
	}
	rows := *killRows
	dir := t.TempDir()
	ctx := context.Background()
	keyPath, idPath := killKeyFiles(t, dir)

	// The shop's keys, minted into one ledger, copied as it stands into
	// another for the run that is never interrupted.
	killed, whole := filepath.Join(dir, "killed.db"), filepath.Join(dir, "whole.db")
	in := killMint(t, ctx, killed, rows)
	// The batch's CSV reader looks at the first 64 KiB of its input before
	// its first row, and then signs and records 256 rows at a time: the
	// half fed before the kill must pass both by some way.
	if in.Len()/2 < 96<<10 || rows/2 < 4*256 {
		t.Fatalf("-kill-rows %d: %d bytes; give more rows, so that the half fed before the kill holds 96 KiB and 1024 rows", rows, in.Len())
	}
	copyFile(t, killed, whole)
	regs := filepath.Join(dir, "regs.csv")
	os.WriteFile(regs, in.Bytes(), 0o644)

	sign := func(dsn, in, out string) *exec.Cmd {
		cmd := exec.Command(licmint, "sign", "--key", keyPath, "--identity", idPath, "--ledger", "sqlite:"+dsn, "--in", in, "--out", out)
		cmd.Env = append(os.Environ(), testClockVar+"=2027-03-01") // one issue day for every run
		return cmd
	}
	ref := filepath.Join(dir, "ref.csv")
	if msg, err := sign(whole, regs, ref).CombinedOutput(); err != nil {
		t.Fatalf("the uninterrupted run: %v\n%s", err, msg)
	}

	// The killed run reads a named pipe, fed half the rows: it is killed
	// once it has recorded some, and cannot have finished.
	fifo := filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes:", err)
	}
	batch := sign(killed, fifo, filepath.Join(dir, "out.csv"))
	var stderr bytes.Buffer
	batch.Stderr = &stderr
	if err := batch.Start(); err != nil {
		t.Fatal(err)
	}
	exited, done := make(chan error, 1), make(chan struct{})
	go func() { exited <- batch.Wait(); close(done) }()
	fed := make(chan error, 1)
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // until the batch opens it
		if err != nil {
			fed <- err
			return
		}
		half := bytes.IndexByte(in.Bytes()[in.Len()/2:], '\n') + in.Len()/2 + 1
		_, err = w.Write(in.Bytes()[:half])
		fed <- err
		<-done // keep the pipe open: the batch waits for more
		w.Close()
	}()
	select {
	case err := <-fed:
		if err != nil {
			t.Fatalf("feeding the batch: %v\n%s", err, stderr.String())
		}
	case err := <-exited:
		t.Fatalf("the batch ended early: %v\n%s", err, stderr.String())
	case <-time.After(5 * time.Minute):
		batch.Process.Kill()
		t.Fatal("the batch did not read its input")
	}
	db, err := sql.Open("sqlite", "file:"+killed+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for deadline := time.Now().Add(5 * time.Minute); count(`SELECT COUNT(*) FROM licenses`) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the batch recorded nothing\n%s", stderr.String())
		}
	}
	batch.Process.Signal(syscall.SIGKILL)
	<-exited
	before := count(`SELECT COUNT(*) FROM licenses`)
	if before == 0 || before >= rows {
		t.Fatalf("killed with %d of %d rows recorded", before, rows)
	}
	t.Logf("killed with %d of %d rows recorded", before, rows)

	out := filepath.Join(dir, "out.csv")
	if msg, err := sign(killed, regs, out).CombinedOutput(); err != nil {
		t.Fatalf("the rerun: %v\n%s", err, msg)
	}
	got, _ := os.ReadFile(out)
	want, _ := os.ReadFile(ref)
	if !bytes.Equal(got, want) {
		t.Fatalf("the rerun's output differs from the uninterrupted run's (%d and %d bytes)", len(got), len(want))
	}
	killCheckLedger(t, ctx, killed, count, rows)
}

// killCheckLedger checks that the ledger at path holds each of the rows
// once, and that its chain verifies.
func killCheckLedger(t *testing.T, ctx context.Context, path string, count func(q string) int, rows int) {
	t.Helper()
	for q, want := range map[string]int{
		`SELECT COUNT(*) FROM licenses`:                                     rows,
		`SELECT COUNT(*) FROM codes`:                                        rows,
		`SELECT COUNT(*) FROM events WHERE kind = 'signed'`:                 rows,
		`SELECT COUNT(*) FROM registration_keys WHERE state = 'registered'`: rows,
	} {
		if n := count(q); n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
	l, err := ledger.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

// killKeyFiles writes a signing key encrypted to an age identity, and the
// identity, into dir.
func killKeyFiles(t *testing.T, dir string) (keyPath, idPath string) {
	t.Helper()
	key, err := signer.GenerateKey(1)
	if err != nil {
		t.Fatal(err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := key.Encrypt(id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	keyPath, idPath = filepath.Join(dir, "vendor.key.age"), filepath.Join(dir, "id.txt")
	os.WriteFile(keyPath, priv, 0o600)
	os.WriteFile(idPath, []byte(id.String()+"\n"), 0o600)
	return keyPath, idPath
}

// killMint mints rows keys into the ledger at path and returns the batch
// that signs them. Each row carries a note, as a shop's export does, which
// the output copies.
func killMint(t *testing.T, ctx context.Context, path string, rows int) *bytes.Buffer {
	t.Helper()
	l, err := ledger.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	in := new(bytes.Buffer)
	in.WriteString("rk,edition,note\n")
	n := 0
	for left := rows; left > 0; left -= ledger.MaxMint {
		m, err := l.Mint(ctx, ledger.MintRequest{Product: formats.MustProduct("PC"), Edition: "standard", Count: min(left, ledger.MaxMint)})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range m.Keys {
			n++
			fmt.Fprintf(in, "%s,standard,order-%06d for customer-%06d@example.com: site licence for the engineering department\n", k, n, n%97)
		}
	}
	return in
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
