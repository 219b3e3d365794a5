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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve", "--demo", "--addr", addr, "--trusted-proxy", "127.0.0.1")
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	pid := cmd.Process.Pid
	defer func() {
		// The server started here, and only it, is stopped by its PID.
		syscall.Kill(pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(pid, syscall.SIGKILL)
			<-done
		}
	}()
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/login")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server did not answer within a minute: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	idle, _ := memory(pid)
	fmt.Printf("server pid %d at %s; RSS at rest %d MB\n", pid, base, idle/1024)

	// Each client fetches the form first, for its cookie and CSRF token,
	// and then all post at once.
	type client struct {
		c     *http.Client
		xff   string
		csrf  string
		email string
		pass  string
	}
	csrfRE := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	clients := make([]*client, n)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		c := &client{c: &http.Client{Jar: jar, Timeout: time.Minute}, xff: fmt.Sprintf("10.%d.%d.%d", 1+i/65536, i/256%256, i%256),
			email: fmt.Sprintf("load%d@example.com", i), pass: "not the password"}
		if i%20 == 0 {
			c.email, c.pass = "demo@example.com", "demo-password"
		}
		req, _ := http.NewRequest("GET", base+"/login", nil)
		req.Header.Set("X-Forwarded-For", c.xff)
		resp, err := c.c.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		m := csrfRE.FindSubmatch(body)
		if m == nil {
			return fmt.Errorf("no CSRF token on /login")
		}
		c.csrf = string(m[1])
		clients[i] = c
	}

	// Memory and a page, watched while the burst runs.
	ctx, stop := context.WithCancel(context.Background())
	var peak atomic.Int64
	var watch sync.WaitGroup
	watch.Add(2)
	go func() {
		defer watch.Done()
		for ctx.Err() == nil {
			if rss, _ := memory(pid); rss > peak.Load() {
				peak.Store(rss)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var probes, probeFails int
	var slowest time.Duration
	go func() {
		defer watch.Done()
		c := &http.Client{Timeout: 30 * time.Second}
		for ctx.Err() == nil {
			t := time.Now()
			resp, err := c.Get(base + "/login")
			d := time.Since(t)
			probes++
			if err != nil || resp.StatusCode != http.StatusOK {
				probeFails++
			}
			if err == nil {
				resp.Body.Close()
			}
			slowest = max(slowest, d)
			time.Sleep(100 * time.Millisecond)
		}
	}()

	var mu sync.Mutex
	codes := map[int]int{}
	retryAfter := 0
	var wg sync.WaitGroup
	startGun := make(chan struct{})
	t0 := time.Now()
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGun
			form := url.Values{"email": {c.email}, "password": {c.pass}, "csrf": {c.csrf}}
			req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", c.xff)
			c.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			code := -1
			resp, err := c.c.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				code = resp.StatusCode
			}
			mu.Lock()
			codes[code]++
			if err == nil && resp.Header.Get("Retry-After") != "" && code == http.StatusServiceUnavailable {
				retryAfter++
			}
			mu.Unlock()
		}()
	}
	close(startGun)
	wg.Wait()
	burst := time.Since(t0)
	stop()
	watch.Wait()
	_, hwm := memory(pid)

	var keys []int
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	fmt.Printf("%d log-ins at once from %d addresses, answered in %v:", n, n, burst.Round(time.Millisecond))
	for _, k := range keys {
		fmt.Printf(" %d×%d", codes[k], k)
	}
	fmt.Printf(" (-1: no answer; %d of the 503s with Retry-After)\n", retryAfter)
	fmt.Printf("GET /login meanwhile: %d asked, %d failed, slowest %v\n", probes, probeFails, slowest.Round(time.Millisecond))
	fmt.Printf("RSS peak sampled %d MB; VmHWM %d MB\n", peak.Load()/1024, hwm/1024)

	// Past the burst, the demo account logs in from an address of its
	// own: a refusal for busyness counted no failure against it.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/login")
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		return fmt.Errorf("no CSRF token on /login")
	}
	form := url.Values{"email": {"demo@example.com"}, "password": {"demo-password"}, "csrf": {string(m[1])}}
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "192.0.2.1")
	if resp, err := c.Do(req); err != nil {
		fmt.Printf("log-in with the right password after the burst: %v\n", err)
	} else {
		resp.Body.Close()
		fmt.Printf("log-in with the right password after the burst: %d (303 is logged in)\n", resp.StatusCode)
	}
	for _, at := range []time.Duration{time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute} {
		if at > after {
			break
		}
		time.Sleep(time.Until(t0.Add(burst + at)))
		rss, _ := memory(pid)
		fmt.Printf("RSS %v after the burst: %d MB\n", at, rss/1024)
	}
	return nil
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
