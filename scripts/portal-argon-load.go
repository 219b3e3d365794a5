//go:build ignore

// portal-argon-load measures the memory a burst of log-ins costs `licmint
// serve`: it starts a demo portal on loopback that believes
// X-Forwarded-For from 127.0.0.1, sends N log-ins at once, each from its
// own forwarded address (so that each meets its own rate limits), and
// reads the server's resident memory (VmRSS, peak VmHWM in
// /proc/PID/status) before, during and after, while GET /login is asked
// for meanwhile. Most log-ins name accounts that do not exist, which cost
// the same argon2id check as a wrong password; every 20th is the demo
// account's, with its password. It stops the server it started. Linux
// only.
//
//	go build -o /tmp/licmint ./cmd/licmint
//	go run scripts/portal-argon-load.go -bin /tmp/licmint -n 200
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "", "the licmint binary to run (required)")
	n := flag.Int("n", 200, "log-ins sent at once, at most 1000")
	after := flag.Duration("after", 30*time.Second, "how long to watch the memory after the burst, at most 5m")
	flag.Parse()
	if *bin == "" || *n < 1 || *n > 1000 || *after > 5*time.Minute {
		fmt.Fprintln(os.Stderr, "usage: go run scripts/portal-argon-load.go -bin LICMINT [-n 200] [-after 30s]")
		os.Exit(2)
	}
	if err := run(*bin, *n, *after); err != nil {
		fmt.Fprintln(os.Stderr, "portal-argon-load:", err)
		os.Exit(1)
	}
}

func run(bin string, n int, after time.Duration) error {
	srv, err := startServer(bin)
	if err != nil {
		return err
	}
	defer srv.stop()
	if err := srv.waitReady(time.Minute); err != nil {
		return err
	}
	idle, _ := memory(srv.pid)
	fmt.Printf("server pid %d at %s; RSS at rest %d MB\n", srv.pid, srv.base, idle/1024)

	clients, err := newClients(srv.base, n)
	if err != nil {
		return err
	}
	w := startWatch(srv.pid, srv.base)
	b := sendBurst(srv.base, clients)
	w.stop()
	_, hwm := memory(srv.pid)
	b.report(n)
	fmt.Printf("GET /login meanwhile: %d asked, %d failed, slowest %v\n", w.probes, w.probeFails, w.slowest.Round(time.Millisecond))
	fmt.Printf("RSS peak sampled %d MB; VmHWM %d MB\n", w.peak.Load()/1024, hwm/1024)

	if err := loginAfterBurst(srv.base); err != nil {
		return err
	}
	watchAfterBurst(srv.pid, b.start.Add(b.took), after)
	return nil
}

// server is a `licmint serve --demo` started on loopback.
type server struct {
	cmd  *exec.Cmd
	pid  int
	base string
}

// startServer starts a demo portal on a free loopback port that believes
// X-Forwarded-For from 127.0.0.1.
func startServer(bin string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve", "--demo", "--addr", addr, "--trusted-proxy", "127.0.0.1")
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &server{cmd: cmd, pid: cmd.Process.Pid, base: "http://" + addr}, nil
}

// stop ends the server started here, and only it, by its PID: politely
// first, then after ten seconds by force.
func (s *server) stop() {
	syscall.Kill(s.pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		syscall.Kill(s.pid, syscall.SIGKILL)
		<-done
	}
}

// waitReady asks for GET /login until the server answers or limit passes.
func (s *server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(s.base + "/login")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server did not answer within a minute: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formToken fetches the log-in form through c, from the forwarded address
// xff if not empty, and returns its CSRF token; c's jar keeps the cookie.
func formToken(c *http.Client, base, xff string) (string, error) {
	req, _ := http.NewRequest("GET", base+"/login", nil)
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("no CSRF token on /login")
	}
	return string(m[1]), nil
}

// loginRequest is a POST /login with the form's fields, from the
// forwarded address xff.
func loginRequest(base, email, pass, csrf, xff string) *http.Request {
	form := url.Values{"email": {email}, "password": {pass}, "csrf": {csrf}}
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", xff)
	return req
}

// client is one log-in of the burst, ready to be posted.
type client struct {
	c     *http.Client
	xff   string
	csrf  string
	email string
	pass  string
}

// newClients makes n clients, each from its own forwarded address, and
// fetches each its form first, for its cookie and CSRF token. Every 20th
// is the demo account's, with its password; the others name accounts
// that do not exist.
func newClients(base string, n int) ([]*client, error) {
	clients := make([]*client, n)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		c := &client{c: &http.Client{Jar: jar, Timeout: time.Minute}, xff: fmt.Sprintf("10.%d.%d.%d", 1+i/65536, i/256%256, i%256),
			email: fmt.Sprintf("load%d@example.com", i), pass: "not the password"}
		if i%20 == 0 {
			c.email, c.pass = "demo@example.com", "demo-password"
		}
		csrf, err := formToken(c.c, base, c.xff)
		if err != nil {
			return nil, err
		}
		c.csrf = csrf
		clients[i] = c
	}
	return clients, nil
}

// watch samples the server's memory and asks for a page while the burst
// runs. Its counts are read only after stop.
type watch struct {
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	peak       atomic.Int64
	probes     int
	probeFails int
	slowest    time.Duration
}

func startWatch(pid int, base string) *watch {
	ctx, cancel := context.WithCancel(context.Background())
	w := &watch{cancel: cancel}
	w.wg.Add(2)
	go w.sampleRSS(ctx, pid)
	go w.probe(ctx, base)
	return w
}

func (w *watch) stop() {
	w.cancel()
	w.wg.Wait()
}

// sampleRSS keeps the highest VmRSS seen, every 20ms.
func (w *watch) sampleRSS(ctx context.Context, pid int) {
	defer w.wg.Done()
	for ctx.Err() == nil {
		if rss, _ := memory(pid); rss > w.peak.Load() {
			w.peak.Store(rss)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// probe asks for GET /login every 100ms, counting failures and the slowest.
func (w *watch) probe(ctx context.Context, base string) {
	defer w.wg.Done()
	c := &http.Client{Timeout: 30 * time.Second}
	for ctx.Err() == nil {
		t := time.Now()
		resp, err := c.Get(base + "/login")
		d := time.Since(t)
		w.probes++
		if err != nil || resp.StatusCode != http.StatusOK {
			w.probeFails++
		}
		if err == nil {
			resp.Body.Close()
		}
		w.slowest = max(w.slowest, d)
		time.Sleep(100 * time.Millisecond)
	}
}

// burst is what the log-ins sent at once got back.
type burst struct {
	codes      map[int]int // status code (-1: no answer) → count
	retryAfter int         // 503s with Retry-After
	start      time.Time
	took       time.Duration
}

// sendBurst posts every client's log-in at once and waits for all.
func sendBurst(base string, clients []*client) *burst {
	b := &burst{codes: map[int]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	startGun := make(chan struct{})
	b.start = time.Now()
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGun
			req := loginRequest(base, c.email, c.pass, c.csrf, c.xff)
			c.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			code := -1
			resp, err := c.c.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				code = resp.StatusCode
			}
			mu.Lock()
			b.codes[code]++
			if err == nil && resp.Header.Get("Retry-After") != "" && code == http.StatusServiceUnavailable {
				b.retryAfter++
			}
			mu.Unlock()
		}()
	}
	close(startGun)
	wg.Wait()
	b.took = time.Since(b.start)
	return b
}

// report prints the burst's answers, by status code.
func (b *burst) report(n int) {
	var keys []int
	for k := range b.codes {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	fmt.Printf("%d log-ins at once from %d addresses, answered in %v:", n, n, b.took.Round(time.Millisecond))
	for _, k := range keys {
		fmt.Printf(" %d×%d", b.codes[k], k)
	}
	fmt.Printf(" (-1: no answer; %d of the 503s with Retry-After)\n", b.retryAfter)
}

// loginAfterBurst logs the demo account in from an address of its own:
// a refusal for busyness during the burst counted no failure against it.
func loginAfterBurst(base string) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrf, err := formToken(c, base, "")
	if err != nil {
		return err
	}
	req := loginRequest(base, "demo@example.com", "demo-password", csrf, "192.0.2.1")
	if resp, err := c.Do(req); err != nil {
		fmt.Printf("log-in with the right password after the burst: %v\n", err)
	} else {
		resp.Body.Close()
		fmt.Printf("log-in with the right password after the burst: %d (303 is logged in)\n", resp.StatusCode)
	}
	return nil
}

// watchAfterBurst prints the server's RSS at set times past end, up to after.
func watchAfterBurst(pid int, end time.Time, after time.Duration) {
	for _, at := range []time.Duration{time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute} {
		if at > after {
			break
		}
		time.Sleep(time.Until(end.Add(at)))
		rss, _ := memory(pid)
		fmt.Printf("RSS %v after the burst: %d MB\n", at, rss/1024)
	}
}

// memory returns VmRSS and VmHWM of the process pid, in KiB.
func memory(pid int) (rss, hwm int64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = kb
		case "VmHWM":
			hwm = kb
		}
	}
	return rss, hwm
}
