package nn

import (
	"fmt"
	"math"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// batchNorm is the implementation shared by BatchNorm1D, 2D and 3D; they
// differ only in the input ranks they accept.
type batchNorm struct {
	kind     string // "BatchNorm2D"
	ranks    []int  // accepted input ranks
	layout   string // for messages: "rank 4 (N, C, H, W)"
	channels int
	momentum float64
	eps      float64

	weight, bias    *graph.Param // nil when affine is off; weight nil when scale is off
	runMean, runVar *graph.Param
	act             Layer // applied to the output; a ReLU is fused
}

func newBatchNorm(kind string, ranks []int, layout string, channels int, opts []BatchNormOption) (*batchNorm, error) {
	ctor := "New" + kind
	c, err := newConfig(ctor, opts)
	if err != nil {
		return nil, err
	}
	if channels <= 0 {
		return nil, argError(ctor, "channels must be positive, got %d", channels)
	}
	if !(c.momentum >= 0 && c.momentum <= 1) {
		return nil, argError(ctor, "momentum must be in [0, 1], got %v", c.momentum)
	}
	if !(c.eps > 0) || math.IsInf(c.eps, 0) {
		return nil, argError(ctor, "eps must be finite and > 0, got %v", c.eps)
	}
	if !c.affine && c.scaleSet && c.scale {
		return nil, argError(ctor, "WithScale(true) and WithAffine(false) contradict each other; use one of them")
	}
	bn := &batchNorm{kind: kind, ranks: ranks, layout: layout, channels: channels, momentum: c.momentum, eps: c.eps, act: c.activation}
	shape := tensor.Shape{channels}
	if c.affine && c.scale {
		if bn.weight, err = graph.NewParam(graph.Weight, c.dtype, shape, graph.Ones(), ParamSeed(c.seed, "weight")); err != nil {
			return nil, err
		}
	}
	if c.affine {
		if bn.bias, err = graph.NewParam(graph.Weight, c.dtype, shape, graph.Zeros(), ParamSeed(c.seed, "bias")); err != nil {
			return nil, err
		}
	}
	if bn.runMean, err = graph.NewParam(graph.Buffer, c.dtype, shape, graph.Zeros(), ParamSeed(c.seed, "running_mean")); err != nil {
		return nil, err
	}
	if bn.runVar, err = graph.NewParam(graph.Buffer, c.dtype, shape, graph.Ones(), ParamSeed(c.seed, "running_var")); err != nil {
		return nil, err
	}
	return bn, nil
}

// Forward normalises x. In a training graph (b.Training()) it uses the
// batch statistics and every run updates the running statistics; in an
// evaluation graph, or when the layer is frozen, it uses the running
// statistics and updates nothing.
func (bn *batchNorm) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if x == nil {
		return nil, layerError(b, bn.kind, graph.ErrArg, "input is nil")
	}
	rankOK := false
	for _, r := range bn.ranks {
		rankOK = rankOK || x.Shape().Dims() == r
	}
	if !rankOK {
		return nil, shapeError(b, bn.kind, "input must be %s, got shape %s", bn.layout, graph.FormatShape(x.Shape()))
	}
	if err := checkInput(b, bn.kind, x, x.Shape().Dims(), bn.layout, bn.runMean.Dtype()); err != nil {
		return nil, err
	}
	if err := checkChannels(b, bn.kind, x, bn.channels); err != nil {
		return nil, err
	}
	gamma, beta, p := bn.bind(b)
	if b.Training() && !bn.Frozen() {
		if m := x.Shape().TotalSize() / bn.channels; m < 2 {
			return nil, shapeError(b, bn.kind, "training needs more than 1 value per channel, got input shape %s", graph.FormatShape(x.Shape()))
		}
		p.Training, p.Momentum = true, bn.momentum
	}
	// a ReLU activation is fused into the normalisation's passes
	p.ReLU = fusionOf(bn.act) == fuseReLU
	y, err := ops.BatchNorm(x, gamma, beta, p)
	if err != nil {
		return nil, errors.Wrapf(err, "nn: %s %q", bn.kind, b.Path())
	}
	if p.ReLU {
		return y, nil
	}
	return applyActivation(b, bn.act, y)
}

// Frozen reports whether the layer is frozen (nn.Freeze): its weight, or
// without a scale its bias, or without affine parameters its running mean. A frozen BatchNorm uses
// its running statistics in training graphs too and does not update them,
// as in transfer learning.
func (bn *batchNorm) Frozen() bool {
	if bn.weight != nil {
		return bn.weight.Frozen()
	}
	if bn.bias != nil {
		return bn.bias.Frozen()
	}
	return bn.runMean.Frozen()
}

// Params lists "weight" (with a scale) and "bias" (with affine
// parameters), then the buffers "running_mean" and "running_var", as
// PyTorch's state_dict does (without num_batches_tracked).
func (bn *batchNorm) Params() []graph.NamedParam {
	var ps []graph.NamedParam
	if bn.weight != nil {
		ps = append(ps, graph.NamedParam{Name: "weight", Param: bn.weight})
	}
	if bn.bias != nil {
		ps = append(ps, graph.NamedParam{Name: "bias", Param: bn.bias})
	}
	return append(ps, graph.NamedParam{Name: "running_mean", Param: bn.runMean}, graph.NamedParam{Name: "running_var", Param: bn.runVar})
}

// Channels is the number of channels C.
func (bn *batchNorm) Channels() int { return bn.channels }

// Momentum is the running-statistics momentum.
func (bn *batchNorm) Momentum() float64 { return bn.momentum }

// Eps is the epsilon added to the variance.
func (bn *batchNorm) Eps() float64 { return bn.eps }

// Weight returns the scale γ (C), or nil without a scale or affine parameters.
func (bn *batchNorm) Weight() *graph.Param { return bn.weight }

// Bias returns the shift β (C), or nil without affine parameters.
func (bn *batchNorm) Bias() *graph.Param { return bn.bias }

// RunningMean returns the running mean buffer (C).
func (bn *batchNorm) RunningMean() *graph.Param { return bn.runMean }

// RunningVar returns the running variance buffer (C).
func (bn *batchNorm) RunningVar() *graph.Param { return bn.runVar }

// Describe gives the parameter count formula.
func (bn *batchNorm) Describe(in, out tensor.Shape) []string {
	c := bn.channels
	if bn.weight == nil && bn.bias != nil {
		return []string{fmt.Sprintf("params = C = %d (beta only, no scale; running statistics 2*C = %d are buffers)", c, 2*c)}
	}
	if bn.weight == nil {
		return []string{fmt.Sprintf("params = 0 (no affine; running statistics 2*C = %d are buffers)", 2*c)}
	}
	return []string{fmt.Sprintf("params = 2*C = 2*%d = %d (gamma, beta; running statistics 2*C = %d are buffers)", c, 2*c, 2*c)}
}

// String prints the layer like PyTorch, with only the non-default settings.
func (bn *batchNorm) String() string {
	s := fmt.Sprintf("%s(%d", bn.kind, bn.channels)
	if bn.eps != 1e-5 {
		s += fmt.Sprintf(", eps=%g", bn.eps)
	}
	if bn.momentum != 0.1 {
		s += fmt.Sprintf(", momentum=%g", bn.momentum)
	}
	switch {
	case bn.bias == nil:
		s += ", affine=false"
	case bn.weight == nil:
		s += ", scale=false"
	}
	if bn.act != nil {
		s += fmt.Sprintf(", activation=%v", bn.act)
	}
	return s + ")"
}

// BatchNorm1D normalises each channel of (N, C) or (N, C, L) inputs over
// the batch (and length) axes (Ioffe & Szegedy 2015,
// https://arxiv.org/abs/1502.03167), as PyTorch's BatchNorm1d:
//
//	y = γ·(x - mean)/sqrt(var + eps) + β
//
// Input (N, C) or (N, C, L); output of the same shape. Training graphs use
// the batch mean and biased variance and update the running statistics
// (running = (1-momentum)·running + momentum·batch, with the unbiased
// variance); evaluation graphs, and frozen layers, use the running
// statistics. Params: "weight" γ (ones) and "bias" β (zeros), 2·C
// learnable values, and the buffers "running_mean" (zeros) and
// "running_var" (ones). WithScale(false) drops γ (C learnable values, as
// Keras's scale=False); WithAffine(false) drops γ and β.
type BatchNorm1D struct{ batchNorm }

// NewBatchNorm1D returns a BatchNorm1D for the given number of channels.
// Options: WithMomentum (default 0.1, in [0, 1]), WithEps (default 1e-5,
// > 0), WithAffine (default true), WithScale (default true), WithActivation
// (none; a ReLU is fused into the normalisation), WithDtype, WithSeed.
func NewBatchNorm1D(channels int, opts ...BatchNormOption) (*BatchNorm1D, error) {
	bn, err := newBatchNorm("BatchNorm1D", []int{2, 3}, "rank 2 (N, C) or 3 (N, C, L)", channels, opts)
	if err != nil {
		return nil, err
	}
	return &BatchNorm1D{*bn}, nil
}

// BatchNorm2D normalises each channel of (N, C, H, W) inputs over N, H and
// W, as PyTorch's BatchNorm2d; see BatchNorm1D for the formula, modes and
// parameters. Input and output (N, C, H, W).
type BatchNorm2D struct{ batchNorm }

// NewBatchNorm2D returns a BatchNorm2D for the given number of channels.
// Options: WithMomentum (default 0.1, in [0, 1]), WithEps (default 1e-5,
// > 0), WithAffine (default true), WithScale (default true), WithActivation
// (none; a ReLU is fused into the normalisation), WithDtype, WithSeed.
func NewBatchNorm2D(channels int, opts ...BatchNormOption) (*BatchNorm2D, error) {
	bn, err := newBatchNorm("BatchNorm2D", []int{4}, "rank 4 (N, C, H, W)", channels, opts)
	if err != nil {
		return nil, err
	}
	return &BatchNorm2D{*bn}, nil
}

// BatchNorm3D normalises each channel of (N, C, D, H, W) inputs over N, D,
// H and W, as PyTorch's BatchNorm3d; see BatchNorm1D for the formula, modes
// and parameters. Input and output (N, C, D, H, W).
type BatchNorm3D struct{ batchNorm }

// NewBatchNorm3D returns a BatchNorm3D for the given number of channels.
// Options: WithMomentum (default 0.1, in [0, 1]), WithEps (default 1e-5,
// > 0), WithAffine (default true), WithScale (default true), WithActivation
// (none; a ReLU is fused into the normalisation), WithDtype, WithSeed.
func NewBatchNorm3D(channels int, opts ...BatchNormOption) (*BatchNorm3D, error) {
	bn, err := newBatchNorm("BatchNorm3D", []int{5}, "rank 5 (N, C, D, H, W)", channels, opts)
	if err != nil {
		return nil, err
	}
	return &BatchNorm3D{*bn}, nil
}

// bind binds the BatchNorm's scale and shift (nil when the layer has
// none) and tracks its running statistics in b's current scope, and
// returns them with the statistics and eps as ops take them.
func (bn *batchNorm) bind(b *graph.Builder) (gamma, beta *G.Node, p ops.BatchNormParams) {
	if bn.weight != nil {
		gamma = b.Bind(bn.weight, "weight")
	}
	if bn.bias != nil {
		beta = b.Bind(bn.bias, "bias")
	}
	b.Track(bn.runMean, "running_mean")
	b.Track(bn.runVar, "running_var")
	return gamma, beta, ops.BatchNormParams{RunningMean: bn.runMean.Value(), RunningVar: bn.runVar.Value(), Eps: bn.eps}
}
