package ops

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Add is the elementwise sum x0 + x1 + ... of nodes of one shape and dtype
// (at least one): the merge of a residual connection. Each input's gradient
// is dy.
func Add(xs ...*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, graph.ArgErrorf("ops: Add: need at least one input, got none")
	}
	for i, x := range xs {
		if err := checkNode("Add", fmt.Sprintf("input %d", i), x); err != nil {
			return nil, err
		}
		if x.Shape().Dims() == 0 {
			return nil, graph.ShapeErrorf("ops: Add: input %d is a scalar; inputs must be tensors", i)
		}
		if !graph.SameShape(x.Shape(), xs[0].Shape()) {
			return nil, graph.ShapeErrorf("ops: Add: input %d has shape %s, input 0 has %s; all must be equal", i, graph.FormatShape(x.Shape()), graph.FormatShape(xs[0].Shape()))
		}
	}
	if err := sameDtype("Add", xs...); err != nil {
		return nil, err
	}
	return G.ApplyOp(&addOp{opBase: newOpBase(fmt.Sprintf("Add(%d)", len(xs))), n: len(xs)}, xs...)
}

type addOp struct {
	opBase
	n   int
	out buffer
}

func (op *addOp) Arity() int { return op.n }
func (op *addOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, op.n+1)
	for i := range ts {
		ts[i] = a
	}
	return hm.NewFnType(ts...)
}
func (op *addOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return firstShape(in) }

func (op *addOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, op.n)
	if err != nil {
		return nil, err
	}
	y := op.out.get(in[0].Dtype(), in[0].Shape())
	switch ys := y.Data().(type) {
	case []float64:
		addAll(ys, in)
	case []float32:
		addAll(ys, in)
	default:
		return nil, fmt.Errorf("ops: Add: dtype %v not supported", y.Dtype())
	}
	return y, nil
}

func addAll[T float](y []T, in []*tensor.Dense) {
	srcs := make([][]T, len(in))
	for i, t := range in {
		srcs[i] = t.Data().([]T)
	}
	parallelFor(len(y), elementwiseGrain, func(lo, hi int) {
		ys := y[lo:hi]
		copy(ys, srcs[0][lo:hi])
		for _, s := range srcs[1:] {
			for j, v := range s[lo:hi] {
				ys[j] += v
			}
		}
	})
}

func (op *addOp) DiffWRT(n int) []bool { return allTrue(n) }

func (op *addOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	out := make(G.Nodes, len(inputs))
	for i := range out {
		out[i] = grad
	}
	return out, nil
}

// Concat joins nodes along axis (negative axes count from the end). All
// inputs have one dtype and the same shape except along axis; the output's
// size along axis is the sum of theirs. In a CNN axis is 1 (channels), as
// in Inception modules and UNet skip connections. Each input's gradient is
// its slice of dy.
func Concat(axis int, xs ...*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, graph.ArgErrorf("ops: Concat: need at least one input, got none")
	}
	for i, x := range xs {
		if err := checkNode("Concat", fmt.Sprintf("input %d", i), x); err != nil {
			return nil, err
		}
	}
	first := xs[0].Shape()
	r := first.Dims()
	if r == 0 {
		return nil, graph.ShapeErrorf("ops: Concat: inputs must have at least one axis, got a scalar")
	}
	ax, err := normAxis("Concat", axis, r)
	if err != nil {
		return nil, err
	}
	sizes := make([]int, len(xs))
	for i, x := range xs {
		s := x.Shape()
		if s.Dims() != r {
			return nil, graph.ShapeErrorf("ops: Concat: input %d has rank %d (shape %s), input 0 has rank %d (shape %s)", i, s.Dims(), graph.FormatShape(s), r, graph.FormatShape(first))
		}
		for d := 0; d < r; d++ {
			if d != ax && s[d] != first[d] {
				return nil, graph.ShapeErrorf("ops: Concat: input %d has shape %s, input 0 has %s; they may differ only on axis %d, but differ on axis %d", i, graph.FormatShape(s), graph.FormatShape(first), ax, d)
			}
		}
		sizes[i] = s[ax]
	}
	if err := sameDtype("Concat", xs...); err != nil {
		return nil, err
	}
	return G.ApplyOp(&concatOp{opBase: newOpBase(fmt.Sprintf("Concat(axis=%d, %v)", ax, sizes)), axis: ax, sizes: sizes, rank: r}, xs...)
}

type concatOp struct {
	opBase
	axis  int
	sizes []int
	rank  int
	out   buffer
}

func (op *concatOp) Arity() int { return len(op.sizes) }
func (op *concatOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: op.rank, Of: a}
	ts := make([]hm.Type, len(op.sizes)+1)
	for i := range ts {
		ts[i] = t
	}
	return hm.NewFnType(ts...)
}
func (op *concatOp) total() int {
	n := 0
	for _, s := range op.sizes {
		n += s
	}
	return n
}
func (op *concatOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s := in[0].(tensor.Shape).Clone()
	s[op.axis] = op.total()
	return s, nil
}

func (op *concatOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, len(op.sizes))
	if err != nil {
		return nil, err
	}
	shape := in[0].Shape().Clone()
	shape[op.axis] = op.total()
	y := op.out.get(in[0].Dtype(), shape)
	outer, _, inner := axisGeometry(shape, op.axis)
	switch ys := y.Data().(type) {
	case []float64:
		concatCopy(ys, in, op.sizes, outer, inner)
	case []float32:
		concatCopy(ys, in, op.sizes, outer, inner)
	default:
		return nil, fmt.Errorf("ops: Concat: dtype %v not supported", y.Dtype())
	}
	return y, nil
}

// concatCopy copies, for every outer index, each input's contiguous block
// of sizes[i]·inner values into its place in y.
func concatCopy[T float](y []T, in []*tensor.Dense, sizes []int, outer, inner int) {
	total := 0
	for _, s := range sizes {
		total += s
	}
	row := total * inner
	parallelFor(outer, max(1, elementwiseGrain/row), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			off := o * row
			for i, t := range in {
				blk := sizes[i] * inner
				copy(y[off:off+blk], t.Data().([]T)[o*blk:(o+1)*blk])
				off += blk
			}
		}
	})
}

func (op *concatOp) DiffWRT(n int) []bool { return allTrue(n) }

func (op *concatOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	out := make(G.Nodes, len(inputs))
	start := 0
	for i := range inputs {
		d, err := G.ApplyOp(&splitOp{
			gradOpBase: newGradOpBase(fmt.Sprintf("ConcatGrad(axis=%d, %d:%d)", op.axis, start, start+op.sizes[i])),
			axis:       op.axis, start: start, size: op.sizes[i], rank: op.rank,
		}, grad)
		if err != nil {
			return nil, err
		}
		out[i] = d
		start += op.sizes[i]
	}
	return out, nil
}

// splitOp takes the slice [start, start+size) of dy along axis: Concat's gradient.
type splitOp struct {
	gradOpBase
	axis, start, size int
	rank              int
	out               buffer
}

func (op *splitOp) Arity() int    { return 1 }
func (op *splitOp) Type() hm.Type { return rankType(op.rank, op.rank) }
func (op *splitOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s := in[0].(tensor.Shape).Clone()
	s[op.axis] = op.size
	return s, nil
}

func (op *splitOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 1)
	if err != nil {
		return nil, err
	}
	dy := in[0]
	outer, total, inner := axisGeometry(dy.Shape(), op.axis)
	shape := dy.Shape().Clone()
	shape[op.axis] = op.size
	dx := op.out.get(dy.Dtype(), shape)
	switch ds := dy.Data().(type) {
	case []float64:
		splitCopy(dx.Float64s(), ds, outer, total, inner, op.start, op.size)
	case []float32:
		splitCopy(dx.Float32s(), ds, outer, total, inner, op.start, op.size)
	default:
		return nil, fmt.Errorf("ops: Concat: dtype %v not supported", dy.Dtype())
	}
	return dx, nil
}

func splitCopy[T float](dx, dy []T, outer, total, inner, start, size int) {
	blk := size * inner
	parallelFor(outer, max(1, elementwiseGrain/blk), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			src := dy[o*total*inner+start*inner:]
			copy(dx[o*blk:(o+1)*blk], src[:blk])
		}
	})
}

// Scale multiplies x by the constant s (finite): y = s·x, dx = s·dy. It is
// the residual scaling of Inception-ResNet blocks (s = 0.1 to 0.3). x may
// be a tensor of any rank or a scalar (a loss).
func Scale(x *G.Node, s float64) (*G.Node, error) {
	if err := checkNode("Scale", "input", x); err != nil {
		return nil, err
	}
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return nil, graph.ArgErrorf("ops: Scale: the factor must be finite, got %v", s)
	}
	return G.ApplyOp(newScaleOp(s), x)
}

type scaleOp struct {
	opBase
	s   float64
	out buffer
}

func newScaleOp(s float64) *scaleOp {
	return &scaleOp{opBase: newOpBase(fmt.Sprintf("Scale(%g)", s)), s: s}
}

func (op *scaleOp) Arity() int                                        { return 1 }
func (op *scaleOp) Type() hm.Type                                     { return sameType() }
func (op *scaleOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return firstShape(in) }

func (op *scaleOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) == 1 {
		if x, ok := vals[0].(*tensor.Dense); !ok || x.IsScalar() {
			v, err := scalarValue(op.String(), vals[0])
			if err != nil {
				return nil, err
			}
			return scalarOut(vals[0].Dtype(), op.s*v), nil
		}
	}
	in, err := denseArgs(op.String(), vals, 1)
	if err != nil {
		return nil, err
	}
	x := in[0]
	y := op.out.get(x.Dtype(), x.Shape())
	switch xs := x.Data().(type) {
	case []float64:
		scaleInto(y.Float64s(), xs, op.s)
	case []float32:
		scaleInto(y.Float32s(), xs, float32(op.s))
	default:
		return nil, fmt.Errorf("ops: Scale: dtype %v not supported", x.Dtype())
	}
	return y, nil
}

func scaleInto[T float](y, x []T, s T) {
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			y[i] = s * x[i]
		}
	})
}

func (op *scaleOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff scales dy by the same factor; the gradient is itself a Scale, so
// it can be differentiated again.
func (op *scaleOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(newScaleOp(op.s), grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
