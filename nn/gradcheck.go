package nn

import (
	"github.com/convnet-go/convnet/graph"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GradCheck compares the gradients that autodiff gives for l with central
// finite differences (graph.CheckGradients): for a random input of
// inputShape (batch axis included) and for every trainable Param of l.
//
// The check runs in float64: l's Params are converted with SetDtype for the
// check and converted back afterwards, which is exact for float32 weights.
// Because the Params get new tensors, graphs built from l before the call
// no longer see them (Predict rebuilds its cached graphs by itself). Buffers
// such as running statistics are restored after the check.
//
// The input is drawn from N(0, 1) with a generator seeded by opts.Seed
// (default 1); opts.Mode chooses training (default) or evaluation graphs.
// Frozen Params are not checked. Finite differences need two graph runs per
// input value and weight, so keep layers and shapes small.
func GradCheck(l Layer, inputShape []int, opts graph.GradCheckOptions) (rep *graph.GradReport, err error) {
	if l == nil {
		return nil, graph.ArgErrorf("nn: GradCheck: layer is nil")
	}
	if len(inputShape) == 0 {
		return nil, graph.ShapeErrorf("nn: GradCheck: input shape must have a batch axis, got ()")
	}
	n := 1
	for _, d := range inputShape {
		if d <= 0 {
			return nil, graph.ShapeErrorf("nn: GradCheck: every input dimension must be positive, got %s", graph.FormatShape(inputShape))
		}
		n *= d
	}
	dt, err := Dtype(l)
	if err != nil {
		return nil, errors.Wrap(err, "nn: GradCheck")
	}
	if err := SetDtype(l, tensor.Float64); err != nil {
		return nil, errors.Wrap(err, "nn: GradCheck")
	}
	defer func() {
		if rerr := SetDtype(l, dt); rerr != nil && err == nil {
			rep, err = nil, errors.Wrap(rerr, "nn: GradCheck: restoring the dtype")
		}
	}()

	seed := opts.Seed
	if seed == 0 {
		seed = 1
	}
	rng := graph.NewRand(seed)
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = rng.NormFloat64()
	}
	x := tensor.New(tensor.WithShape(append([]int(nil), inputShape...)...), tensor.WithBacking(vals))
	rep, err = graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
		return Apply(b, l, xs[0])
	}, opts)
	if err != nil {
		return nil, errors.Wrap(err, "nn: GradCheck")
	}
	return rep, nil
}
