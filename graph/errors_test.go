package graph_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/convnet-go/convnet/graph"
	pkgerrors "github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Shape, argument and data errors wrap their sentinels and keep their text.
func TestSentinelErrors(t *testing.T) {
	cases := []struct {
		name     string
		err      error
		sentinel error
		msg      string
	}{
		{"shape", graph.ShapeErrorf("graph: x: got %s", graph.FormatShape([]int{8, 64})), graph.ErrShape, "graph: x: got (8, 64)"},
		{"arg", graph.ArgErrorf("graph: stride must be positive, got %d", 0), graph.ErrArg, "graph: stride must be positive, got 0"},
		{"data", graph.DataErrorf("graph: corrupt file: %s", "bad"), graph.ErrData, "graph: corrupt file: bad"},
	}
	all := []error{graph.ErrShape, graph.ErrArg, graph.ErrData}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, e := range []error{c.err, pkgerrors.Wrap(c.err, "context"), fmt.Errorf("ctx: %w", c.err)} {
				for _, s := range all {
					if errors.Is(e, s) != (s == c.sentinel) {
						t.Errorf("errors.Is(%q, %v) = %v", e, s, errors.Is(e, s))
					}
				}
			}
			if c.err.Error() != c.msg {
				t.Errorf("message %q, want %q (the sentinel's text is not appended)", c.err, c.msg)
			}
			if pkgerrors.Wrap(c.err, "nn: Foo").Error() != "nn: Foo: "+c.msg {
				t.Errorf("wrapped: %q", pkgerrors.Wrap(c.err, "nn: Foo"))
			}
		})
	}
	if graph.FormatShape(nil) != "()" || graph.FormatShape([]int{3}) != "(3)" || graph.Shape(nil) != nil {
		t.Error("FormatShape/Shape")
	}
	if s := graph.Shape(tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(2, 5))); !graph.SameShape(s, []int{2, 5}) {
		t.Errorf("Shape %v", s)
	}
}
