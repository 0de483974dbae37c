package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestStore_RunsNoAggregateRule: the store keeps and finds rows; it calls no
// function of an aggregate's package (domain/<aggregate>), where the rules
// live, such as a warranty or a bill's computation. Converting to the
// aggregates' types is fine, and so is the shared kernel (package domain).
// Questions that need a rule go through the aggregate's service, from an
// adapter in cmd/fieldwork/app.
func TestStore_RunsNoAggregateRule(t *testing.T) {
	const module = "github.com/fieldwork/fieldwork"
	fset := token.NewFileSet()
	// funcs of each aggregate package, by import path.
	funcs := map[string]map[string]bool{}
	aggregates, err := os.ReadDir(filepath.Join("..", "..", "domain"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range aggregates {
		if !a.IsDir() {
			continue
		}
		names := map[string]bool{}
		files, _ := filepath.Glob(filepath.Join("..", "..", "domain", a.Name(), "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, file, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() {
					names[fd.Name.Name] = true
				}
			}
		}
		funcs[module+"/domain/"+a.Name()] = names
	}
	if len(funcs) < 5 {
		t.Fatalf("found %d aggregate packages: is the path right?", len(funcs))
	}

	files, _ := filepath.Glob("*.go")
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		imports := map[string]string{}
		for _, im := range f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			name := path.Base(ip)
			if im.Name != nil {
				name = im.Name.Name
			}
			imports[name] = ip
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			x, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			if names := funcs[imports[x.Name]]; names[sel.Sel.Name] {
				t.Errorf("%s: calls %s.%s, an aggregate's rule: ask its service through an adapter in cmd/fieldwork/app",
					fset.Position(call.Pos()), x.Name, sel.Sel.Name)
			}
			return true
		})
	}
}
