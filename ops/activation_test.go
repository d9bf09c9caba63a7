package ops_test

import (
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func activationByName(name string, alpha float64) func(x *G.Node) (*G.Node, error) {
	switch name {
	case "sigmoid":
		return ops.Sigmoid
	case "tanh":
		return ops.Tanh
	case "relu":
		return ops.ReLU
	case "leaky_relu":
		return func(x *G.Node) (*G.Node, error) { return ops.LeakyReLU(x, alpha) }
	case "elu":
		return func(x *G.Node) (*G.Node, error) { return ops.ELU(x, alpha) }
	case "softplus":
		return ops.Softplus
	case "softsign":
		return ops.Softsign
	}
	return nil
}

func TestActivationsMatchPyTorch(t *testing.T) {
	f := loadGolden(t, "activations.json")
	seen := 0
	for _, c := range f.Cases {
		alpha, _ := c.Float("alpha")
		fn := activationByName(c.Name, alpha)
		if fn == nil {
			continue // softmax cases are checked with SoftMax
		}
		seen++
		t.Run(c.Name, func(t *testing.T) {
			goldenCase(t, c, c.Inputs, []string{"x"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				return fn(xs["x"])
			})
		})
	}
	if seen != 7 {
		t.Fatalf("want 7 activation cases, found %d", seen)
	}
}

func TestActivationsGradCheck(t *testing.T) {
	rng := graph.NewRand(5)
	names := []string{"sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "softsign"}
	for _, name := range names {
		for _, shape := range [][]int{{7}, {2, 3, 4}, {2, 1, 3, 3, 2}} {
			x := randTensor(rng, shape...)
			// keep inputs away from the kink at 0, where the finite difference is meaningless
			for i, v := range x.Float64s() {
				if math.Abs(v) < 1e-3 {
					x.Float64s()[i] = 0.5
				}
			}
			fn := activationByName(name, 0.3)
			gradCheck(t, shapeName(name, shape), []*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
				return fn(xs[0])
			})
		}
	}
}

func TestActivationsStableAtExtremes(t *testing.T) {
	x := tensor.New(tensor.WithShape(4), tensor.WithBacking([]float32{-1e4, -100, 100, 1e4}))
	for _, name := range []string{"sigmoid", "softplus", "elu", "tanh", "softsign"} {
		b := graph.NewBuilder(graph.Eval)
		y, err := activationByName(name, 1)(b.InputValue("x", x))
		if err != nil {
			t.Fatal(err)
		}
		m := G.NewTapeMachine(b.Graph())
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		for _, v := range y.Value().Data().([]float32) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Errorf("%s: got %v for extreme inputs", name, y.Value())
			}
		}
		m.Close()
	}
}

func TestActivationBadArguments(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 2, G.WithShape(2, 2), G.WithName("x"))
	xi := G.NewTensor(g, tensor.Int, 2, G.WithShape(2, 2), G.WithName("xi"))
	cases := []struct {
		name string
		run  func() (*G.Node, error)
	}{
		{"elu-negative-alpha", func() (*G.Node, error) { return ops.ELU(x, -1) }},
		{"leaky-nan-alpha", func() (*G.Node, error) { return ops.LeakyReLU(x, math.NaN()) }},
		{"int-input", func() (*G.Node, error) { return ops.ReLU(xi) }},
		{"nil-input", func() (*G.Node, error) { return ops.Tanh(nil) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.run(); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestActivationsAreDistinctNodes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 2, G.WithShape(2, 2), G.WithName("x"))
	a, _ := ops.ReLU(x)
	b, _ := ops.ReLU(x)
	if a == b {
		t.Fatal("two ReLU calls on one input were merged into one node")
	}
}
