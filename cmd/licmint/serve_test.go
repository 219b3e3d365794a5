package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeDemo starts 'licmint serve --demo', registers a sample key as
// the demo account through the pages, finds the mail on the outbox page,
// and stops the portal with SIGTERM, which it takes as a graceful stop.
func TestServeDemo(t *testing.T) {
	pr, pw := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"serve", "--demo", "--addr", "127.0.0.1:0", "--json"}, strings.NewReader(""), pw, &stderr)
		pw.Close()
	}()
	var start serveJSON
	dec := json.NewDecoder(pr)
	err := dec.Decode(&start)
	go io.Copy(io.Discard, io.MultiReader(dec.Buffered(), pr))
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
			<-done
		}
	})
	if err != nil || start.Demo == nil || len(start.Demo.Full) == 0 || len(start.Demo.Renewal) == 0 || len(start.Demo.Trial) == 0 {
		t.Fatalf("start record %+v: %v (stderr %s)", start, err, stderr.String())
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	get := func(path string) string {
		resp, err := c.Get(start.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	post := func(path string, v url.Values) string {
		page := get(path)
		v.Set("csrf", csrf.FindStringSubmatch(page)[1])
		resp, err := c.PostForm(start.URL+path, v)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if page := post("/login", url.Values{"email": {start.Demo.Email}, "password": {start.Demo.Password}}); !strings.Contains(page, "Logged in as demo@example.com") {
		t.Fatalf("log-in: %s", page)
	}
	if page := post("/register", url.Values{"rk": {start.Demo.Full[0]}}); !strings.Contains(page, "data-activation-code") {
		t.Fatalf("register: %s", page)
	}
	if page := get("/outbox"); !strings.Contains(page, "Your Activation Code for PC") {
		t.Fatalf("outbox page: %s", page)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		stopped = true
		if code != exitOK || !strings.Contains(stderr.String(), "stopping") {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the portal did not stop on SIGTERM")
	}
}
