//go:build unix

package main

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/internal/benchratio"
	"github.com/licmint/licmint/signer"
)

// benchRows is the size of the batch BenchmarkSignProcess signs.
const benchRows = 300_000

// BenchmarkSignProcess times the whole licmint process signing a CSV of
// benchRows registrations from scripts/gen-registrations.go into a CSV
// (start, key file, reading, signing, writing, sync), beside raw
// ed25519.Sign of as many messages on every core, in alternation: the
// ratio is the process's time over the raw signatures'. cpu-ratio is the
// same in CPU time, which a busy machine skews less: a process with more
// threads than the baseline's gets more of a shared machine.
func BenchmarkSignProcess(b *testing.B) {
	licmint, err := exec.LookPath("licmint") // put on PATH by testscript.Main
	if err != nil {
		b.Skip(err)
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		b.Skip(err)
	}
	dir := b.TempDir()
	in, out := filepath.Join(dir, "regs.csv"), filepath.Join(dir, "codes.csv")
	gen := exec.Command(goCmd, "run", "../../scripts/gen-registrations.go", strconv.Itoa(benchRows))
	regs, err := gen.Output()
	if err != nil {
		b.Fatalf("gen-registrations: %v", err)
	}
	if err := os.WriteFile(in, regs, 0o600); err != nil {
		b.Fatal(err)
	}

	key, err := signer.GenerateKey(1)
	if err != nil {
		b.Fatal(err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		b.Fatal(err)
	}
	priv, err := key.Encrypt(id.Recipient())
	if err != nil {
		b.Fatal(err)
	}
	keyPath, idPath := filepath.Join(dir, "vendor.key.age"), filepath.Join(dir, "id.txt")
	os.WriteFile(keyPath, priv, 0o600)
	os.WriteFile(idPath, []byte(id.String()+"\n"), 0o600)

	// The baseline signs a message of the batch's size, benchRows times,
	// on one goroutine per core.
	s, err := signer.New(key)
	if err != nil {
		b.Fatal(err)
	}
	code, err := s.Sign(&signer.Registration{RK: formats.RegistrationKey{Product: formats.MustProduct("PC"), Serial: 13}, Edition: "premium"})
	if err != nil {
		b.Fatal(err)
	}
	msg, _ := code.AppendMessage(nil, "")
	raw := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	workers := runtime.GOMAXPROCS(0)
	parallelSign := func() {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < benchRows; i += workers {
					ed25519.Sign(raw, msg)
				}
			})
		}
		wg.Wait()
	}
	var cpuBase, cpuOurs time.Duration
	process := func() {
		cmd := exec.Command(licmint, "sign", "--key", keyPath, "--identity", idPath, "--in", in, "--out", out, "--force")
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("licmint sign: %v\n%s", err, msg)
		}
		cpuOurs += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	process()
	if codes, _ := os.ReadFile(out); bytes.Count(codes, []byte(",PC-")) != benchRows {
		b.Fatalf("the output has not %d codes", benchRows)
	}
	cpuOurs = 0
	b.ResetTimer()
	benchratio.Compare(b, func() {
		t0 := cpuTime(b)
		parallelSign()
		cpuBase += cpuTime(b) - t0
	}, process)
	b.ReportMetric(float64(cpuOurs)/float64(cpuBase), "cpu-ratio")
}

// cpuTime returns the CPU time this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
