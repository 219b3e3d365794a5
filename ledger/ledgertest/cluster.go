package ledgertest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// A Cluster is a PostgreSQL server of one test's own, which the test may
// stop and start again (a database fault) without disturbing the tests
// that share the server of PostgresEnv.
type Cluster struct {
	t        testing.TB
	bin, dir string
	port     int
	asUser   string // run the server as this user (root may not), or ""
	mu       sync.Mutex
	running  bool
}

// NewCluster makes and starts a throwaway cluster on loopback with
// Debian's (or the PATH's) initdb, removed when t ends; it skips t when
// PostgreSQL's programs are not installed.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	c := &Cluster{t: t, bin: postgresBin()}
	if c.bin == "" {
		t.Skip("no initdb: install PostgreSQL's server programs (Debian's postgresql package, as .ci/run does) to run this on a cluster of the test's own")
	}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: the server runs as postgres.
		if _, err := user.Lookup("postgres"); err != nil {
			t.Skip("running as root and no postgres user to run a cluster as: install Debian's postgresql package")
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			t.Skip("running as root and no runuser to run a cluster as postgres")
		}
		c.asUser = "postgres"
	}
	dir, err := os.MkdirTemp("", "licmint-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	t.Cleanup(func() {
		c.Stop()
		os.RemoveAll(dir)
	})
	if c.asUser != "" {
		u, _ := user.Lookup(c.asUser)
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.run("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust", "--no-sync")
	// A port free now; another process may take it before the server
	// does, so a few are tried.
	for try := 0; ; try++ {
		if c.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		if err = c.start(); err == nil {
			break
		}
		if try == 4 {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("starting PostgreSQL: %v\n%s", err, log)
		}
	}
	return c
}

// DSN is the URL of the cluster's postgres database.
func (c *Cluster) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Stop stops the server at once, as a crash or a restart would, cutting
// every connection; it does nothing if the server is stopped.
func (c *Cluster) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running {
		return
	}
	if out, err := c.cmd("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop").CombinedOutput(); err != nil {
		c.t.Errorf("stopping PostgreSQL: %v\n%s", err, out)
	}
	c.running = false
}

// Start starts the server again, on the same port.
func (c *Cluster) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return
	}
	if err := c.startLocked(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		c.t.Errorf("starting PostgreSQL again: %v\n%s", err, log)
	}
}

func (c *Cluster) start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.startLocked()
}

func (c *Cluster) startLocked() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100", c.port, c.dir)
	out, err := c.cmd("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "log"), "-w", "-o", opts, "start").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	c.running = true
	return nil
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) run(prog string, args ...string) {
	c.t.Helper()
	if out, err := c.cmd(prog, args...).CombinedOutput(); err != nil {
		c.t.Fatalf("%s: %v\n%s", prog, err, out)
	}
}

func (c *Cluster) cmd(prog string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, prog)
	if c.asUser != "" {
		return exec.Command("runuser", append([]string{"-u", c.asUser, "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

// postgresBin is the directory of the newest Debian PostgreSQL's
// programs, or of initdb on the PATH, or "".
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		return versionOf(a) - versionOf(b)
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		return filepath.Dir(p)
	}
	return ""
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(strings.Split(filepath.Base(filepath.Dir(binDir)), ".")[0])
	return v
}

// freePort returns a port free now, below the kernel's range for
// outgoing connections (32768 up, usually), where no client's connection
// takes it while the server is stopped.
func freePort() (int, error) {
	var err error
	for range 20 {
		port := 20000 + rand.IntN(12000)
		var l net.Listener
		if l, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			l.Close()
			return port, nil
		}
	}
	return 0, err
}
