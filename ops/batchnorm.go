package ops

import (
	"fmt"
	"math"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BatchNormTrain normalises x per channel (axis 1) with the statistics of
// the batch, as PyTorch's BatchNorm in training mode:
//
//	y = gamma·(x - mean_c)/sqrt(var_c + eps) + beta
//
// where mean_c and var_c (biased) run over every axis but 1. x is (N, C),
// (N, C, L), (N, C, H, W) or (N, C, D, H, W); gamma and beta are (C) or nil
// (no scale / no shift). The output has x's shape.
//
// Every run of the graph also updates runningMean and runningVar (both (C),
// x's dtype) in place, exactly as PyTorch does:
//
//	running_mean = (1 - momentum)·running_mean + momentum·mean_c
//	running_var  = (1 - momentum)·running_var  + momentum·var_c·M/(M-1)
//
// with M = N·L (N·H·W, ...) values per channel (the unbiased variance).
// runningMean and runningVar may both be nil to skip the update. momentum
// is in [0, 1] and eps > 0. M must be at least 2.
//
// Gradients flow to x, gamma and beta (the full batch-norm gradient, through
// the batch statistics).
func BatchNormTrain(x, gamma, beta *G.Node, runningMean, runningVar *tensor.Dense, momentum, eps float64) (*G.Node, error) {
	return batchNorm("BatchNormTrain", true, x, gamma, beta, runningMean, runningVar, momentum, eps, false)
}

// BatchNormEval normalises x per channel (axis 1) with stored statistics,
// as PyTorch's BatchNorm in evaluation mode:
//
//	y = gamma·(x - runningMean_c)/sqrt(runningVar_c + eps) + beta
//
// Shapes are as for BatchNormTrain; runningMean and runningVar are required
// and are only read (at each run, so later changes to them are seen).
// Gradients flow to x (gamma/sqrt(runningVar + eps)·dy), gamma and beta; the
// statistics are constants.
func BatchNormEval(x, gamma, beta *G.Node, runningMean, runningVar *tensor.Dense, eps float64) (*G.Node, error) {
	return batchNorm("BatchNormEval", false, x, gamma, beta, runningMean, runningVar, 0, eps, false)
}

// BatchNormParams configures BatchNorm.
type BatchNormParams struct {
	// Training selects BatchNormTrain (batch statistics, running
	// statistics updated) rather than BatchNormEval.
	Training bool
	// RunningMean and RunningVar are the running statistics (C), as for
	// BatchNormTrain and BatchNormEval.
	RunningMean, RunningVar *tensor.Dense
	// Momentum (training) and Eps, as for BatchNormTrain.
	Momentum, Eps float64
	// ReLU applies max(0, ·) to the output inside the normalisation's own
	// pass, and masks the incoming gradient inside its backward passes:
	// BatchNorm(x, γ, β, {ReLU: true, ...}) equals ReLU(BatchNorm(x, γ, β,
	// {...})), gradients included, without the activation's two extra
	// passes over memory.
	ReLU bool
}

// BatchNorm is BatchNormTrain (p.Training) or BatchNormEval, optionally
// followed by a fused ReLU (p.ReLU).
func BatchNorm(x, gamma, beta *G.Node, p BatchNormParams) (*G.Node, error) {
	name := "BatchNormEval"
	if p.Training {
		name = "BatchNormTrain"
	}
	return batchNorm(name, p.Training, x, gamma, beta, p.RunningMean, p.RunningVar, p.Momentum, p.Eps, p.ReLU)
}

func batchNorm(name string, training bool, x, gamma, beta *G.Node, runMean, runVar *tensor.Dense, momentum, eps float64, relu bool) (*G.Node, error) {
	if err := checkNode(name, "input", x, 2, 3, 4, 5); err != nil {
		return nil, err
	}
	dt := x.Dtype()
	shape := x.Shape()
	c := shape[1]
	if !(eps > 0) || math.IsInf(eps, 0) {
		return nil, graph.ArgErrorf("ops: %s: eps must be finite and > 0, got %v", name, eps)
	}
	if !(momentum >= 0 && momentum <= 1) {
		return nil, graph.ArgErrorf("ops: %s: momentum must be in [0, 1], got %v", name, momentum)
	}
	if training {
		if m := shape.TotalSize() / c; m < 2 {
			return nil, graph.ShapeErrorf("ops: %s: need more than 1 value per channel in training mode, got input shape %s", name, graph.FormatShape(shape))
		}
	}
	nodes := []*G.Node{x}
	for _, p := range []struct {
		what string
		n    *G.Node
	}{{"gamma", gamma}, {"beta", beta}} {
		if p.n == nil {
			continue
		}
		if err := checkNode(name, p.what, p.n, 1); err != nil {
			return nil, err
		}
		if p.n.Shape()[0] != c {
			return nil, graph.ShapeErrorf("ops: %s: %s must have shape (%d) for %d channels, got %s", name, p.what, c, c, graph.FormatShape(p.n.Shape()))
		}
		nodes = append(nodes, p.n)
	}
	if err := sameDtype(name, nodes...); err != nil {
		return nil, err
	}
	if (runMean == nil) != (runVar == nil) {
		return nil, graph.ArgErrorf("ops: %s: running mean and variance must both be given or both be nil", name)
	}
	if !training && runMean == nil {
		return nil, graph.ArgErrorf("ops: %s: running mean and variance are required", name)
	}
	for _, s := range []struct {
		what string
		t    *tensor.Dense
	}{{"running mean", runMean}, {"running variance", runVar}} {
		if s.t == nil {
			continue
		}
		if s.t.Dtype() != dt {
			return nil, graph.ArgErrorf("ops: %s: %s must have the input's dtype %v, got %v", name, s.what, dt, s.t.Dtype())
		}
		if !graph.SameShape(s.t.Shape(), tensor.Shape{c}) {
			return nil, graph.ShapeErrorf("ops: %s: %s must have shape (%d) for %d channels, got %s", name, s.what, c, c, graph.FormatShape(s.t.Shape()))
		}
	}
	mode := "eval"
	if training {
		mode = "train"
	}
	p := &bnParams{
		training: training, hasGamma: gamma != nil, hasBeta: beta != nil,
		runMean: runMean, runVar: runVar, momentum: momentum, eps: eps, relu: relu,
	}
	opName := "BatchNorm"
	if relu {
		opName += "+ReLU"
	}
	return applyDef(&opDef{
		name:  opName,
		attrs: fmt.Sprintf("%s, momentum=%g, eps=%g, gamma=%v, beta=%v", mode, momentum, eps, gamma != nil, beta != nil),
		shape: sameShape,
		f32:   kernels[float32]{forward: bnForwardKernel[float32](p)},
		f64:   kernels[float64]{forward: bnForwardKernel[float64](p)},
		symDiff: func(inputs G.Nodes, output, dy *G.Node) (G.Nodes, error) {
			return bnGrads(p, inputs, output, dy)
		},
	}, nodes...)
}

// bnParams are a BatchNorm op's settings: y = gamma·(x - mean)·invstd +
// beta per channel, then max(0, ·) with relu. The forward saves the
// per-channel mean and invstd = 1/sqrt(var + eps) of its run (saved.stats
// "mean" and "invstd", in float64) for the gradient ops, which take the
// op's output as an input so that they run after it.
type bnParams struct {
	training          bool
	hasGamma, hasBeta bool
	runMean, runVar   *tensor.Dense
	momentum, eps     float64
	relu              bool // output max(0, ·); gradients masked where the output is 0
	// pass32 and pass64 are the kernels' reusable parallel passes (one
	// pass runs at a time: the forward and gradient ops of one graph run
	// in sequence, as every kit op's saved tensors assume).
	pass32 bnPass[float32]
	pass64 bnPass[float64]
}

// bnStats are the per-channel statistics of a BatchNorm's last run.
type bnStats struct{ mean, invstd []float64 }

// bnSaved returns the statistics in s for c channels.
func bnSaved[T float](s *saved[T], c int) bnStats {
	return bnStats{mean: s.stats("mean", c), invstd: s.stats("invstd", c)}
}

// bnGeometry splits (N, C, ...) into N, C and S, the size of the spatial axes.
func bnGeometry(shape tensor.Shape) (n, c, s int) {
	n, c, s = shape[0], shape[1], 1
	for _, d := range shape[2:] {
		s *= d
	}
	return n, c, s
}

// channelGrain is the number of channels one worker takes at least, so that
// a worker handles about 32k values.
func channelGrain(n, s int) int { return max(1, (1<<15)/max(1, n*s)) }

func bnForwardKernel[T float](p *bnParams) func(fwdArgs[T]) error {
	return func(a fwdArgs[T]) error {
		x := a.in[0]
		var gamma, beta []T
		rest := a.in[1:]
		if p.hasGamma {
			gamma, rest = rest[0].data, rest[1:]
		}
		if p.hasBeta {
			beta = rest[0].data
		}
		_, c, _ := bnGeometry(x.shape)
		bnForward(p, bnSaved(a.saved, c), x.data, gamma, beta, a.out.data, x.shape)
		return nil
	}
}

// bnGrads builds the gradients of a BatchNorm op: one node computes the
// per-channel sums Σdy and Σdy·x̂ that all three gradients need (rows 0
// and 1 of a (2, C) tensor: dβ and dγ), one node dx.
func bnGrads(p *bnParams, inputs G.Nodes, output, dy *G.Node) (G.Nodes, error) {
	fwd, ok := kitOpOf(output)
	if !ok {
		return nil, fmt.Errorf("ops: BatchNorm: output %q is not a BatchNorm op", output.Name())
	}
	x := inputs[0]
	var gamma *G.Node
	if p.hasGamma {
		gamma = inputs[1]
	}
	var sums *G.Node
	var err error
	if p.training || p.hasGamma || p.hasBeta {
		sums, err = applyDef(&opDef{
			name: "BatchNormGradSums", isGrad: true,
			shape: func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{2, in[0][1]}, nil },
			f32:   kernels[float32]{forward: bnSumsKernel[float32](p, fwd)},
			f64:   kernels[float64]{forward: bnSumsKernel[float64](p, fwd)},
		}, x, output, dy)
		if err != nil {
			return nil, err
		}
	}
	dxIn := []*G.Node{x, output, dy}
	if p.training {
		dxIn = append(dxIn, sums)
	}
	if gamma != nil {
		dxIn = append(dxIn, gamma)
	}
	dx, err := applyDef(&opDef{
		name: "BatchNormGradX", isGrad: true, shape: sameShape,
		f32: kernels[float32]{forward: bnGradXKernel[float32](p, fwd)},
		f64: kernels[float64]{forward: bnGradXKernel[float64](p, fwd)},
	}, dxIn...)
	if err != nil {
		return nil, err
	}
	out := G.Nodes{dx}
	if p.hasGamma {
		dg, err := sumsRow(sums, 1)
		if err != nil {
			return nil, err
		}
		out = append(out, dg)
	}
	if p.hasBeta {
		db, err := sumsRow(sums, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, db)
	}
	return out, nil
}

// fwdStats returns the statistics the BatchNorm fwd saved in its last run.
func fwdStats[T float](fwd *kitOp, c int) (bnStats, error) {
	s, ran := savedOf[T](fwd)
	if !ran {
		return bnStats{}, fmt.Errorf("the forward pass has not run")
	}
	return bnSaved(s, c), nil
}

// bnSumsKernel computes, per channel, Σ dy and Σ dy·x̂ with x̂ = (x -
// mean)·invstd from the forward's statistics: a (2, C) tensor whose rows
// are dβ and dγ. Inputs: x, y (also orders it after the forward), dy.
func bnSumsKernel[T float](p *bnParams, fwd *kitOp) func(fwdArgs[T]) error {
	return func(a fwdArgs[T]) error {
		x := a.in[0]
		_, c, _ := bnGeometry(x.shape)
		st, err := fwdStats[T](fwd, c)
		if err != nil {
			return err
		}
		bnSums(p, st, x.data, a.in[1].data, a.in[2].data, a.out.data, x.shape)
		return nil
	}
}

// bnGradXKernel computes dx. Training: dx = γ·invstd·(dy - Σdy/M -
// x̂·Σ(dy·x̂)/M); eval: dx = γ·invstd·dy. Inputs: x, y, dy, then the sums
// (training only) and γ (when the forward has one).
func bnGradXKernel[T float](p *bnParams, fwd *kitOp) func(fwdArgs[T]) error {
	return func(a fwdArgs[T]) error {
		x := a.in[0]
		_, c, _ := bnGeometry(x.shape)
		st, err := fwdStats[T](fwd, c)
		if err != nil {
			return err
		}
		rest := a.in[3:]
		var sums, gamma []T
		if p.training {
			sums, rest = rest[0].data, rest[1:]
		}
		if p.hasGamma {
			gamma = rest[0].data
		}
		bnGradX(p, st, x.data, a.in[1].data, a.in[2].data, sums, gamma, a.out.data, x.shape)
		return nil
	}
}

// sumsRow takes row `row` of the (2, C) gradient sums: dβ (0) or dγ (1).
func sumsRow(sums *G.Node, row int) (*G.Node, error) {
	return applyDef(&opDef{
		name: "Row", attrs: fmt.Sprint(row), isGrad: true,
		shape: func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{in[0][1]}, nil },
		f32:   kernels[float32]{forward: rowKernel[float32](row)},
		f64:   kernels[float64]{forward: rowKernel[float64](row)},
	}, sums)
}

func rowKernel[T float](row int) func(fwdArgs[T]) error {
	return func(a fwdArgs[T]) error {
		c := a.out.shape[0]
		copy(a.out.data, a.in[0].data[row*c:(row+1)*c])
		return nil
	}
}
