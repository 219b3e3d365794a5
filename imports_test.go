package licmint_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// No import in the module is renamed: a package's name is its directory's
// name, and no two packages that one file needs share a name. Only the
// blank import, for a side effect, and the dot import are allowed.
func TestNoImportAliases(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// What the go command ignores: testdata, and names that
			// start with a dot or an underscore.
			name := d.Name()
			if path != "." && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		for _, imp := range f.Imports {
			if imp.Name != nil && imp.Name.Name != "_" && imp.Name.Name != "." {
				t.Errorf("%s: imports %s as %s: name the package after its directory, or rename what clashes", fset.Position(imp.Pos()), imp.Path.Value, imp.Name.Name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("found only %d Go files: is the test running at the module's root?", files)
	}
}
