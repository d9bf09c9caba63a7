package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"testing"
)

const src = `package p

func F()         {}
func f()         {}
func (T) M()     {}
func (*T) N()    {}
func (T) m()     {}
func (u) M()     {}
func (G[X]) M()  {}
type T struct{}
type u struct{}
type G[X any] struct{}
type (
	A = int
	b int
)
var V, w, W = 1, 2, 3
const C, c = 1, 2
const (
	D = iota
	E
	e
)
`

// countFiles counts exported funcs, types, vars, consts and the exported
// methods of exported types, and nothing else.
func TestCountFiles(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := countFiles([]*ast.File{f})
	want := counts{funcs: 1, types: 3, vars: 2, consts: 3, methods: 3}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// surface skips test files, commands and internal packages.
func TestSurface(t *testing.T) {
	root := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/a.go", "package a\n\nfunc A() {}\n")
	write("a/a_test.go", "package a\n\nfunc B() {}\n")
	write("cmd/main.go", "package main\n\nfunc C() {}\n")
	write("internal/x/x.go", "package x\n\nfunc X() {}\n")
	s, err := surface(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 1 || s["a"] != (counts{funcs: 1}) {
		t.Errorf("got %+v, want only a with one func", s)
	}
}
