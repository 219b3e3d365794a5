package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/internal/softhsm"
	"github.com/licmint/licmint/signer/hsm"
	"github.com/rogpeppe/go-internal/testscript"
)

// testClockVar names the variable through which TestScripts tells the
// licmint processes it starts what day it is, testClockReadVar the file
// they create when they read the clock, and testScryptVar the scrypt work
// factor their keygen encrypts with. Only this test binary reads them: the
// licmint command has no such variables for a user or a product to set.
const (
	testClockVar     = "LICMINT_TEST_CLOCK"
	testClockReadVar = "LICMINT_TEST_CLOCK_READ"
	testScryptVar    = "LICMINT_TEST_SCRYPT_WORK_FACTOR"
	// testClockTicksVar makes the day of testClockVar a clock that runs
	// from its midday, which was at the instant it holds (RFC 3339), for
	// leases that must lapse: the processes of one test share it. And
	// testMailVar sets serve's mail interval and lease, as "200ms,2s".
	testClockTicksVar = "LICMINT_TEST_CLOCK_TICKS"
	testMailVar       = "LICMINT_TEST_MAIL_TIMING"
)

// testScryptWorkFactor is the work factor of the passphrase-protected keys
// the scripts make: age's default costs about a second for each keygen and
// for each sign that opens the key, which made keygen.txt most of the
// suite's time.
const testScryptWorkFactor = 10

// testKillBeforeCheckpointVar, set, makes a licmint process kill itself
// after its command's writes, before its checkpoint.
const testKillBeforeCheckpointVar = "LICMINT_TEST_KILL_BEFORE_CHECKPOINT"

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"licmint": func() {
		if day := os.Getenv(testClockVar); day != "" {
			t, err := time.Parse(time.DateOnly, day)
			if err != nil {
				panic(err)
			}
			// Midday, so that the day is the same in every time zone's
			// reading of the UTC instant.
			now = func() time.Time { return t.Add(12 * time.Hour) }
			if from := os.Getenv(testClockTicksVar); from != "" {
				start, err := time.Parse(time.RFC3339Nano, from)
				if err != nil {
					panic(err)
				}
				now = func() time.Time { return t.Add(12 * time.Hour).Add(time.Since(start)) }
			}
		}
		if timing := os.Getenv(testMailVar); timing != "" {
			interval, lease, _ := strings.Cut(timing, ",")
			var err error
			if serveMailInterval, err = time.ParseDuration(interval); err != nil {
				panic(err)
			}
			if serveMailLease, err = time.ParseDuration(lease); err != nil {
				panic(err)
			}
		}
		if mark := os.Getenv(testClockReadVar); mark != "" {
			clock := now
			var once sync.Once
			now = func() time.Time {
				once.Do(func() {
					if err := os.WriteFile(mark, nil, 0o644); err != nil {
						panic(err) // else the script would skip its other days unseen
					}
				})
				return clock()
			}
		}
		if os.Getenv(testKillBeforeCheckpointVar) != "" {
			// A crash between a command's writes and its checkpoint.
			beforeCheckpoint = func() {
				p, _ := os.FindProcess(os.Getpid())
				p.Kill()
				select {}
			}
		}
		if wf := os.Getenv(testScryptVar); wf != "" {
			n, err := strconv.Atoi(wf)
			if err != nil {
				panic(err)
			}
			scryptWorkFactor = n
		}
		os.Exit(licmintMain())
	}})
}

// scriptClocks are the days the command-line scenarios run on: the day the
// tests run, and a day years ahead, so that a script that depends on the
// day it was written fails now rather than on some later day.
var scriptClocks = []string{"", "2033-06-15"}

// TestScripts runs the command-line scenarios in testdata/*.txt, first on
// today's clock and then on each other day of scriptClocks. A script runs
// on the other days unless, today, it ran and none of its licmint
// processes read the clock (every command reads the day from now, and
// hands now to the libraries as their clock), and it has no [clock:DAY]
// lines, which may run commands that read it on those days only.
func TestScripts(t *testing.T) {
	// The scripts run processes of their own: in parallel with the other
	// such tests.
	t.Parallel()
	scripts, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts in testdata: %v", err)
	}
	marks := t.TempDir()
	for i, day := range scriptClocks {
		name := day
		if name == "" {
			name = "today"
		}
		files := scripts
		if i > 0 {
			if read, _ := filepath.Glob(filepath.Join(marks, "*.clock")); len(read) == 0 && !t.Failed() {
				ran, _ := filepath.Glob(filepath.Join(marks, "*.ran"))
				if len(ran) == len(scripts) {
					t.Fatal("no script read the clock today: the marks that choose the scripts for other days are not written")
				}
			}
			files = nil
			for _, f := range scripts {
				name := strings.TrimSuffix(filepath.Base(f), ".txt")
				_, err1 := os.Stat(filepath.Join(marks, name+".ran"))
				_, err2 := os.Stat(filepath.Join(marks, name+".clock"))
				script, err3 := os.ReadFile(f)
				if err3 != nil {
					t.Fatal(err3)
				}
				if err1 != nil || err2 == nil || bytes.Contains(script, []byte("clock:")) {
					files = append(files, f)
				}
			}
			t.Logf("on %s: %d of %d scripts; the others read no clock today", day, len(files), len(scripts))
		}
		t.Run(name, func(t *testing.T) {
			testscript.Run(t, testscript.Params{
				Files: files,
				Cmds:  map[string]func(ts *testscript.TestScript, neg bool, args []string){"b64decode": b64decode, "envfile": envfile, "bigfile": bigfile, "softhsm-init": softhsmInit},
				// [clock:DAY] holds when the commands' clock is set to DAY,
				// for the lines that check what "today" means.
				Condition: func(cond string) (bool, error) {
					switch cond {
					case "softhsm": // SoftHSM2 is installed and this build can reach it
						return hsm.Supported && softhsm.Module() != "", nil
					case "pkcs11": // this build has PKCS#11 support (cgo)
						return hsm.Supported, nil
					}
					d, ok := strings.CutPrefix(cond, "clock:")
					if !ok {
						return false, fmt.Errorf("unknown condition %q", cond)
					}
					return d == day, nil
				},
				Setup: func(env *testscript.Env) error {
					// A -race binary sleeps a second at exit by default:
					// every exec in every script would pay it.
					env.Setenv("GORACE", "atexit_sleep_ms=0")
					env.Setenv(testScryptVar, strconv.Itoa(testScryptWorkFactor))
					if day != "" {
						env.Setenv(testClockVar, day)
						return nil
					}
					mark := filepath.Join(marks, strings.TrimPrefix(filepath.Base(env.WorkDir), "script-"))
					env.Setenv(testClockReadVar, mark+".clock")
					return os.WriteFile(mark+".ran", nil, 0o644)
				},
			})
		})
	}
}

// b64decode IN OUT writes the bytes of the base64 file IN to OUT, so that
// scripts can carry binary files such as revocation lists.
func b64decode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: b64decode IN OUT")
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(ts.ReadFile(args[0])))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o644))
}

// envfile VAR FILE sets VAR to the contents of FILE, trimmed, so that a
// script can pass what one command printed as another's argument.
func envfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile VAR FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// bigfile NAME SIZE [HEAD TAIL] writes a file of SIZE bytes (a number, or
// with a K or M suffix for KiB and MiB) of the letter x and no line end,
// between the contents of the files HEAD and TAIL if given, for the tests
// of input limits.
func bigfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || (len(args) != 2 && len(args) != 4) {
		ts.Fatalf("usage: bigfile NAME SIZE [HEAD TAIL]")
	}
	size, shift := args[1], 0
	switch {
	case strings.HasSuffix(size, "K"):
		size, shift = strings.TrimSuffix(size, "K"), 10
	case strings.HasSuffix(size, "M"):
		size, shift = strings.TrimSuffix(size, "M"), 20
	}
	n, err := strconv.Atoi(size)
	ts.Check(err)
	var head, tail string
	if len(args) == 4 {
		head, tail = ts.ReadFile(args[2]), ts.ReadFile(args[3])
	}
	data := append([]byte(head), bytes.Repeat([]byte{'x'}, n<<shift)...)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), append(data, tail...), 0o600))
}

// softhsm-init makes a throwaway SoftHSM2 token in the script's work
// directory, labelled licmint with the user PIN 1234, and sets
// SOFTHSM2_CONF for the commands after it and MODULE to the library's path.
func softhsmInit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: softhsm-init")
	}
	conf, err := softhsm.Setup(ts.MkAbs("softhsm"))
	ts.Check(err)
	ts.Setenv("SOFTHSM2_CONF", conf)
	ts.Setenv("MODULE", softhsm.Module())
}
