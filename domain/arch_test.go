package domain_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The dependency rule of STYLE.md, checked on the source tree: domain
// imports only the standard library, uuid and domain; an aggregate names
// other aggregates by id only; api and infra never import each other.

const module = "github.com/fieldwork/fieldwork"

// importRef is one import of one file, as a path relative to the root.
type importRef struct {
	file string // slash-separated, relative to the module root
	path string
	test bool // the file is a _test.go file
}

// imports lists every import of every .go file under root, skipping
// testdata, vendor and hidden directories.
func imports(t *testing.T, root string) []importRef {
	t.Helper()
	var refs []importRef
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			ip, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			refs = append(refs, importRef{file: filepath.ToSlash(rel), path: ip, test: strings.HasSuffix(name, "_test.go")})
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read the source tree: %v", err)
	}
	return refs
}

// isStdlib reports whether ip names a standard-library package: their
// first element never has a dot, every other module's does.
func isStdlib(ip string) bool {
	first, _, _ := strings.Cut(ip, "/")
	return !strings.Contains(first, ".")
}

// under reports whether the slash path p lies in dir (or is dir).
func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// aggregate is the x of a package directory domain/x or domain/x/..., and
// "" for the root domain package or anything outside domain.
func aggregate(dir string) string {
	rest, ok := strings.CutPrefix(dir, "domain/")
	if !ok {
		return ""
	}
	agg, _, _ := strings.Cut(rest, "/")
	return agg
}

// violations applies the dependency rule to the imports of a tree.
func violations(refs []importRef) []string {
	var out []string
	bad := func(r importRef, why string) {
		out = append(out, r.file+" imports "+strconv.Quote(r.path)+": "+why)
	}
	for _, r := range refs {
		dir := path.Dir(r.file)
		local, isLocal := strings.CutPrefix(r.path, module+"/")
		switch {
		case under(dir, "domain") && !r.test:
			switch {
			case isStdlib(r.path), r.path == "github.com/google/uuid":
			case isLocal && under(local, "domain"):
				if from, to := aggregate(dir), aggregate(local); from != "" && to != "" && from != to {
					bad(r, "an aggregate names another aggregate by id only; share through the root domain package")
				}
			default:
				bad(r, "domain may import only the standard library, github.com/google/uuid and domain packages")
			}
		case under(dir, "api") && !r.test:
			if isLocal && under(local, "infra") {
				bad(r, "api must not import infra; cmd wires them together")
			}
		case under(dir, "infra") && !r.test:
			if isLocal && under(local, "api") {
				bad(r, "infra must not import api")
			}
		}
	}
	return out
}

func TestArchitecture_DependencyRule(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	refs := imports(t, root)
	// Guard against a walk that silently found nothing to check.
	for _, dir := range []string{"domain", "domain/user", "api", "infra/store"} {
		if !slices.ContainsFunc(refs, func(r importRef) bool { return path.Dir(r.file) == dir }) {
			t.Fatalf("found no imports in %s/ under %s: is the walk broken?", dir, root)
		}
	}
	for _, v := range violations(refs) {
		t.Error(v)
	}
}

// TestArchitecture_CatchesViolations proves the checker is not vacuous.
func TestArchitecture_CatchesViolations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ref  importRef
		bad  bool
	}{
		{name: "DomainImportsStdlib", ref: importRef{file: "domain/errors.go", path: "errors"}},
		{name: "DomainImportsUUID", ref: importRef{file: "domain/tx.go", path: "github.com/google/uuid"}},
		{name: "AggregateImportsRootDomain", ref: importRef{file: "domain/user/model.go", path: module + "/domain"}},
		{name: "AggregateImportsItself", ref: importRef{file: "domain/user/service.go", path: module + "/domain/user"}},
		{name: "AggregateImportsAggregate", ref: importRef{file: "domain/vehicle/vehicle.go", path: module + "/domain/customer"}, bad: true},
		{name: "AggregateImportsSubpackageOfAggregate", ref: importRef{file: "domain/vehicle/vehicle.go", path: module + "/domain/customer/rules"}, bad: true},
		{name: "RootDomainImportsAggregate", ref: importRef{file: "domain/actor.go", path: module + "/domain/user"}},
		{name: "DomainImportsEcho", ref: importRef{file: "domain/user/service.go", path: "github.com/labstack/echo/v4"}, bad: true},
		{name: "DomainImportsGorm", ref: importRef{file: "domain/errors.go", path: "gorm.io/gorm"}, bad: true},
		{name: "DomainImportsMinio", ref: importRef{file: "domain/x.go", path: "github.com/minio/minio-go/v7"}, bad: true},
		{name: "DomainImportsRiver", ref: importRef{file: "domain/auth/auth.go", path: "github.com/riverqueue/river"}, bad: true},
		{name: "DomainImportsInfra", ref: importRef{file: "domain/auth/auth.go", path: module + "/infra/auth"}, bad: true},
		{name: "DomainImportsAPI", ref: importRef{file: "domain/auth/auth.go", path: module + "/api"}, bad: true},
		{name: "DomainTestMayImportMore", ref: importRef{file: "domain/user/user_test.go", path: module + "/infra/store", test: true}},
		{name: "APIImportsInfra", ref: importRef{file: "api/users.go", path: module + "/infra/store"}, bad: true},
		{name: "APIImportsDomain", ref: importRef{file: "api/users.go", path: module + "/domain/user"}},
		{name: "APIGenImportsInfra", ref: importRef{file: "api/gen/server.go", path: module + "/infra/jobs"}, bad: true},
		{name: "APITestImportsInfra", ref: importRef{file: "api/harness_test.go", path: module + "/infra/auth", test: true}},
		{name: "InfraImportsAPI", ref: importRef{file: "infra/store/users.go", path: module + "/api"}, bad: true},
		{name: "InfraImportsAPIGen", ref: importRef{file: "infra/jobs/jobs.go", path: module + "/api/gen"}, bad: true},
		{name: "InfraImportsDomain", ref: importRef{file: "infra/store/users.go", path: module + "/domain/user"}},
		{name: "LookalikeModuleIsNotAPI", ref: importRef{file: "infra/store/users.go", path: module + "/apidocs"}},
		{name: "CmdImportsEverything", ref: importRef{file: "cmd/fieldwork/main.go", path: module + "/infra/store"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := violations([]importRef{tt.ref})
			if (len(got) > 0) != tt.bad {
				t.Errorf("violations(%s imports %s) = %q, want violation: %v", tt.ref.file, tt.ref.path, got, tt.bad)
			}
			if tt.bad && len(got) == 1 && !strings.Contains(got[0], tt.ref.file) {
				t.Errorf("message %q does not name the file %s", got[0], tt.ref.file)
			}
		})
	}
}

// moduleRoot finds the directory of go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			if !strings.Contains(string(b), "module "+module+"\n") {
				t.Fatalf("%s/go.mod is not module %s", dir, module)
			}
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}
