package graph_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"gorgonia.org/tensor"
)

func TestEagerBasics(t *testing.T) {
	if graph.Rank(nil) != 0 || graph.Shape(nil) != nil || graph.Dtype(nil) != (tensor.Dtype{}) || graph.Describe("n", nil) != "n: nil" {
		t.Error("nil handling")
	}
	m := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6}))
	s := graph.Shape(m)
	s[0] = 99
	if m.Shape()[0] != 2 {
		t.Error("Shape returned the tensor's own slice")
	}
}

func TestEagerSumScaleOuter(t *testing.T) {
	f32 := func(shape []int, v ...float32) *tensor.Dense {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
	}
	f64 := func(shape []int, v ...float64) *tensor.Dense {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
	}
	transposed := f64([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	if err := transposed.T(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		fn   func() (*tensor.Dense, error)
		want string // "shape data" or the error text
		err  error
	}{
		{"sum-f32", func() (*tensor.Dense, error) { return graph.Sum(f32([]int{3}, 1, 2, 3), f32([]int{3}, 0.5, 0.25, -3)) }, "float32 (3) [1.5 2.25 0]", nil},
		{"sum-scalars", func() (*tensor.Dense, error) {
			return graph.Sum(tensor.New(tensor.FromScalar(2.0)), tensor.New(tensor.FromScalar(0.5)))
		}, "float64 () 2.5", nil},
		{"sum-view", func() (*tensor.Dense, error) { return graph.Sum(transposed, f64([]int{3, 2}, 0, 0, 0, 0, 0, 0)) }, "float64 (3, 2) [1 4 2 5 3 6]", nil},
		{"sum-shape", func() (*tensor.Dense, error) { return graph.Sum(f32([]int{1, 3}, 1, 2, 3), f32([]int{3}, 1, 2, 3)) }, "graph: Sum: shapes must be equal, got (1, 3) and (3)", graph.ErrShape},
		{"sum-dtype", func() (*tensor.Dense, error) { return graph.Sum(f32([]int{1}, 1), f64([]int{1}, 1)) }, "graph: Sum: dtypes must be equal, got float32 and float64", graph.ErrArg},
		{"sum-int", func() (*tensor.Dense, error) {
			i := tensor.New(tensor.WithShape(1), tensor.WithBacking([]int{1}))
			return graph.Sum(i, i)
		}, "graph: Sum: dtype must be float32 or float64, got int", graph.ErrArg},
		{"sum-nil", func() (*tensor.Dense, error) { return graph.Sum(nil, f32([]int{1}, 1)) }, "graph: Sum: tensor is nil", graph.ErrArg},
		{"scale-f64", func() (*tensor.Dense, error) { return graph.Scale(f64([]int{2, 1}, 1, -3), -0.5) }, "float64 (2, 1) [-0.5 1.5]", nil},
		{"scale-scalar", func() (*tensor.Dense, error) { return graph.Scale(tensor.New(tensor.FromScalar(float32(3))), 2) }, "float32 () 6", nil},
		{"scale-int", func() (*tensor.Dense, error) {
			return graph.Scale(tensor.New(tensor.WithShape(1), tensor.WithBacking([]int64{1})), 2)
		}, "graph: Scale: dtype must be float32 or float64, got int64", graph.ErrArg},
		{"outer-f32", func() (*tensor.Dense, error) { return graph.Outer(f32([]int{3}, 1, 2, 3), f32([]int{1}, -1)) }, "float32 (3, 1) [-1 -2 -3]", nil},
		{"outer-matrix", func() (*tensor.Dense, error) { return graph.Outer(f64([]int{1, 2}, 1, 2), f64([]int{2}, 1, 2)) }, "graph: Outer: both arguments must be vectors (rank 1), got shapes (1, 2) and (2)", graph.ErrShape},
		{"outer-dtype", func() (*tensor.Dense, error) { return graph.Outer(f64([]int{2}, 1, 2), f32([]int{2}, 1, 2)) }, "graph: Outer: dtypes must be equal, got float64 and float32", graph.ErrArg},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.fn()
			if c.err != nil {
				if err == nil || !errors.Is(err, c.err) || err.Error() != c.want {
					t.Fatalf("got %v, want %v %q", err, c.err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := fmt.Sprintf("%v %v %v", got.Dtype(), got.Shape(), got.Data()); s != c.want {
				t.Fatalf("got %s, want %s", s, c.want)
			}
		})
	}
}

func TestDot(t *testing.T) {
	f32 := func(shape []int, v ...float32) *tensor.Dense {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
	}
	f64 := func(shape []int, v ...float64) *tensor.Dense {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
	}
	// A column of a transposed matrix is a strided view.
	m := f64([]int{2, 2}, 1, 2, 3, 4)
	if err := m.T(); err != nil {
		t.Fatal(err)
	}
	col, err := m.Slice(nil, tensor.S(0))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		u, v tensor.Tensor
		want float64
		msg  string
		err  error
	}{
		{"f32", f32([]int{3}, 1, 2, 3), f32([]int{3}, 4, -5, 6), 12, "", nil},
		{"f64", f64([]int{2}, 0.5, 0.25), f64([]int{2}, 2, 4), 2, "", nil},
		{"orthogonal", f64([]int{2}, 1, 1), f64([]int{2}, 1, -1), 0, "", nil},
		{"view", col, f64([]int{2}, 1, 1), 3, "", nil}, // column (1, 2) of the transpose
		{"lengths", f32([]int{3}, 1, 2, 3), f32([]int{2}, 1, 2), 0, "graph: Dot: need two vectors of the same length, got shapes (3) and (2)", graph.ErrShape},
		{"matrix", f64([]int{1, 2}, 1, 2), f64([]int{2}, 1, 2), 0, "graph: Dot: need two vectors of the same length, got shapes (1, 2) and (2)", graph.ErrShape},
		{"dtypes", f64([]int{1}, 1), f32([]int{1}, 1), 0, "graph: Dot: dtypes must be equal, got float64 and float32", graph.ErrArg},
		{"int", tensor.New(tensor.WithShape(1), tensor.WithBacking([]int{1})), tensor.New(tensor.WithShape(1), tensor.WithBacking([]int{1})), 0, "graph: Dot: dtype must be float32 or float64, got int", graph.ErrArg},
		{"nil", nil, f64([]int{1}, 1), 0, "graph: Dot: tensor is nil", graph.ErrArg},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := graph.Dot(c.u, c.v)
			if c.err != nil {
				if err == nil || !errors.Is(err, c.err) || err.Error() != c.msg {
					t.Fatalf("got %v, want %v %q", err, c.err, c.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestEagerDoesNotModifyInputs(t *testing.T) {
	a := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2}))
	b := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{3, 4}))
	s, _ := graph.Sum(a, b)
	c, _ := graph.Scale(a, 10)
	o, _ := graph.Outer(a, b)
	s.Float64s()[0], c.Float64s()[0], o.Float64s()[0] = 100, 100, 100
	if fmt.Sprint(a.Data(), b.Data()) != "[1 2] [3 4]" {
		t.Fatalf("inputs changed: %v %v", a.Data(), b.Data())
	}
}

func TestNameAxes(t *testing.T) {
	x := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(2, 5))
	if _, err := graph.NameAxes("x", x, "N", "N"); !errors.Is(err, graph.ErrArg) || !strings.Contains(err.Error(), "different") {
		t.Errorf("duplicate axes: %v", err)
	}
	if _, err := graph.NameAxes("x", x, "N", ""); !errors.Is(err, graph.ErrArg) {
		t.Errorf("empty axis: %v", err)
	}
	if _, err := graph.NameAxes("x", nil); !errors.Is(err, graph.ErrArg) {
		t.Errorf("nil: %v", err)
	}
	n, err := graph.NameAxes("x", x, "batch", "features")
	if err != nil {
		t.Fatal(err)
	}
	if f, err := n.Size("features"); f != 5 || err != nil {
		t.Errorf("Size = %d, %v", f, err)
	}
	if _, err := n.Size("C"); !errors.Is(err, graph.ErrArg) || err.Error() != `graph: x has no axis "C" (axes batch, features)` {
		t.Errorf("missing axis: %v", err)
	}
	s := tensor.New(tensor.FromScalar(1.0))
	ns, err := graph.NameAxes("loss", s)
	if err != nil || ns.String() != "loss: () float64" {
		t.Errorf("scalar: %v %v", ns, err)
	}
}
