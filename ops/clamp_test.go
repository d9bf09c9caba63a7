package ops_test

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/golden"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// clampBound reads a bound of clamp.json: a number, or "inf"/"-inf".
func clampBound(t *testing.T, c golden.Case, name string) float64 {
	t.Helper()
	var v float64
	if json.Unmarshal(c.Attrs[name], &v) == nil {
		return v
	}
	var s string
	if err := json.Unmarshal(c.Attrs[name], &s); err != nil {
		t.Fatalf("%s: attribute %q: %v", c.Name, name, err)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%s: attribute %q: %v", c.Name, name, err)
	}
	return v
}

// TestClampMatchesPyTorch compares output and gradient with torch.clamp
// (clamp.json, written by gen_clamp.py): inputs on the bounds, one-sided
// and infinite bounds, min > max.
func TestClampMatchesPyTorch(t *testing.T) {
	f := loadGolden(t, "clamp.json")
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			lo, hi := clampBound(t, c, "lo"), clampBound(t, c, "hi")
			goldenCase(t, c, c.Inputs, []string{"x"}, func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) {
				return ops.Clamp(xs["x"], lo, hi)
			})
		})
	}
}

func TestClampGradCheck(t *testing.T) {
	rng := graph.NewRand(8)
	for _, shape := range [][]int{{7}, {2, 3, 4}} {
		x := randTensor(rng, shape...)
		// keep away from the kinks at -0.5 and 0.75
		for i, v := range x.Float64s() {
			v *= 2
			if math.Abs(v+0.5) < 1e-3 || math.Abs(v-0.75) < 1e-3 {
				v = 0.1
			}
			x.Float64s()[i] = v
		}
		gradCheck(t, shapeName("Clamp", shape), []*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return ops.Clamp(xs[0], -0.5, 0.75)
		})
	}
}

// TestClampEdges: infinities clamp to the bounds, NaN stays NaN with no
// gradient, and a large finite input gives the bound exactly (a ReLU
// composition of the bounds gave 0 or NaN there).
func TestClampEdges(t *testing.T) {
	in := []float64{math.NaN(), math.Inf(-1), math.Inf(1), -1e8, 1e8, -1, 1, 0.5}
	wantY := []float64{math.NaN(), -1, 1, -1, 1, -1, 1, 0.5}
	wantDx := []float64{0, 0, 0, 0, 0, 1, 1, 1}
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		x := castTo(tensor.New(tensor.WithShape(len(in)), tensor.WithBacking(append([]float64(nil), in...))), dt)
		ones := make([]float64, len(in))
		for i := range ones {
			ones[i] = 1
		}
		up := castTo(tensor.New(tensor.WithShape(len(in)), tensor.WithBacking(ones)), dt)
		y, _, grads, err := forwardBackward(dt, map[string]*tensor.Dense{"x": x}, []string{"x"}, up,
			func(b *graph.Builder, xs map[string]*G.Node) (*G.Node, error) { return ops.Clamp(xs["x"], -1, 1) })
		if err != nil {
			t.Fatalf("%v: %+v", dt, err)
		}
		for i := range in {
			gy, gd := y[i], grads["x"][i]
			if !(gy == wantY[i] || math.IsNaN(gy) && math.IsNaN(wantY[i])) || gd != wantDx[i] {
				t.Errorf("%v: Clamp(%v) = %v, grad %v; want %v, grad %v", dt, in[i], gy, gd, wantY[i], wantDx[i])
			}
		}
	}
}

func TestClampRejectsNaNBounds(t *testing.T) {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 2, 3})))
	for _, bounds := range [][2]float64{{math.NaN(), 1}, {0, math.NaN()}} {
		if _, err := ops.Clamp(x, bounds[0], bounds[1]); err == nil {
			t.Errorf("Clamp(x, %v, %v): no error", bounds[0], bounds[1])
		}
	}
}
