package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra/doc"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/cli from the command tree")

// TestDocsUpToDate fails when docs/cli no longer matches the commands'
// help. Regenerate with: go test ./cmd/licmint -run TestDocsUpToDate -update
func TestDocsUpToDate(t *testing.T) {
	want := filepath.Join("..", "..", "docs", "cli")
	dir := t.TempDir()
	root := newRootCmd()
	root.DisableAutoGenTag = true // no dates: the docs must be reproducible
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		t.Fatal(err)
	}
	generated, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	if *updateDocs {
		old, _ := filepath.Glob(filepath.Join(want, "*.md"))
		for _, f := range old {
			os.Remove(f)
		}
		if err := os.MkdirAll(want, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range generated {
			b, _ := os.ReadFile(f)
			if err := os.WriteFile(filepath.Join(want, filepath.Base(f)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	committed, _ := filepath.Glob(filepath.Join(want, "*.md"))
	if len(committed) != len(generated) {
		t.Fatalf("docs/cli has %d pages, the command tree %d: run go test ./cmd/licmint -run TestDocsUpToDate -update", len(committed), len(generated))
	}
	for _, f := range generated {
		got, _ := os.ReadFile(f)
		have, err := os.ReadFile(filepath.Join(want, filepath.Base(f)))
		if err != nil || !bytes.Equal(got, have) {
			t.Errorf("docs/cli/%s is stale: run go test ./cmd/licmint -run TestDocsUpToDate -update", filepath.Base(f))
		}
	}
}

// TestReadmeListsEveryKind keeps README's table of --json error kinds
// complete.
func TestReadmeListsEveryKind(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range errorKindTable {
		if !strings.Contains(string(readme), "`"+k.Kind+"`") {
			t.Errorf("README.md's exit codes section does not list the kind %q", k.Kind)
		}
	}
}

// readmeBlock is a console or sh block of README.md.
type readmeBlock struct {
	line      int      // of the opening fence
	console   bool     // $ commands with their output shown, else sh lines
	text      []string // the lines inside the fences
	notRun    string   // why the block is not run, from <!-- not run: why -->
	unchecked []string // commands whose output varies: <!-- unchecked: licmint rk new (why) -->
}

var readmeMarker = regexp.MustCompile(`^<!-- (not run|unchecked): (.+) -->$`)

// readmeBlocks reads README.md's console and sh blocks, with the markers
// on the lines just before each.
func readmeBlocks(t *testing.T) []readmeBlock {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var blocks []readmeBlock
	for i := 0; i < len(lines); i++ {
		lang, ok := strings.CutPrefix(lines[i], "```")
		if !ok || lang == "" {
			continue
		}
		end := i + 1
		for end < len(lines) && lines[end] != "```" {
			end++
		}
		if lang == "console" || lang == "sh" {
			b := readmeBlock{line: i + 1, console: lang == "console", text: lines[i+1 : end]}
			for j := i - 1; j >= 0 && readmeMarker.MatchString(lines[j]); j-- {
				m := readmeMarker.FindStringSubmatch(lines[j])
				if m[1] == "not run" {
					b.notRun = m[2]
				} else {
					cmd, _, _ := strings.Cut(m[2], " (")
					b.unchecked = append(b.unchecked, cmd)
				}
			}
			blocks = append(blocks, b)
		}
		i = end
	}
	return blocks
}

// readmeCommand is one command of a console block and the output README
// shows for it.
type readmeCommand struct {
	line int
	cmd  string
	want []string
}

func (b *readmeBlock) commands() []readmeCommand {
	var cmds []readmeCommand
	for i := 0; i < len(b.text); i++ {
		cmd, ok := strings.CutPrefix(b.text[i], "$ ")
		if !ok {
			if len(cmds) > 0 {
				c := &cmds[len(cmds)-1]
				c.want = append(c.want, b.text[i])
			}
			continue
		}
		c := readmeCommand{line: b.line + 1 + i, cmd: cmd}
		for strings.HasSuffix(c.cmd, "\\") && i+1 < len(b.text) {
			i++
			c.cmd += "\n" + b.text[i]
		}
		cmds = append(cmds, c)
	}
	for i := range cmds {
		for n := len(cmds[i].want); n > 0 && cmds[i].want[n-1] == ""; n-- {
			cmds[i].want = cmds[i].want[:n-1]
		}
	}
	return cmds
}

// TestReadme runs README.md's console and sh blocks as a new user would:
// in order, in one shell, in an empty folder, with licmint on PATH and the
// day fixed. A console block's output must be what README shows; a block
// marked <!-- not run: why --> is skipped and reported, so that README
// cannot drift from what licmint does.
func TestReadme(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("README's blocks are POSIX shell")
	}
	if _, err := exec.LookPath("licmint"); err != nil {
		t.Fatalf("licmint is not on PATH: %v", err)
	}
	blocks := readmeBlocks(t)
	var script strings.Builder
	script.WriteString("exec 2>&1\n")
	var cmds [][]readmeCommand
	for bi, b := range blocks {
		cmds = append(cmds, b.commands())
		if b.notRun != "" {
			t.Logf("README.md:%d: not run: %s", b.line, b.notRun)
			continue
		}
		if !b.console {
			fmt.Fprintf(&script, "printf '\\n@@begin %d 0\\n'\nset -e\n%s\nset +e\nprintf '\\n@@end %d 0 0\\n'\n", bi, strings.Join(b.text, "\n"), bi)
			continue
		}
		for ci, c := range cmds[bi] {
			fmt.Fprintf(&script, "printf '\\n@@begin %d %d\\n'\n%s\nst=$?\nprintf '\\n@@end %d %d %%d\\n' $st\n", bi, ci, c.cmd, bi, ci)
		}
	}
	dir := t.TempDir()
	sh := exec.Command("sh", "-c", script.String())
	sh.Dir = dir
	sh.Env = append(os.Environ(), "HOME="+dir, "LICMINT_LEDGER=", "LICMINT_PASSPHRASE=", "LICMINT_PKCS11_PIN=",
		testClockVar+"=2026-11-27", testScryptVar+"="+strconv.Itoa(testScryptWorkFactor), "GORACE=atexit_sleep_ms=0")
	out, _ := sh.CombinedOutput()
	checkReadmeOutput(t, blocks, cmds, string(out))
}

var readmeOutputMark = regexp.MustCompile(`(?s)\n@@begin (\d+) (\d+)\n(.*?)\n@@end \d+ \d+ (\d+)\n`)

// checkReadmeOutput compares what each command printed with README.
func checkReadmeOutput(t *testing.T, blocks []readmeBlock, cmds [][]readmeCommand, out string) {
	type result struct {
		out    string
		status int
	}
	got := map[[2]int]result{}
	for _, m := range readmeOutputMark.FindAllStringSubmatch(out, -1) {
		bi, _ := strconv.Atoi(m[1])
		ci, _ := strconv.Atoi(m[2])
		st, _ := strconv.Atoi(m[4])
		got[[2]int{bi, ci}] = result{strings.TrimRight(m[3], "\n"), st}
	}
	for bi, b := range blocks {
		if b.notRun != "" {
			continue
		}
		if !b.console {
			if _, ok := got[[2]int{bi, 0}]; !ok {
				_, rest, _ := strings.Cut(out, fmt.Sprintf("\n@@begin %d 0\n", bi))
				t.Fatalf("README.md:%d: the block failed:\n%s", b.line, rest)
			}
			continue
		}
		for ci, c := range cmds[bi] {
			r, ok := got[[2]int{bi, ci}]
			if !ok {
				t.Fatalf("README.md:%d: %s: did not run:\n%s", c.line, c.cmd, out)
			}
			shown := strings.Join(c.want, "\n")
			if r.status != 0 && !strings.Contains(shown, "licmint: error:") {
				t.Errorf("README.md:%d: %s: exit %d, and README shows no error:\n%s", c.line, c.cmd, r.status, r.out)
			}
			if slices.ContainsFunc(b.unchecked, func(p string) bool { return strings.HasPrefix(c.cmd, p) }) {
				continue
			}
			if r.out != shown {
				t.Errorf("README.md:%d: %s: README shows\n%s\nlicmint prints\n%s", c.line, c.cmd, shown, r.out)
			}
		}
	}
}

// readmeConstant is a constant named in README's input limits table:
// `pkg.Name`, or `name` (dir) for an unexported one, (cmd) being this
// command's.
var readmeConstant = regexp.MustCompile("`(?:(\\w+)\\.)?(\\w+)`(?: \\(([\\w/]+)\\))?")

// TestReadmeLimitsExist checks that every constant README's input limits
// table names is declared where it says.
func TestReadmeLimitsExist(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(data), "## Input limits\n")
	section, _, _ = strings.Cut(section, "\n## ")
	n := 0
	for _, line := range strings.Split(section, "\n") {
		cols := strings.Split(line, " | ")
		if len(cols) != 4 || !strings.HasPrefix(line, "| ") || strings.HasPrefix(cols[2], "constant") {
			continue
		}
		for _, m := range readmeConstant.FindAllStringSubmatch(cols[2], -1) {
			pkg, name, dir := m[1], m[2], m[3]
			switch {
			case dir == "cmd":
				dir = "cmd/licmint"
			case pkg != "":
				dir = packageDir(t, pkg)
			}
			n++
			if !declares(t, filepath.Join("..", "..", dir), name) {
				t.Errorf("README.md's input limits name %s, which %s does not declare", m[0], dir)
			}
		}
	}
	if n < 10 {
		t.Fatalf("found %d constants in README.md's input limits: the table moved?", n)
	}
}

// packageDir finds the one directory of the repository whose package is
// named pkg.
func packageDir(t *testing.T, pkg string) string {
	var found []string
	filepath.WalkDir("../..", func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") && path != "../.." {
			return filepath.SkipDir
		}
		if d.Name() == pkg {
			found = append(found, strings.TrimPrefix(filepath.ToSlash(path), "../../"))
		}
		return nil
	})
	if len(found) != 1 {
		t.Fatalf("package %s: directories %v", pkg, found)
	}
	return found[0]
}

// declares reports whether a Go file of dir declares name as a constant
// or variable.
func declares(t *testing.T, dir, name string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	decl := regexp.MustCompile(`(?m)^\s*(?:const |var )?` + regexp.QuoteMeta(name) + `\s+(?:=|\w)`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(f, "_test.go") && decl.Match(b) {
			return true
		}
	}
	return false
}

// TestReadmeGo type-checks README's Go example, wrapped in a function
// with the names it takes as given, so that it cannot drift from the
// verifier's API.
func TestReadmeGo(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the verifier from source")
	}
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(data), "\n```go\n")
	block, _, _ = strings.Cut(block, "\n```\n")
	if !ok {
		t.Fatal("README.md has no Go example")
	}
	src := `package readme

import (
	"errors"

	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/state"
)

var licenseKeys []verifier.Key

func example(code, machineID, statePath string) error {
` + block + `
	return nil
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "README.go", src, 0)
	if err != nil {
		t.Fatalf("README.md's Go example does not parse: %v", err)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	if _, err := conf.Check("readme", fset, []*ast.File{f}, nil); err != nil {
		t.Errorf("README.md's Go example does not compile: %v", err)
	}
}
