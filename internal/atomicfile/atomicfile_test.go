package atomicfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// modes runs f with unnamed temporary files where the system has them, and
// with the named fallback.
func modes(t *testing.T, f func(t *testing.T)) {
	for _, disabled := range []bool{false, true} {
		name := "unnamed"
		if disabled {
			name = "named"
		}
		t.Run(name, func(t *testing.T) {
			old := unnamedDisabled
			unnamedDisabled = disabled
			t.Cleanup(func() { unnamedDisabled = old })
			f(t)
		})
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ns []string
	for _, e := range entries {
		ns = append(ns, e.Name())
	}
	return ns
}

func wantFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files in the directory: %q, want %q", got, want)
	}
}

func wantContent(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("%s: %q, %v; want %q", path, got, err, want)
	}
}

func TestWriteFile(t *testing.T) {
	modes(t, func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "out.csv")
		if err := WriteFile(path, []byte("one"), 0o640); err != nil {
			t.Fatal(err)
		}
		wantContent(t, path, "one")
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
			t.Errorf("mode %v, want 0640 whatever the umask", fi.Mode().Perm())
		}
		err := WriteFile(path, []byte("two"), 0o640)
		if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), path) {
			t.Fatalf("over an existing file without Replace: %v", err)
		}
		wantContent(t, path, "one")
		if err := WriteFile(path, []byte("three"), 0o600, Replace()); err != nil {
			t.Fatal(err)
		}
		wantContent(t, path, "three")
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("replaced file mode %v, want 0600", fi.Mode().Perm())
		}
		wantFiles(t, dir, "out.csv")
	})
}

// A file that appears while the data is written is not overwritten.
func TestCommitDoesNotClobber(t *testing.T) {
	modes(t, func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "out.csv")
		f, err := Create(path, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("ours"))
		os.WriteFile(path, []byte("theirs"), 0o644)
		if err := f.Commit(); !errors.Is(err, fs.ErrExist) {
			t.Fatalf("Commit over a file that appeared: %v", err)
		}
		wantContent(t, path, "theirs")
		wantFiles(t, dir, "out.csv")
	})
}

func TestAbort(t *testing.T) {
	modes(t, func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "out.csv")
		f, err := Create(path, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte("half")); err != nil {
			t.Fatal(err)
		}
		if err := f.Abort(); err != nil {
			t.Fatal(err)
		}
		wantFiles(t, dir)
		if _, err := f.Write([]byte("more")); err == nil {
			t.Error("Write after Abort succeeded")
		}
		if err := f.Commit(); err == nil {
			t.Error("Commit after Abort succeeded")
		}
		wantFiles(t, dir)
	})
}

// Until Commit, the file is invisible, and on Linux it has no name at all.
func TestUncommittedIsInvisible(t *testing.T) {
	modes(t, func(t *testing.T) {
		dir := t.TempDir()
		f, err := Create(filepath.Join(dir, "out.csv"), 0o644, Replace())
		if err != nil {
			t.Fatal(err)
		}
		defer f.Abort()
		f.Write([]byte("half"))
		got := names(t, dir)
		if runtime.GOOS == "linux" && !unnamedDisabled {
			if len(got) != 0 {
				t.Fatalf("an unnamed file is visible as %q", got)
			}
			return
		}
		if len(got) != 1 || !isPartialName(got[0]) {
			t.Fatalf("files while writing: %q, want one temporary file", got)
		}
	})
}

func TestIsPartialName(t *testing.T) {
	for name, want := range map[string]bool{
		".codes.csv.partial-123":        true,
		".codes.csv.partial-4294967295": true,
		".x.partial-":                   false,
		".x.partial-12a":                false,
		"codes.csv.partial-123":         false,
		".codes.csv.tmp-123":            false,
		".partial-1":                    false,
		"codes.csv":                     false,
	} {
		if isPartialName(name) != want {
			t.Errorf("isPartialName(%q) = %v", name, !want)
		}
	}
}

// A dead writer's temporary file is removed by the next write into the
// directory; a live writer's, and files of other naming, are kept.
func TestSweep(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sweeps go by age where there is no flock")
	}
	old := unnamedDisabled
	unnamedDisabled = true
	defer func() { unnamedDisabled = old }()
	dir := t.TempDir()
	for _, name := range []string{".a.csv.partial-1", ".a.csv.partial-x", "notes.partial-2"} {
		os.WriteFile(filepath.Join(dir, name), []byte("left"), 0o600)
	}
	live, err := Create(filepath.Join(dir, "b.csv"), 0o644) // first write: sweeps
	if err != nil {
		t.Fatal(err)
	}
	defer live.Abort()
	wantFiles(t, dir, ".a.csv.partial-x", filepath.Base(live.tmpName), "notes.partial-2")
	// Another process's sweep leaves the live writer's file alone.
	sweptMu.Lock()
	delete(swept, dir)
	sweptMu.Unlock()
	if err := WriteFile(filepath.Join(dir, "c.csv"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	wantFiles(t, dir, ".a.csv.partial-x", filepath.Base(live.tmpName), "c.csv", "notes.partial-2")
}

const killedWriterVar = "ATOMICFILE_KILLED_WRITER"

// A writer killed mid-write leaves nothing behind on Linux, and with named
// temporary files its leftover goes at the next write into the directory.
func TestKilledWriter(t *testing.T) {
	if dir := os.Getenv(killedWriterVar); dir != "" {
		unnamedDisabled = os.Getenv(killedWriterVar+"_NAMED") != ""
		opts := []Option{}
		if os.Getenv(killedWriterVar+"_REPLACE") != "" {
			opts = append(opts, Replace())
		}
		f, err := Create(filepath.Join(dir, "out.csv"), 0o644, opts...)
		if err != nil {
			os.Exit(3)
		}
		f.Write(bytes.Repeat([]byte("x"), 1<<20))
		os.Stdout.WriteString("writing\n")
		time.Sleep(time.Minute)
		os.Exit(4)
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGKILL")
	}
	for _, named := range []bool{false, true} {
		for _, replace := range []bool{false, true} {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("keep"), 0o644)
			if replace {
				os.WriteFile(filepath.Join(dir, "out.csv"), []byte("old"), 0o644)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriter$")
			cmd.Env = append(os.Environ(), killedWriterVar+"="+dir)
			if named {
				cmd.Env = append(cmd.Env, killedWriterVar+"_NAMED=1")
			}
			if replace {
				cmd.Env = append(cmd.Env, killedWriterVar+"_REPLACE=1")
			}
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, len("writing\n"))
			if _, err := out.Read(buf); err != nil || string(buf) != "writing\n" {
				cmd.Process.Kill()
				t.Fatalf("writer: %q, %v", buf, err)
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			want := []string{"keep.txt"}
			if replace {
				want = append(want, "out.csv")
			}
			got := names(t, dir)
			if runtime.GOOS == "linux" && !named {
				if !slices.Equal(got, want) {
					t.Fatalf("after a kill with unnamed files: %q, want %q", got, want)
				}
			} else if len(got) != len(want)+1 {
				t.Fatalf("after a kill with named files: %q, want %q and a leftover", got, want)
			}
			old := unnamedDisabled
			unnamedDisabled = named
			err = WriteFile(filepath.Join(dir, "next.txt"), nil, 0o644)
			unnamedDisabled = old
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, "next.txt")
			slices.Sort(want)
			wantFiles(t, dir, want...)
			if replace {
				wantContent(t, filepath.Join(dir, "out.csv"), "old")
			}
		}
	}
}
