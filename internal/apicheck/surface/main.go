// Command surface counts the exported API of every public package of the
// module: top-level functions, types, variables and constants with an
// exported name, and exported methods of exported types, over the
// package's non-test Go files (what `go doc -all` lists, without struct
// fields and interface methods). Packages under internal/ and commands
// (package main) are left out.
//
// Run it from the module root:
//
//	go run ./internal/apicheck/surface
//
// It prints one line per package and the total, the numbers the closing
// notes of API changes quote.
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
)

// counts is the exported surface of one package.
type counts struct {
	funcs, types, vars, consts, methods int
}

func (c counts) total() int { return c.funcs + c.types + c.vars + c.consts + c.methods }

func (c *counts) add(o counts) {
	c.funcs += o.funcs
	c.types += o.types
	c.vars += o.vars
	c.consts += o.consts
	c.methods += o.methods
}

// countFiles counts the exported declarations of one package's parsed
// files. A method counts when both its name and its receiver's type name
// are exported.
func countFiles(files []*ast.File) counts {
	var c counts
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv == nil {
					c.funcs++
				} else if recvExported(d.Recv) {
					c.methods++
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							c.types++
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if !n.IsExported() {
								continue
							}
							if d.Tok == token.CONST {
								c.consts++
							} else {
								c.vars++
							}
						}
					}
				}
			}
		}
	}
	return c
}

// recvExported reports whether a method's receiver type has an exported
// name (T, *T, T[P], *T[P]).
func recvExported(recv *ast.FieldList) bool {
	if len(recv.List) == 0 {
		return false
	}
	t := recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.IsExported()
		default:
			return false
		}
	}
}

// parseDir parses the non-test Go files of dir; it returns the package
// name and files ("" when dir has no Go files). Build constraints are
// ignored: a declaration in a file for another OS counts once like any
// other (none is exported twice in this module).
func parseDir(fset *token.FileSet, dir string) (string, []*ast.File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", nil, err
	}
	var name string
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			return "", nil, err
		}
		name = f.Name.Name
		files = append(files, f)
	}
	return name, files, nil
}

// surface walks the module at root and returns the counts of its public
// packages by import path relative to root.
func surface(root string) (map[string]counts, error) {
	out := map[string]counts{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		base := d.Name()
		if rel != "." && (strings.HasPrefix(base, ".") || base == "testdata" || base == "node_modules" || base == "internal") {
			return filepath.SkipDir
		}
		name, files, err := parseDir(fset, path)
		if err != nil {
			return err
		}
		if name == "" || name == "main" {
			return nil
		}
		out[filepath.ToSlash(rel)] = countFiles(files)
		return nil
	})
	return out, err
}

func main() {
	s, err := surface(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "surface:", err)
		os.Exit(1)
	}
	pkgs := make([]string, 0, len(s))
	for p := range s {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "package\tfuncs\ttypes\tvars\tconsts\tmethods\ttotal\t")
	var all counts
	for _, p := range pkgs {
		c := s[p]
		all.add(c)
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", p, c.funcs, c.types, c.vars, c.consts, c.methods, c.total())
	}
	fmt.Fprintf(w, "all\t%d\t%d\t%d\t%d\t%d\t%d\t\n", all.funcs, all.types, all.vars, all.consts, all.methods, all.total())
	w.Flush()
}
