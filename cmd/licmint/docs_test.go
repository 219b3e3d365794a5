package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
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
