package main

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// maxInitBytes bounds what the package inits of the licmint command
// allocate together before it reads its arguments. Every command, however
// small, pays them: an argon2id hash at the portal's init once made each
// start cost 20 MiB and a tenth of a second.
const maxInitBytes = 2 << 20

// The licmint command does no heavy work when it starts: the runtime's
// init trace counts the bytes each package's init allocates.
func TestStartupIsLight(t *testing.T) {
	licmint, err := exec.LookPath("licmint") // put on PATH by testscript.Main
	if err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(licmint, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("licmint version: %v\n%s", err, stderr.String())
	}
	total, heaviest, heaviestBytes, inits := 0, "", 0, 0
	// Each line reads: init PKG @T ms, C ms clock, B bytes, A allocs
	for line := range strings.Lines(stderr.String()) {
		f := strings.Fields(line)
		if len(f) != 11 || f[0] != "init" || f[8] != "bytes," {
			continue
		}
		n, err := strconv.Atoi(f[7])
		if err != nil {
			t.Fatalf("init trace line %q: %v", line, err)
		}
		inits++
		total += n
		if n > heaviestBytes {
			heaviest, heaviestBytes = f[1], n
		}
	}
	if inits == 0 {
		t.Fatalf("no init trace in licmint's stderr:\n%s", stderr.String())
	}
	if total > maxInitBytes {
		t.Errorf("package inits allocate %d bytes at start, want at most %d; the heaviest is %s with %d", total, maxInitBytes, heaviest, heaviestBytes)
	}
}
