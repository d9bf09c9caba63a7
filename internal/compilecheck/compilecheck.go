// Package compilecheck type-checks small Go programs against the module's
// packages, so that a test can prove that some code does not compile (a
// wrong option passed to a layer constructor, say) as well as that other
// code does.
//
// The packages are compiled once by `go list -export` (which reuses the
// build cache) and the snippets are checked with go/types against their
// export data, so one check costs milliseconds.
package compilecheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"

	"github.com/pkg/errors"
)

// Checker type-checks snippets that import a fixed set of packages.
type Checker struct {
	exports map[string]string // import path -> export data file
}

// New compiles pkgs and their dependencies (with `go list -export -deps`)
// and returns a Checker whose snippets may import any of them.
func New(pkgs ...string) (*Checker, error) {
	args := append([]string{"list", "-export", "-deps", "-json=ImportPath,Export"}, pkgs...)
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, errors.Wrapf(err, "compilecheck: go list: %s", stderr.String())
	}
	c := &Checker{exports: map[string]string{}}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct{ ImportPath, Export string }
		if err := dec.Decode(&p); err != nil {
			return nil, errors.Wrap(err, "compilecheck: reading go list output")
		}
		if p.Export != "" {
			c.exports[p.ImportPath] = p.Export
		}
	}
	return c, nil
}

// Check type-checks one file of Go source (a whole file, package clause
// and imports included) and returns the type errors, nil when it compiles.
// A syntax error is returned as an error too.
func (c *Checker) Check(src string) []error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "snippet.go", src, 0)
	if err != nil {
		return []error{err}
	}
	var errs []error
	conf := types.Config{
		Importer: importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
			file, ok := c.exports[path]
			if !ok {
				return nil, fmt.Errorf("compilecheck: package %q was not compiled (pass it to New)", path)
			}
			return os.Open(file)
		}),
		Error: func(err error) { errs = append(errs, err) },
	}
	_, _ = conf.Check("snippet", fset, []*ast.File{f}, nil)
	return errs
}
