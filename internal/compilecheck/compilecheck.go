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
	"strings"

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

// Call is one expression of a call matrix: Text must compile when OK is
// true; otherwise it must fail with an error naming Family (an interface
// of the package whose options are being checked).
type Call struct {
	Text, Family string
	OK           bool
}

// CheckCalls type-checks every call as one line `_, _ = Text` of a snippet
// that imports imports, and returns a message for each call that does not
// behave as wanted: a wanted call that fails, an unwanted one that
// compiles, or an error that does not say "does not implement
// pkg.Family". Unused imports are not errors.
func (c *Checker) CheckCalls(imports []string, pkg string, calls []Call) ([]string, error) {
	var src strings.Builder
	src.WriteString("package snippet\n\nimport (\n")
	for _, p := range imports {
		fmt.Fprintf(&src, "\t%q\n", p)
	}
	src.WriteString(")\n\nfunc f() {\n")
	firstLine := strings.Count(src.String(), "\n") + 1
	for _, call := range calls {
		fmt.Fprintf(&src, "\t_, _ = %s\n", call.Text)
	}
	src.WriteString("}\n")
	errsByLine := map[int][]string{}
	for _, err := range c.Check(src.String()) {
		te, ok := err.(types.Error)
		if !ok {
			return nil, errors.Wrap(err, "compilecheck: not a type error")
		}
		if strings.Contains(te.Msg, "imported and not used") {
			continue
		}
		line := te.Fset.Position(te.Pos).Line
		if line < firstLine || line >= firstLine+len(calls) {
			return nil, errors.Errorf("compilecheck: error outside the calls (line %d): %s", line, te.Msg)
		}
		errsByLine[line] = append(errsByLine[line], te.Msg)
	}
	var problems []string
	for i, call := range calls {
		msgs := errsByLine[firstLine+i]
		switch {
		case call.OK && len(msgs) > 0:
			problems = append(problems, fmt.Sprintf("%s does not compile: %s", call.Text, strings.Join(msgs, "; ")))
		case !call.OK && len(msgs) == 0:
			problems = append(problems, fmt.Sprintf("%s compiles; want a type error", call.Text))
		case !call.OK && !strings.Contains(msgs[0], "does not implement "+pkg+"."+call.Family):
			problems = append(problems, fmt.Sprintf("%s: error %q does not name %s.%s", call.Text, msgs[0], pkg, call.Family))
		}
	}
	return problems, nil
}
