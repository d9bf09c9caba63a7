package nn_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestDenseShapes(t *testing.T) {
	cases := []struct {
		name    string
		in, out int
		opts    []nn.DenseOption
		x, want []int
		params  int
	}{
		{"4-to-3", 4, 3, nil, []int{5, 4}, []int{5, 3}, 15},
		{"no-bias", 4, 3, []nn.DenseOption{nn.WithBias(false)}, []int{2, 4}, []int{2, 3}, 12},
		{"batch-1", 1600, 128, nil, []int{1, 1600}, []int{1, 128}, 204928},
		{"relu", 2, 7, []nn.DenseOption{nn.WithActivation(nn.NewReLU())}, []int{3, 2}, []int{3, 7}, 21},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := nn.NewDense(c.in, c.out, c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := outShape(d, c.x...)
			if err != nil {
				t.Fatal(err)
			}
			if !graph.SameShape(got, c.want) || nn.NumParams(d) != c.params {
				t.Fatalf("shape %v params %d, want %v and %d", got, nn.NumParams(d), c.want, c.params)
			}
		})
	}
}

func TestDenseBadArguments(t *testing.T) {
	cases := []struct {
		name string
		make func() (*nn.Dense, error)
		want string
	}{
		{"zero-in", func() (*nn.Dense, error) { return nn.NewDense(0, 3, nn.WithSeed(1)) }, "in and out features must be positive, got in=0, out=3"},
		{"negative-out", func() (*nn.Dense, error) { return nn.NewDense(4, -1, nn.WithSeed(2)) }, "got in=4, out=-1"},
		{"int-dtype", func() (*nn.Dense, error) { return nn.NewDense(4, 3, nn.WithDtype(tensor.Int), nn.WithSeed(3)) }, "dtype must be float32 or float64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.make()
			if err == nil || !errors.Is(err, graph.ErrArg) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an ErrArg containing %q", err, c.want)
			}
		})
	}
}

func TestDenseBadInputs(t *testing.T) {
	d, err := nn.NewDense(4, 3, nn.WithSeed(4))
	if err != nil {
		t.Fatal(err)
	}
	s, err := nn.NewSequentialNamed(nn.Child{Name: "fc1", Layer: d})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		dt    tensor.Dtype
		shape []int
		want  string
	}{
		{"rank-3", tensor.Float32, []int{2, 4, 1}, `nn: Dense "fc1": input must be rank 2 (N, features), got shape (2, 4, 1)`},
		{"features", tensor.Float32, []int{2, 5}, `nn: Dense "fc1": input must have 4 features (axis 1), got shape (2, 5)`},
		{"dtype", tensor.Float64, []int{2, 4}, `nn: Dense "fc1": input dtype must be float32`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := graph.NewBuilder(graph.Eval)
			_, err := s.Forward(b, b.Input("x", c.dt, c.shape...))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestActivationLayersGradCheck(t *testing.T) {
	layers := map[string]nn.Layer{
		"ReLU": nn.NewReLU(), "Sigmoid": nn.NewSigmoid(), "Tanh": nn.NewTanh(), "Softplus": nn.NewSoftplus(),
		"Softsign": nn.NewSoftsign(), "LeakyReLU": nn.NewLeakyReLU(0.1), "ELU": nn.NewELU(1),
	}
	for name, l := range layers {
		t.Run(name, func(t *testing.T) {
			// 0.37-spaced inputs stay clear of the kink of ReLU-like functions at 0.
			vals := make([]float64, 12)
			for i := range vals {
				vals[i] = -2.1 + 0.37*float64(i)
			}
			x := tensor.New(tensor.WithShape(3, 4), tensor.WithBacking(vals))
			rep, err := graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
				return l.Forward(b, xs[0])
			}, graph.GradCheckOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() {
				t.Fatalf("\n%s", rep)
			}
		})
	}
}

func TestFlattenAndReshape(t *testing.T) {
	r, err := nn.NewReshape(4, -1)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		l       nn.Layer
		x, want []int
		err     string
	}{
		{"flatten-4d", nn.NewFlatten(), []int{2, 3, 4, 5}, []int{2, 60}, ""},
		{"flatten-2d", nn.NewFlatten(), []int{2, 3}, []int{2, 3}, ""},
		{"flatten-1d", nn.NewFlatten(), []int{7}, nil, "input must have a batch axis and at least one more, got shape (7)"},
		{"reshape-infer", r, []int{2, 8, 3}, []int{2, 4, 6}, ""},
		{"reshape-indivisible", r, []int{2, 7}, nil, "cannot reshape (2, 7)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := outShape(c.l, c.x...)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, graph.ErrShape) {
					t.Fatalf("got %v, want a shape error containing %q", err, c.err)
				}
				return
			}
			if err != nil || !graph.SameShape(got, c.want) {
				t.Fatalf("got %v %v, want %v", got, err, c.want)
			}
		})
	}
	for _, bad := range [][]int{{}, {0, 3}, {-1, -1}, {2, -2}} {
		if _, err := nn.NewReshape(bad...); err == nil || !errors.Is(err, graph.ErrArg) {
			t.Errorf("NewReshape(%v): got %v, want an ErrArg", bad, err)
		}
	}
}

func TestSequentialBadArguments(t *testing.T) {
	d, _ := nn.NewDense(2, 2, nn.WithSeed(5))
	cases := []struct {
		name string
		make func() (*nn.Sequential, error)
		want string
	}{
		{"nil-layer", func() (*nn.Sequential, error) { return nn.NewSequential(d, nil) }, "layer 1 is nil"},
		{"dotted-name", func() (*nn.Sequential, error) {
			return nn.NewSequentialNamed(nn.Child{Name: "a.b", Layer: d})
		}, `name must be non-empty and without dots, got "a.b"`},
		{"duplicate-name", func() (*nn.Sequential, error) {
			return nn.NewSequentialNamed(nn.Child{Name: "fc", Layer: d}, nn.Child{Name: "fc", Layer: nn.NewReLU()})
		}, `name "fc" is used twice`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.make()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

// Initialize gives layers of the same shape different values (seeded by
// name) and the same values for the same seed.
func TestInitializeByName(t *testing.T) {
	mk := func() *nn.Sequential {
		a, _ := nn.NewDense(3, 3, nn.WithSeed(6))
		b, _ := nn.NewDense(3, 3, nn.WithSeed(7))
		s, err := nn.NewSequential(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if err := nn.Initialize(s, 0); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1, s2 := mk(), mk()
	w := func(s *nn.Sequential, i int) []float32 {
		return s.Layer(i).(*nn.Dense).Weight().Value().Data().([]float32)
	}
	if w(s1, 0)[0] == w(s1, 1)[0] {
		t.Fatal("two layers of one shape got the same initial weights")
	}
	for i := range w(s1, 0) {
		if w(s1, 0)[i] != w(s2, 0)[i] {
			t.Fatal("the same construction gave different weights")
		}
	}
	if err := nn.Initialize(s2, 7); err != nil {
		t.Fatal(err)
	}
	if w(s1, 0)[0] == w(s2, 0)[0] {
		t.Fatal("another seed gave the same weights")
	}
}
