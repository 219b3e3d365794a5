//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/licmint/licmint/signer"
)

// A batch killed with SIGKILL while it writes leaves nothing in the output
// directory on Linux; elsewhere its temporary file goes at the next batch
// into that directory. The batch reads a named pipe, so it is killed for
// certain mid-run.
func TestSignBatchKilled(t *testing.T) {
	t.Parallel()
	licmint, err := exec.LookPath("licmint") // put on PATH by testscript.Main
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
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
	keyPath, idPath := filepath.Join(dir, "vendor.key.age"), filepath.Join(dir, "id.txt")
	os.WriteFile(keyPath, priv, 0o600)
	os.WriteFile(idPath, []byte(id.String()+"\n"), 0o600)
	outDir := filepath.Join(dir, "out")
	os.Mkdir(outDir, 0o755)
	fifo := filepath.Join(dir, "regs.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes:", err)
	}
	out := filepath.Join(outDir, "codes.csv")
	sign := func(in string) *exec.Cmd {
		return exec.Command(licmint, "sign", "--key", keyPath, "--identity", idPath, "--in", in, "--out", out)
	}

	batch := sign(fifo)
	var stderr bytes.Buffer
	batch.Stderr = &stderr
	if err := batch.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- batch.Wait() }()
	opened := make(chan *os.File, 1)
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // until the batch opens it
		if err == nil {
			opened <- w
		}
	}()
	var w *os.File
	select {
	case w = <-opened:
	case err := <-exited:
		t.Fatalf("the batch ended before reading: %v\n%s", err, stderr.String())
	case <-time.After(time.Minute):
		batch.Process.Kill()
		t.Fatal("the batch did not open its input")
	}
	// More rows than a pipe holds: once written, the batch has read and
	// signed most of them, and it waits for the rest.
	rows := []byte("rk,edition\n" + strings.Repeat("PC-0314-1592-6535-8978,standard\n", 8000))
	if _, err := w.Write(rows); err != nil {
		t.Fatalf("writing the batch input: %v\n%s", err, stderr.String())
	}
	batch.Process.Signal(syscall.SIGKILL)
	<-exited
	w.Close()

	entries, _ := os.ReadDir(outDir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if runtime.GOOS == "linux" && len(left) != 0 {
		t.Fatalf("a killed batch left %q", left)
	}
	// The next batch into the directory finishes with nothing else there.
	in := filepath.Join(dir, "regs2.csv")
	os.WriteFile(in, []byte("rk,edition\nPC-0314-1592-6535-8978,standard\n"), 0o644)
	if msg, err := sign(in).CombinedOutput(); err != nil {
		t.Fatalf("the next batch: %v\n%s", err, msg)
	}
	entries, _ = os.ReadDir(outDir)
	left = left[:0]
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if !slices.Equal(left, []string{"codes.csv"}) {
		t.Fatalf("after the next batch: %q", left)
	}
}
