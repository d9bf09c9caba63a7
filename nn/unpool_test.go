package nn_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MaxUnpool2D puts each pooled maximum back where MaxPool2D found it, with
// zeros elsewhere, for the explicit size and for the default one.
func TestMaxUnpool2D(t *testing.T) {
	x := []float64{
		1, 9, 2, 3,
		4, 5, 8, 6,
		7, 0, 1, 2,
		3, 4, 5, 0,
	}
	cases := []struct {
		name string
		size [2]int
		want []float64
	}{
		{"explicit", [2]int{4, 4}, []float64{
			0, 9, 0, 0,
			0, 0, 8, 0,
			7, 0, 0, 0,
			0, 0, 5, 0,
		}},
		{"default", [2]int{}, []float64{
			0, 9, 0, 0,
			0, 0, 8, 0,
			7, 0, 0, 0,
			0, 0, 5, 0,
		}},
	}
	pool, err := nn.NewMaxPool2D(2)
	if err != nil {
		t.Fatal(err)
	}
	unpool, err := nn.NewMaxUnpool2D(2)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := graph.NewBuilder(graph.Eval)
			in := b.InputValue("x", tensor.New(tensor.WithShape(1, 1, 4, 4), tensor.WithBacking(append([]float64(nil), x...))))
			p, idx, err := pool.ForwardWithIndices(b, in)
			if err != nil {
				t.Fatal(err)
			}
			y, err := unpool.ForwardWithIndices(b, p, idx, c.size)
			if err != nil {
				t.Fatal(err)
			}
			m, err := graph.NewMachine(b.Graph())
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if err := graph.Run(m); err != nil {
				t.Fatal(err)
			}
			got, err := graph.ValueFloat64s(y.Value())
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

// Bad arguments are errors that name the layer and what was wrong.
func TestMaxUnpool2DErrors(t *testing.T) {
	if _, err := nn.NewMaxUnpool2D(0); !errors.Is(err, graph.ErrArg) || !strings.Contains(err.Error(), "NewMaxUnpool2D: kernel must be positive, got 0") {
		t.Errorf("kernel 0: %v", err)
	}
	u, err := nn.NewMaxUnpool2D(2)
	if err != nil {
		t.Fatal(err)
	}
	b := graph.NewBuilder(graph.Eval)
	x4 := b.Input("x", tensor.Float32, 1, 1, 2, 2)
	x3 := b.Input("x3", tensor.Float32, 1, 2, 2)
	idx := b.Input("idx", tensor.Float32, 1, 1, 3, 3)
	cases := []struct {
		name       string
		x, indices any
		sentinel   error
		msg        string
	}{
		{"nil indices", x4, nil, graph.ErrArg, "nn: MaxUnpool2D: indices is nil"},
		{"rank 3", x3, x3, graph.ErrShape, "nn: MaxUnpool2D: input must be rank 4 (N, C, H, W), got shape (1, 2, 2)"},
		{"indices shape", x4, idx, graph.ErrShape, "nn: MaxUnpool2D: ops: MaxUnpool2D: indices must have the input's shape (1, 1, 2, 2), got (1, 1, 3, 3)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			xn, _ := c.x.(*G.Node)
			in, _ := c.indices.(*G.Node)
			_, err := u.ForwardWithIndices(b, xn, in, [2]int{})
			if !errors.Is(err, c.sentinel) || err.Error() != c.msg {
				t.Errorf("got %v, want %q", err, c.msg)
			}
		})
	}
	if s := u.String(); s != "MaxUnpool2D(2)" {
		t.Errorf("String %q", s)
	}
}
