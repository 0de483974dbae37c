package app

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/fieldwork/fieldwork"

// TestEveryConsumerInterfaceIsAsserted: each exported interface that a
// package declares for what it consumes has, somewhere in the non-test code,
// a `var _ Interface = Implementation` that the compiler checks, as STYLE.md
// asks. Generated code is left out.
func TestEveryConsumerInterfaceIsAsserted(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	declared := map[string]bool{} // "import/path.Name"
	asserted := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if name := d.Name(); rel != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || rel == "api/gen") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		self := module + "/" + path.Dir(rel)
		imports := map[string]string{}
		for _, im := range f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			name := path.Base(ip)
			if im.Name != nil {
				name = im.Name.Name
			}
			imports[name] = ip
		}
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range g.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if _, ok := s.Type.(*ast.InterfaceType); ok && s.Name.IsExported() {
						declared[self+"."+s.Name.Name] = true
					}
				case *ast.ValueSpec:
					if len(s.Names) != 1 || s.Names[0].Name != "_" || s.Type == nil {
						continue
					}
					switch typ := s.Type.(type) {
					case *ast.Ident:
						asserted[self+"."+typ.Name] = true
					case *ast.SelectorExpr:
						if x, ok := typ.X.(*ast.Ident); ok && imports[x.Name] != "" {
							asserted[imports[x.Name]+"."+typ.Sel.Name] = true
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(declared) < 20 {
		t.Fatalf("found only %d interfaces under %s: is the walk right?", len(declared), root)
	}
	var missing []string
	for name := range declared {
		if !asserted[name] {
			missing = append(missing, strings.TrimPrefix(name, module+"/"))
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("no `var _ I = impl` for these interfaces:\n  %s", strings.Join(missing, "\n  "))
	}
}
