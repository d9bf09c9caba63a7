package ops

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
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
	desc := fmt.Sprintf("BatchNorm(%s, momentum=%g, eps=%g, gamma=%v, beta=%v)", mode, momentum, eps, gamma != nil, beta != nil)
	if relu {
		desc += "+relu"
	}
	op := &batchNormOp{
		opBase: newOpBase(desc), training: training, hasGamma: gamma != nil, hasBeta: beta != nil,
		runMean: runMean, runVar: runVar, momentum: momentum, eps: eps, rank: shape.Dims(), relu: relu,
	}
	return G.ApplyOp(op, nodes...)
}

// batchNormOp is y = gamma·(x - mean)·invstd + beta per channel. It keeps
// the per-channel mean and 1/sqrt(var + eps) of its last run for the
// gradient ops, which take the op's output as an input so that they run
// after it.
type batchNormOp struct {
	opBase
	training          bool
	hasGamma, hasBeta bool
	runMean, runVar   *tensor.Dense
	momentum, eps     float64
	rank              int
	relu              bool // output max(0, ·); gradients masked where the output is 0

	out    buffer
	mean   []float64 // per channel, of the last run
	invstd []float64
}

func (op *batchNormOp) Arity() int {
	n := 1
	if op.hasGamma {
		n++
	}
	if op.hasBeta {
		n++
	}
	return n
}

func (op *batchNormOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	x := G.TensorType{Dims: op.rank, Of: a}
	v := G.TensorType{Dims: 1, Of: a}
	ts := []hm.Type{x}
	for i := 1; i < op.Arity(); i++ {
		ts = append(ts, v)
	}
	return hm.NewFnType(append(ts, x)...)
}

func (op *batchNormOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return firstShape(in) }

// affineInputs splits the op's inputs after x into gamma and beta (nil when absent).
func affineInputs(hasGamma, hasBeta bool, rest []*tensor.Dense) (gamma, beta *tensor.Dense) {
	if hasGamma {
		gamma, rest = rest[0], rest[1:]
	}
	if hasBeta {
		beta = rest[0]
	}
	return gamma, beta
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

func (op *batchNormOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, op.Arity())
	if err != nil {
		return nil, err
	}
	x := in[0]
	gamma, beta := affineInputs(op.hasGamma, op.hasBeta, in[1:])
	_, c, _ := bnGeometry(x.Shape())
	if cap(op.mean) < c {
		op.mean, op.invstd = make([]float64, c), make([]float64, c)
	}
	op.mean, op.invstd = op.mean[:c], op.invstd[:c]
	y := op.out.get(x.Dtype(), x.Shape())
	switch xs := x.Data().(type) {
	case []float64:
		bnForward(op, xs, floats[float64](gamma), floats[float64](beta), y.Float64s(), x.Shape())
	case []float32:
		bnForward(op, xs, floats[float32](gamma), floats[float32](beta), y.Float32s(), x.Shape())
	default:
		return nil, fmt.Errorf("ops: BatchNorm: dtype %v not supported", x.Dtype())
	}
	return y, nil
}

// floats returns t's data as []T, or nil for a nil tensor.
func floats[T float](t *tensor.Dense) []T {
	if t == nil {
		return nil
	}
	return t.Data().([]T)
}

func (op *batchNormOp) DiffWRT(n int) []bool { return allTrue(n) }

func (op *batchNormOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	x := inputs[0]
	var gamma *G.Node
	if op.hasGamma {
		gamma = inputs[1]
	}
	needSums := op.training || op.hasGamma || op.hasBeta
	var sums *G.Node
	var err error
	if needSums {
		if sums, err = G.ApplyOp(&bnSumsOp{gradOpBase: newGradOpBase("BatchNormGradSums"), fwd: op}, x, output, grad); err != nil {
			return nil, err
		}
	}
	dxIn := []*G.Node{x, output, grad}
	if op.training {
		dxIn = append(dxIn, sums)
	}
	if gamma != nil {
		dxIn = append(dxIn, gamma)
	}
	dx, err := G.ApplyOp(&bnGradXOp{gradOpBase: newGradOpBase("BatchNormGradX"), fwd: op}, dxIn...)
	if err != nil {
		return nil, err
	}
	out := G.Nodes{dx}
	if op.hasGamma {
		dg, err := sumsRow(sums, 1)
		if err != nil {
			return nil, err
		}
		out = append(out, dg)
	}
	if op.hasBeta {
		db, err := sumsRow(sums, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, db)
	}
	return out, nil
}

// bnSumsOp computes, per channel, Σ dy and Σ dy·x̂ with x̂ = (x - mean)·invstd
// from the forward op's last run: a (2, C) tensor whose rows are dβ and dγ.
// Inputs: x, y (only to run after the forward op), dy.
type bnSumsOp struct {
	gradOpBase
	fwd *batchNormOp
	out buffer
}

func (op *bnSumsOp) Arity() int { return 3 }
func (op *bnSumsOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	x := G.TensorType{Dims: op.fwd.rank, Of: a}
	return hm.NewFnType(x, x, x, G.TensorType{Dims: 2, Of: a})
}
func (op *bnSumsOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{2, in[0].(tensor.Shape)[1]}, nil
}

func (op *bnSumsOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 3)
	if err != nil {
		return nil, err
	}
	x, y, dy := in[0], in[1], in[2]
	_, c, _ := bnGeometry(x.Shape())
	out := op.out.get(x.Dtype(), tensor.Shape{2, c})
	switch xs := x.Data().(type) {
	case []float64:
		bnSums(op.fwd, xs, y.Float64s(), dy.Float64s(), out.Float64s(), x.Shape())
	case []float32:
		bnSums(op.fwd, xs, y.Float32s(), dy.Float32s(), out.Float32s(), x.Shape())
	default:
		return nil, fmt.Errorf("ops: BatchNorm: dtype %v not supported", x.Dtype())
	}
	return out, nil
}

// bnGradXOp computes dx. Training: dx = γ·invstd·(dy - Σdy/M - x̂·Σ(dy·x̂)/M);
// eval: dx = γ·invstd·dy. Inputs: x, y (ordering), dy, then the sums
// (training only) and γ (when the forward has one).
type bnGradXOp struct {
	gradOpBase
	fwd *batchNormOp
	out buffer
}

func (op *bnGradXOp) Arity() int {
	n := 3
	if op.fwd.training {
		n++
	}
	if op.fwd.hasGamma {
		n++
	}
	return n
}

func (op *bnGradXOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	x := G.TensorType{Dims: op.fwd.rank, Of: a}
	ts := []hm.Type{x, x, x}
	if op.fwd.training {
		ts = append(ts, G.TensorType{Dims: 2, Of: a})
	}
	if op.fwd.hasGamma {
		ts = append(ts, G.TensorType{Dims: 1, Of: a})
	}
	return hm.NewFnType(append(ts, x)...)
}

func (op *bnGradXOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return firstShape(in) }

func (op *bnGradXOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, op.Arity())
	if err != nil {
		return nil, err
	}
	x, y, dy := in[0], in[1], in[2]
	rest := in[3:]
	var sums, gamma *tensor.Dense
	if op.fwd.training {
		sums, rest = rest[0], rest[1:]
	}
	if op.fwd.hasGamma {
		gamma = rest[0]
	}
	dx := op.out.get(x.Dtype(), x.Shape())
	switch xs := x.Data().(type) {
	case []float64:
		bnGradX(op.fwd, xs, y.Float64s(), dy.Float64s(), floats[float64](sums), floats[float64](gamma), dx.Float64s(), x.Shape())
	case []float32:
		bnGradX(op.fwd, xs, y.Float32s(), dy.Float32s(), floats[float32](sums), floats[float32](gamma), dx.Float32s(), x.Shape())
	default:
		return nil, fmt.Errorf("ops: BatchNorm: dtype %v not supported", x.Dtype())
	}
	return dx, nil
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
