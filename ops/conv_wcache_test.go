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

// cachedFoldCases are ConvBatchNorm's cases: foldCases without groups,
// plus geometries that take the engine's other paths (the shifted GEMMs of
// a 3x3 stride-1 convolution with many channels, a 1x1 product, stride 2,
// several images per product).
var cachedFoldCases = append(ungrouped(foldCases),
	foldCase{name: "2d-shifted", bias: true, gamma: true, beta: true, groups: 1, x: []int{3, 16, 16, 16}, w: []int{24, 16, 3, 3}, stride: []int{1, 1}, pad: []int{1, 1}, eps: 1e-5, relu: true},
	foldCase{name: "2d-1x1", gamma: true, beta: true, groups: 1, x: []int{5, 8, 4, 4}, w: []int{16, 8, 1, 1}, stride: []int{1, 1}, pad: []int{0, 0}, eps: 1e-5},
	foldCase{name: "2d-stride2", bias: true, gamma: true, groups: 1, x: []int{4, 6, 9, 9}, w: []int{10, 6, 3, 3}, stride: []int{2, 2}, pad: []int{1, 1}, eps: 1e-5, relu: true},
)

func ungrouped(cs []foldCase) []foldCase {
	var out []foldCase
	for _, c := range cs {
		if c.groups == 1 {
			out = append(out, c)
		}
	}
	return out
}

// twoOps is a graph with two outputs on the same inputs, run repeatedly
// while the test changes the inputs' tensors in place.
type twoOps struct {
	m        G.VM
	got, ref G.Value
}

func newTwoOps(t *testing.T, b *graph.Builder, got, ref *G.Node) *twoOps {
	t.Helper()
	o := &twoOps{}
	G.Read(got, &o.got)
	G.Read(ref, &o.ref)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	o.m = m
	return o
}

// run runs the graph and returns both outputs, failing unless they are
// equal bit for bit.
func (o *twoOps) run(t *testing.T, what string) []float64 {
	t.Helper()
	if err := graph.Run(o.m); err != nil {
		t.Fatalf("%s: %+v", what, err)
	}
	got, _ := graph.Float64s(o.got.(*tensor.Dense))
	ref, _ := graph.Float64s(o.ref.(*tensor.Dense))
	for i := range ref {
		if math.Float64bits(got[i]) != math.Float64bits(ref[i]) && !(math.IsNaN(got[i]) && math.IsNaN(ref[i])) {
			t.Fatalf("%s: element %d: cached %v, recomputed %v", what, i, got[i], ref[i])
		}
	}
	return got
}

// change rewrites every third element of t (from the first) in place.
func change(t *tensor.Dense) {
	switch d := t.Data().(type) {
	case []float32:
		for i := 0; i < len(d); i += 3 {
			d[i] = d[i]*1.5 + 0.25
		}
	case []float64:
		for i := 0; i < len(d); i += 3 {
			d[i] = d[i]*1.5 + 0.25
		}
	}
}

func differs(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return true
		}
	}
	return false
}

// TestConvBatchNormMatchesFold checks that ConvBatchNorm gives exactly the
// output of ConvND on FoldBatchNorm's weight and bias, in float32 and
// float64, on the first run and on every later run after one of its
// inputs (weight, bias, gamma, beta, running mean, running variance) was
// changed in place: the cached folded and packed weight is never stale.
// Runs without a change reuse it and still agree.
func TestConvBatchNormMatchesFold(t *testing.T) {
	for _, c := range cachedFoldCases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			name := fmt.Sprintf("%s %v", c.name, dt)
			ins, mean, variance := c.inputs(5)
			mean, variance = castTo(mean, dt), castTo(variance, dt)
			b := graph.NewBuilder(graph.Eval)
			xs := make([]*G.Node, len(ins))
			ts := make([]*tensor.Dense, len(ins))
			for i, in := range ins {
				ts[i] = castTo(in, dt)
				xs[i] = b.InputValue(fmt.Sprint("in", i), ts[i])
			}
			x, w, bias, gamma, beta := c.nodes(xs)
			bn := ops.BatchNormParams{RunningMean: mean, RunningVar: variance, Eps: c.eps}
			p := ops.ConvParams{Stride: c.stride, Pad: c.pad, ReLU: c.relu}
			got, err := ops.ConvBatchNorm(x, w, bias, gamma, beta, bn, p)
			if err != nil {
				t.Fatalf("%s: %+v", name, err)
			}
			wf, bf, err := ops.FoldBatchNorm(w, bias, gamma, beta, bn)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := ops.ConvND(x, wf, bf, p)
			if err != nil {
				t.Fatal(err)
			}
			o := newTwoOps(t, b, got, ref)
			prev := o.run(t, name+": first run")
			o.run(t, name+": second run, unchanged")
			// every weight input, then the input x (which the cache must not
			// depend on)
			changes := append(ts[1:], mean, variance, ts[0])
			for i, ct := range changes {
				change(ct)
				what := fmt.Sprintf("%s: after changing input %d of %d", name, i+1, len(changes))
				now := o.run(t, what)
				if !differs(now, prev) {
					t.Errorf("%s: the output did not change; the check proves nothing", what)
				}
				prev = now
			}
		}
	}
}

// TestConvCacheWeights checks ConvND and ConvMaxPool2D with
// CacheWeights against the same ops without it, bit for bit, over runs
// with the weight and the bias changed in place between them, in float32
// and float64 (batches whose last group or chunk of images is narrower
// than the others included).
func TestConvCacheWeights(t *testing.T) {
	cases := []struct {
		name                 string
		n, c, k, h, ker, pad int
		stride               int
		pool, bias           bool
	}{
		{"conv-shifted", 3, 16, 24, 16, 3, 1, 1, false, true},
		{"conv-generic", 7, 3, 5, 6, 3, 0, 2, false, true},
		{"conv-1x1", 5, 8, 6, 4, 1, 0, 1, false, false},
		{"conv-1d-like", 2, 4, 3, 9, 2, 1, 1, false, true},
		{"pool", 5, 3, 8, 10, 3, 1, 1, true, true},
		{"pool-large", 9, 1, 32, 28, 3, 0, 1, true, true},
		{"pool-nobias", 3, 4, 6, 8, 3, 1, 1, true, false},
	}
	rng := graph.NewRand(17)
	for _, c := range cases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			name := fmt.Sprintf("%s %v", c.name, dt)
			b := graph.NewBuilder(graph.Eval)
			xt := castTo(randTensor(rng, c.n, c.c, c.h, c.h), dt)
			wt := castTo(randTensor(rng, c.k, c.c, c.ker, c.ker), dt)
			x, w := b.InputValue("x", xt), b.InputValue("w", wt)
			var bias *G.Node
			var bt *tensor.Dense
			if c.bias {
				bt = castTo(randTensor(rng, c.k), dt)
				bias = b.InputValue("b", bt)
			}
			p := ops.ConvParams{Stride: []int{c.stride, c.stride}, Pad: []int{c.pad, c.pad}, ReLU: true}
			op := func(p ops.ConvParams) *G.Node {
				var y *G.Node
				var err error
				if c.pool {
					y, err = ops.ConvMaxPool2D(x, w, bias, p)
				} else {
					y, err = ops.ConvND(x, w, bias, p)
				}
				if err != nil {
					t.Fatalf("%s: %+v", name, err)
				}
				return y
			}
			ref := op(p)
			p.CacheWeights = true
			o := newTwoOps(t, b, op(p), ref)
			prev := o.run(t, name+": first run")
			o.run(t, name+": unchanged")
			changes := []*tensor.Dense{wt, bt}
			for i, ct := range changes {
				if ct == nil {
					continue
				}
				change(ct)
				now := o.run(t, fmt.Sprintf("%s: after change %d", name, i))
				if !differs(now, prev) {
					t.Errorf("%s: change %d did not change the output", name, i)
				}
				prev = now
			}
		}
	}
}

// TestConvBatchNormErrors checks ConvBatchNorm's argument errors and that
// asking it for a gradient is an error.
func TestConvBatchNormErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 3, 5, 5), G.WithName("x"))
	x2 := G.NewTensor(g, tensor.Float64, 4, G.WithShape(2, 2, 5, 5), G.WithName("x2"))
	x32 := G.NewTensor(g, tensor.Float32, 4, G.WithShape(2, 3, 5, 5), G.WithName("x32"))
	w := G.NewTensor(g, tensor.Float64, 4, G.WithShape(4, 3, 3, 3), G.WithName("w"))
	v3 := G.NewTensor(g, tensor.Float64, 1, G.WithShape(3), G.WithName("v3"))
	v4 := G.NewTensor(g, tensor.Float64, 1, G.WithShape(4), G.WithName("v4"))
	stats := func(n int) *tensor.Dense { return tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(n)) }
	ok := ops.BatchNormParams{RunningMean: stats(4), RunningVar: stats(4), Eps: 1e-5}
	cases := []struct {
		name     string
		x, g     *G.Node
		bn       ops.BatchNormParams
		p        ops.ConvParams
		sentinel error
	}{
		{"training", x, v4, ops.BatchNormParams{Training: true, RunningMean: ok.RunningMean, RunningVar: ok.RunningVar, Eps: 1e-5}, ops.ConvParams{}, graph.ErrArg},
		{"gamma shape", x, v3, ok, ops.ConvParams{}, graph.ErrShape},
		{"stats shape", x, v4, ops.BatchNormParams{RunningMean: stats(3), RunningVar: stats(3), Eps: 1e-5}, ops.ConvParams{}, graph.ErrShape},
		{"channels", x2, v4, ok, ops.ConvParams{}, graph.ErrShape},
		{"input dtype", x32, v4, ok, ops.ConvParams{}, graph.ErrArg},
		{"stride", x, v4, ok, ops.ConvParams{Stride: []int{0, 1}}, graph.ErrArg},
	}
	for _, c := range cases {
		_, err := ops.ConvBatchNorm(c.x, w, nil, c.g, nil, c.bn, c.p)
		if err == nil || !errors.Is(err, c.sentinel) {
			t.Errorf("%s: got %v, want an error wrapping %v", c.name, err, c.sentinel)
		}
	}
	y, err := ops.ConvBatchNorm(x, w, nil, v4, v4, ok, ops.ConvParams{Pad: []int{1, 1}})
	if err != nil {
		t.Fatalf("%+v", err)
	}
	if _, err := G.Grad(G.Must(G.Sum(y)), w); err == nil {
		t.Error("a gradient through ConvBatchNorm: no error")
	}
}

// TestConvTransposeCacheWeights checks ConvTransposeND with CacheWeights
// against the op without it, bit for bit, over runs with the weight and
// the bias changed in place between them, in float32 and float64: UNet's
// 2x2 stride-2 upsampling (one image and many groups of images, where the
// uncached op transposes W once per call), a stride-1 3x3 one and a 1x1.
func TestConvTransposeCacheWeights(t *testing.T) {
	cases := []struct {
		name                    string
		n, c, k, h, ker, stride int
		pad                     int
	}{
		{"up2-one", 1, 8, 4, 8, 2, 2, 0},
		{"up2-many", 40, 6, 4, 4, 2, 2, 0},
		{"up2-groups", 9, 16, 8, 16, 2, 2, 0},
		{"3x3", 3, 10, 6, 9, 3, 1, 1},
		{"1x1", 4, 5, 3, 6, 1, 1, 0},
	}
	rng := graph.NewRand(23)
	for _, c := range cases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			name := fmt.Sprintf("%s %v", c.name, dt)
			b := graph.NewBuilder(graph.Eval)
			xt := castTo(randTensor(rng, c.n, c.c, c.h, c.h), dt)
			wt := castTo(randTensor(rng, c.c, c.k, c.ker, c.ker), dt)
			bt := castTo(randTensor(rng, c.k), dt)
			x, w, bias := b.InputValue("x", xt), b.InputValue("w", wt), b.InputValue("b", bt)
			p := ops.ConvTransposeParams{Stride: []int{c.stride, c.stride}, Pad: []int{c.pad, c.pad}, ReLU: true}
			op := func(p ops.ConvTransposeParams) *G.Node {
				y, err := ops.ConvTransposeND(x, w, bias, p)
				if err != nil {
					t.Fatalf("%s: %+v", name, err)
				}
				return y
			}
			ref := op(p)
			p.CacheWeights = true
			o := newTwoOps(t, b, op(p), ref)
			prev := o.run(t, name+": first run")
			o.run(t, name+": unchanged")
			for i, ct := range []*tensor.Dense{wt, bt} {
				change(ct)
				now := o.run(t, fmt.Sprintf("%s: after change %d", name, i))
				if !differs(now, prev) {
					t.Errorf("%s: change %d did not change the output", name, i)
				}
				prev = now
			}
		}
	}
}
