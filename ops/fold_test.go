package ops_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// foldCase is one convolution + BatchNorm to fold: which optional inputs
// it has, and its geometry.
type foldCase struct {
	name              string
	bias, gamma, beta bool
	groups            int
	x, w              []int // input and weight shapes
	stride, pad       []int
	eps               float64
	relu              bool
}

var foldCases = []foldCase{
	{name: "2d-all", bias: true, gamma: true, beta: true, groups: 1, x: []int{2, 3, 5, 5}, w: []int{4, 3, 3, 3}, stride: []int{1, 1}, pad: []int{1, 1}, eps: 1e-5},
	{name: "2d-nobias-relu", gamma: true, beta: true, groups: 1, x: []int{2, 3, 6, 5}, w: []int{4, 3, 3, 3}, stride: []int{2, 2}, pad: []int{1, 1}, eps: 1e-3, relu: true},
	{name: "2d-noscale", bias: true, beta: true, groups: 1, x: []int{1, 2, 4, 4}, w: []int{3, 2, 1, 1}, stride: []int{1, 1}, pad: []int{0, 0}, eps: 1e-5},
	{name: "2d-noaffine-nobias", groups: 1, x: []int{2, 2, 4, 4}, w: []int{3, 2, 3, 3}, stride: []int{1, 1}, pad: []int{1, 1}, eps: 0.1},
	{name: "2d-grouped", gamma: true, beta: true, groups: 2, x: []int{2, 4, 5, 5}, w: []int{6, 2, 3, 3}, stride: []int{1, 1}, pad: []int{1, 1}, eps: 1e-5},
	{name: "1d", bias: true, gamma: true, beta: true, groups: 1, x: []int{2, 3, 7}, w: []int{2, 3, 3}, stride: []int{1}, pad: []int{1}, eps: 1e-5},
	{name: "3d", gamma: true, beta: true, groups: 1, x: []int{1, 2, 3, 4, 4}, w: []int{2, 2, 3, 3, 3}, stride: []int{1, 1, 1}, pad: []int{1, 1, 1}, eps: 1e-5},
}

// inputs returns the case's float64 tensors (x, w, then the optional
// bias, gamma and beta) and its running statistics, far from the trivial
// mean 0 and variance 1.
func (c foldCase) inputs(seed uint64) (ins []*tensor.Dense, mean, variance *tensor.Dense) {
	rng := graph.NewRand(int64(seed))
	ins = []*tensor.Dense{randTensor(rng, c.x...), randTensor(rng, c.w...)}
	k := c.w[0]
	for _, on := range []bool{c.bias, c.gamma, c.beta} {
		if on {
			ins = append(ins, randTensor(rng, k))
		}
	}
	mean, variance = randTensor(rng, k), randTensor(rng, k)
	for i, v := range variance.Float64s() {
		variance.Float64s()[i] = 0.2 + 3*math.Abs(v)
	}
	return ins, mean, variance
}

// nodes splits the input nodes into x, w, bias, gamma, beta (nil when absent).
func (c foldCase) nodes(xs []*G.Node) (x, w, b, gamma, beta *G.Node) {
	x, w = xs[0], xs[1]
	i := 2
	for _, o := range []struct {
		on bool
		n  **G.Node
	}{{c.bias, &b}, {c.gamma, &gamma}, {c.beta, &beta}} {
		if o.on {
			*o.n = xs[i]
			i++
		}
	}
	return
}

// build returns the folded convolution (fold) or the convolution followed
// by BatchNormEval (and a ReLU) on xs.
func (c foldCase) build(xs []*G.Node, mean, variance *tensor.Dense, fold bool) (*G.Node, error) {
	x, w, b, gamma, beta := c.nodes(xs)
	p := ops.ConvParams{Stride: c.stride, Pad: c.pad}
	bn := ops.BatchNormParams{RunningMean: mean, RunningVar: variance, Eps: c.eps}
	if fold {
		wf, bf, err := ops.FoldBatchNorm(w, b, gamma, beta, bn)
		if err != nil {
			return nil, err
		}
		p.ReLU = c.relu
		return ops.GroupConvND(x, wf, bf, p, c.groups)
	}
	y, err := ops.GroupConvND(x, w, b, p, c.groups)
	if err != nil {
		return nil, err
	}
	bn.ReLU = c.relu
	return ops.BatchNorm(y, gamma, beta, bn)
}

// TestFoldBatchNormMatchesUnfolded checks that the folded convolution
// equals the convolution followed by the evaluation-mode BatchNorm, in
// float64 (relative error 1e-12) and float32 (1e-5 of the output's scale),
// for every combination of optional inputs, 1-3 spatial axes and groups.
func TestFoldBatchNormMatchesUnfolded(t *testing.T) {
	for _, c := range foldCases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			ins, mean, variance := c.inputs(7)
			run := func(fold bool) []float64 {
				b := graph.NewBuilder(graph.Eval)
				xs := make([]*G.Node, len(ins))
				for i, in := range ins {
					xs[i] = b.InputValue(fmt.Sprint("in", i), castTo(in, dt))
				}
				y, err := c.build(xs, castTo(mean, dt), castTo(variance, dt), fold)
				if err != nil {
					t.Fatalf("%s %v: %+v", c.name, dt, err)
				}
				var v G.Value
				G.Read(y, &v)
				m, err := graph.NewMachine(b.Graph())
				if err != nil {
					t.Fatal(err)
				}
				defer m.Close()
				if err := graph.Run(m); err != nil {
					t.Fatalf("%s %v: %+v", c.name, dt, err)
				}
				out, _ := graph.Float64s(v.(*tensor.Dense))
				return out
			}
			want, got := run(false), run(true)
			scale := 0.0
			for _, v := range want {
				scale = max(scale, math.Abs(v))
			}
			tol := 1e-12 * scale
			if dt == tensor.Float32 {
				tol = 1e-5 * scale
			}
			for i := range want {
				if math.Abs(got[i]-want[i]) > tol {
					t.Errorf("%s %v: element %d: folded %v, unfolded %v (tolerance %.3g)", c.name, dt, i, got[i], want[i], tol)
					break
				}
			}
		}
	}
}

// TestFoldBatchNormGradients is the float64 finite-difference check of the
// folded weight and bias, through the convolution that uses them, with
// respect to x, w and each of bias, gamma and beta that is present.
func TestFoldBatchNormGradients(t *testing.T) {
	for _, c := range foldCases {
		ins, mean, variance := c.inputs(11)
		gradCheck(t, "FoldBatchNorm "+c.name, ins, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
			return c.build(xs, mean, variance, true)
		})
	}
}

// TestFoldBatchNormErrors checks the argument errors.
func TestFoldBatchNormErrors(t *testing.T) {
	g := G.NewGraph()
	w := G.NewTensor(g, tensor.Float64, 4, G.WithShape(4, 3, 3, 3), G.WithName("w"))
	w32 := G.NewTensor(g, tensor.Float32, 4, G.WithShape(4, 3, 3, 3), G.WithName("w32"))
	v3 := G.NewTensor(g, tensor.Float64, 1, G.WithShape(3), G.WithName("v3"))
	v4 := G.NewTensor(g, tensor.Float64, 1, G.WithShape(4), G.WithName("v4"))
	stats := func(n int, dt tensor.Dtype) *tensor.Dense { return tensor.New(tensor.Of(dt), tensor.WithShape(n)) }
	ok := ops.BatchNormParams{RunningMean: stats(4, tensor.Float64), RunningVar: stats(4, tensor.Float64), Eps: 1e-5}
	cases := []struct {
		name        string
		w, b, g, be *G.Node
		p           ops.BatchNormParams
		sentinel    error
	}{
		{"training", w, nil, v4, v4, ops.BatchNormParams{Training: true, RunningMean: ok.RunningMean, RunningVar: ok.RunningVar, Eps: 1e-5}, graph.ErrArg},
		{"eps", w, nil, v4, v4, ops.BatchNormParams{RunningMean: ok.RunningMean, RunningVar: ok.RunningVar}, graph.ErrArg},
		{"no stats", w, nil, v4, v4, ops.BatchNormParams{Eps: 1e-5}, graph.ErrArg},
		{"gamma shape", w, nil, v3, v4, ok, graph.ErrShape},
		{"bias shape", w, v3, v4, v4, ok, graph.ErrShape},
		{"stats shape", w, nil, v4, v4, ops.BatchNormParams{RunningMean: stats(3, tensor.Float64), RunningVar: stats(3, tensor.Float64), Eps: 1e-5}, graph.ErrShape},
		{"stats dtype", w32, nil, nil, nil, ok, graph.ErrArg},
		{"mixed dtypes", w32, nil, v4, nil, ops.BatchNormParams{RunningMean: stats(4, tensor.Float32), RunningVar: stats(4, tensor.Float32), Eps: 1e-5}, graph.ErrArg},
		{"nil weight", nil, nil, nil, nil, ok, graph.ErrArg},
	}
	for _, c := range cases {
		_, _, err := ops.FoldBatchNorm(c.w, c.b, c.g, c.be, c.p)
		if err == nil || !errors.Is(err, c.sentinel) {
			t.Errorf("%s: got %v, want an error wrapping %v", c.name, err, c.sentinel)
		}
	}
}
