//go:build ignore

// forgot-timing measures whether the time POST /forgot takes tells if an
// account exists. It starts `licmint serve --demo` on the loopback
// address, signs up N accounts, asks to reset the password of each and of
// N addresses with no account, alternating, and prints the median time of
// each kind of request; the two should be within 10% of each other.
//
//	go build -o /tmp/licmint ./cmd/licmint
//	go run scripts/forgot-timing.go /tmp/licmint 200
//
// Every request comes from its own client address (X-Forwarded-For, from
// the server's only trusted proxy, the loopback), so that the limits per
// client address stay out of the measurement; each address is asked for
// once, within the limits per account and per recipient.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run scripts/forgot-timing.go LICMINT-BINARY N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 1 || n > 10000 {
		fmt.Fprintln(os.Stderr, "forgot-timing: N: want 1 to 10000 requests of each kind")
		os.Exit(2)
	}
	if err := run(os.Args[1], n); err != nil {
		fmt.Fprintln(os.Stderr, "forgot-timing:", err)
		os.Exit(1)
	}
}

func run(bin string, n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	srv := exec.Command(bin, "serve", "--demo", "--json", "--addr", addr, "--trusted-proxy", "127.0.0.1")
	srv.Stderr = os.Stderr
	out, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	// The server this started, and only it, is stopped by its PID.
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			srv.Process.Kill()
			<-done
		}
	}()
	var started struct{ URL string }
	ready := make(chan error, 1)
	go func() { ready <- json.NewDecoder(io.LimitReader(out, 1<<20)).Decode(&started) }()
	select {
	case err := <-ready:
		if err != nil {
			return fmt.Errorf("reading the server's start: %w", err)
		}
	case <-time.After(30 * time.Second):
		return errors.New("the server did not start within 30 s")
	}
	go io.Copy(io.Discard, out)

	c := &client{base: strings.TrimSuffix(started.URL, "/")}
	jar, _ := cookiejar.New(nil)
	c.http = &http.Client{Jar: jar, Timeout: 30 * time.Second}
	if err := c.loadCSRF(ctx); err != nil {
		return err
	}
	for i := range n {
		st, body, _, err := c.post(ctx, "/signup", url.Values{"email": {account(i)}, "password": {"a password for timing"}})
		if err != nil {
			return err
		}
		if st != http.StatusOK || !strings.Contains(body, "We have sent a confirmation link") {
			return fmt.Errorf("sign-up %d: %d", i, st)
		}
	}
	// Warm up both paths, on addresses not measured.
	for i := range 20 {
		for _, email := range []string{account(n + i), none(n + i)} {
			if _, _, _, err := c.post(ctx, "/forgot", url.Values{"email": {email}}); err != nil {
				return err
			}
		}
	}
	var exists, missing []time.Duration
	for i := range n {
		// Alternating, and in either order, so that drift over the run
		// weighs on both kinds alike.
		kinds := []string{account(i), none(i)}
		if i%2 == 1 {
			kinds[0], kinds[1] = kinds[1], kinds[0]
		}
		for _, email := range kinds {
			st, body, d, err := c.post(ctx, "/forgot", url.Values{"email": {email}})
			if err != nil {
				return err
			}
			if st != http.StatusOK || !strings.Contains(body, "If an account exists for "+email) {
				return fmt.Errorf("forgot %s: %d", email, st)
			}
			if strings.HasPrefix(email, "exists") {
				exists = append(exists, d)
			} else {
				missing = append(missing, d)
			}
		}
	}
	me, mm := median(exists), median(missing)
	fmt.Printf("POST /forgot, %d requests each: median %v for an account, %v for no account (%+.1f%%)\n",
		n, me.Round(time.Microsecond), mm.Round(time.Microsecond), 100*(float64(me)-float64(mm))/float64(mm))
	return nil
}

func account(i int) string { return fmt.Sprintf("exists-%d@timing.test", i) }
func none(i int) string    { return fmt.Sprintf("none-%d@timing.test", i) }

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

type client struct {
	base string
	http *http.Client
	csrf string
	ip   int
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) loadCSRF(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/forgot", nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	m := csrfRE.FindSubmatch(b)
	if m == nil {
		return errors.New("no CSRF token on /forgot")
	}
	c.csrf = string(m[1])
	return nil
}

// post sends a form from the next client address, and returns the status,
// the body and the time to the whole answer.
func (c *client) post(ctx context.Context, path string, f url.Values) (int, string, time.Duration, error) {
	f.Set("csrf", c.csrf)
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+path, strings.NewReader(f.Encode()))
	if err != nil {
		return 0, "", 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c.ip++
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", c.ip>>16&255, c.ip>>8&255, c.ip&255))
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", 0, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	d := time.Since(start)
	resp.Body.Close()
	return resp.StatusCode, string(b), d, err
}
