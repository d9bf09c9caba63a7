package extest

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records the failures instead of failing;
// Fatalf stops the helper through a panic that run recovers.
type recorder struct {
	testing.TB
	errs  []string
	fatal string
}

type stop struct{}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	panic(stop{})
}

func (r *recorder) Fatal(args ...any) {
	r.fatal = fmt.Sprint(args...)
	panic(stop{})
}

// run calls f with r, recovering Fatalf's panic.
func (r *recorder) run(f func(testing.TB)) {
	defer func() {
		if v := recover(); v != nil && v != (stop{}) {
			panic(v)
		}
	}()
	f(r)
}

// A missing and an empty file are one error each; a written one is none.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "full"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	r.run(func(tb testing.TB) { Files(tb, dir, "full", "empty", "missing") })
	if len(r.errs) != 2 || r.fatal != "" {
		t.Fatalf("errors %q, fatal %q; want 2 errors", r.errs, r.fatal)
	}
}

// One line of JSON is returned; a missing key is an error, a value JSON
// cannot encode is fatal.
func TestJSONLine(t *testing.T) {
	res := struct {
		A int `json:"a"`
		B int `json:"b"`
	}{1, 2}
	if line := JSONLine(t, res, "a", "b"); line != `{"a":1,"b":2}` {
		t.Fatalf("line %q", line)
	}
	r := &recorder{TB: t}
	r.run(func(tb testing.TB) { JSONLine(tb, res, "a", "c") })
	if len(r.errs) != 1 || r.fatal != "" {
		t.Fatalf("errors %q, fatal %q; want 1 error", r.errs, r.fatal)
	}
	r = &recorder{TB: t}
	r.run(func(tb testing.TB) { JSONLine(tb, math.Inf(1)) })
	if r.fatal == "" {
		t.Fatal("+Inf: not fatal")
	}
}
