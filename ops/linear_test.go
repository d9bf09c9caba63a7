package ops_test

import (
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// naiveLinear is y[n][o] = Σ_i x[n][i]·w[o][i] + b[o].
func naiveLinear(x, w, b []float64, n, in, out int) []float64 {
	y := make([]float64, n*out)
	for r := 0; r < n; r++ {
		for o := 0; o < out; o++ {
			s := 0.0
			if b != nil {
				s = b[o]
			}
			for i := 0; i < in; i++ {
				s += x[r*in+i] * w[o*in+i]
			}
			y[r*out+o] = s
		}
	}
	return y
}

func TestLinear(t *testing.T) {
	rng := graph.NewRand(11)
	for _, c := range []struct {
		n, in, out int
		bias       bool
	}{{1, 1, 1, true}, {3, 5, 4, true}, {2, 7, 3, false}, {5, 2, 9, true},
		// thin float64 layers (thinDense64: k >= 64, m <= 16), with tails of
		// the kernel's 8 elements and 4 rows, and one just too wide
		{3, 70, 6, true}, {2, 65, 16, false}, {2, 64, 17, true}} {
		x, w, b := randTensor(rng, c.n, c.in), randTensor(rng, c.out, c.in), randTensor(rng, c.out)
		build := func(bd *graph.Builder, xs []*G.Node) (*G.Node, error) {
			if c.bias {
				return ops.Dense(xs[0], xs[1], xs[2])
			}
			return ops.Dense(xs[0], xs[1], nil)
		}
		inputs := []*tensor.Dense{x, w}
		if c.bias {
			inputs = append(inputs, b)
		}
		name := shapeName("linear", c.n, c.in, c.out, c.bias)
		gradCheck(t, name, inputs, build)
		// forward against the loop, in float64 and float32
		var bv []float64
		if c.bias {
			bv = b.Float64s()
		}
		want := naiveLinear(x.Float64s(), w.Float64s(), bv, c.n, c.in, c.out)
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			in := map[string]*tensor.Dense{"x": x, "w": w, "b": b}
			got, _, _, err := forwardBackward(dt, in, nil, nil, func(bd *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				if c.bias {
					return ops.Dense(xs["x"], xs["w"], xs["b"])
				}
				return ops.Dense(xs["x"], xs["w"], nil)
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if d := got[i] - want[i]; d > 1e-5 || d < -1e-5 {
					t.Fatalf("%s %v: element %d: got %v, want %v", name, dt, i, got[i], want[i])
				}
			}
		}
	}
}

func TestLinearBadShapes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 2, G.WithShape(2, 3), G.WithName("x"))
	w := G.NewTensor(g, tensor.Float64, 2, G.WithShape(4, 5), G.WithName("w"))
	w32 := G.NewTensor(g, tensor.Float32, 2, G.WithShape(4, 3), G.WithName("w32"))
	b := G.NewTensor(g, tensor.Float64, 1, G.WithShape(3), G.WithName("b"))
	x3 := G.NewTensor(g, tensor.Float64, 3, G.WithShape(2, 3, 1), G.WithName("x3"))
	for name, f := range map[string]func() (*G.Node, error){
		"features":   func() (*G.Node, error) { return ops.Dense(x, w, nil) },
		"dtype":      func() (*G.Node, error) { return ops.Dense(x, w32, nil) },
		"bias-shape": func() (*G.Node, error) { return ops.Dense(x, w32, b) },
		"rank":       func() (*G.Node, error) { return ops.Dense(x3, w, nil) },
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
