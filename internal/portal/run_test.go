package portal_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/portal"
)

// TestRunDemo runs a demo portal, reads a page of it, and stops it by
// ending its context.
func TestRunDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan portal.Started, 1)
	var stopping bool
	done := make(chan error, 1)
	go func() {
		done <- portal.Run(ctx, portal.Config{Demo: true, Addr: "127.0.0.1:0", ShutdownGrace: 5 * time.Second, MailInterval: time.Hour,
			Log:     func(format string, a ...any) { stopping = stopping || strings.HasPrefix(format, "stopping") },
			Started: func(st portal.Started) error { started <- st; return nil }})
	}()
	var st portal.Started
	select {
	case st = <-started:
	case err := <-done:
		t.Fatal(err)
	}
	if st.Demo == nil || st.Demo.Email != "demo@example.com" || st.Demo.Password == "" || len(st.Demo.Full) != 2 || len(st.Demo.Trial) != 2 || len(st.Demo.Renewal) != 2 ||
		!st.Demo.Trial[0].Trial || st.Recipient == "" || !strings.HasPrefix(st.URL, "http://127.0.0.1:") {
		t.Fatalf("started %+v", st)
	}
	resp, err := http.Get(st.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `name="password"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil || !stopping {
		t.Fatalf("stopped: %v, said so: %v", err, stopping)
	}
}

// TestRunErrors: each failure to start says at which step.
func TestRunErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	err = portal.Run(context.Background(), portal.Config{Demo: true, Addr: l.Addr().String()})
	var re *portal.RunError
	if !errors.As(err, &re) || re.Op != portal.RunListen {
		t.Fatalf("a taken address: %v", err)
	}
	if err := portal.Run(context.Background(), portal.Config{Addr: "127.0.0.1:0"}); err == nil || errors.As(err, &re) {
		t.Fatalf("no ledger: %v", err)
	}
	stop := errors.New("stop")
	if err := portal.Run(context.Background(), portal.Config{Demo: true, Addr: "127.0.0.1:0",
		Started: func(portal.Started) error { return stop }}); err != stop {
		t.Fatalf("Started failing: %v", err)
	}
}
