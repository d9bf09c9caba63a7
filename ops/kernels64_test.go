package ops_test

import (
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestActivationsFloat64MatchMath checks the float64 activations that run
// on internal/vec's float64 kernels (sigmoid, tanh, ELU, and softplus'
// gradient) against the math package's formulas to 1e-15 relative (a few
// ulps) forward and 1e-15 absolute backward, over inputs from -40 to 40 with the
// overflow-prone extremes, in lengths with and without a kernel tail.
func TestActivationsFloat64MatchMath(t *testing.T) {
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	cases := []struct {
		name  string
		f, df func(x float64) float64 // f and f' (for dy = 1)
	}{
		{"sigmoid", sig, func(x float64) float64 { s := sig(x); return s * (1 - s) }},
		{"tanh", math.Tanh, func(x float64) float64 { y := math.Tanh(x); return 1 - y*y }},
		{"elu", func(x float64) float64 {
			if x > 0 {
				return x
			}
			return 0.3 * math.Expm1(x)
		}, func(x float64) float64 {
			if x > 0 {
				return 1
			}
			return 0.3*math.Expm1(x) + 0.3
		}},
		{"softplus", func(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }, sig},
	}
	for _, n := range []int{1003, 8} {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = -40 + 80*float64(i)/float64(n-1) + 1e-3
		}
		xs[0], xs[1], xs[2] = -700, 700, 1e-12
		x := tensor.New(tensor.WithShape(n), tensor.WithBacking(xs))
		dy := tensor.New(tensor.WithShape(n), tensor.WithBacking(ones64(n)))
		for _, c := range cases {
			fn := activationByName(c.name, 0.3)
			y, _, grads, err := forwardBackward(tensor.Float64, map[string]*tensor.Dense{"x": x}, []string{"x"}, dy,
				func(_ *graph.Builder, in map[string]*G.Node) (*G.Node, error) { return fn(in["x"]) })
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range xs {
				if w := c.f(v); !(math.Abs(y[i]-w) <= 1e-15*math.Abs(w)) {
					t.Errorf("%s(%v) = %v, want %v", c.name, v, y[i], w)
				}
				// the gradients come from y (1 - y², y·(1-y), y + alpha):
				// absolute, not relative, accuracy where y nears its bounds
				if w := c.df(v); !(math.Abs(grads["x"][i]-w) <= 1e-15*math.Max(1, math.Abs(w))) {
					t.Errorf("%s'(%v) = %v, want %v", c.name, v, grads["x"][i], w)
				}
			}
		}
	}
}

func ones64(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 1
	}
	return s
}
