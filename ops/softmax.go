package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Softmax is exp(x_k)/Σ_j exp(x_j) along axis (negative axes count from the
// end), computed stably by subtracting the maximum first. The output has
// x's shape; along axis it is positive and sums to 1. The gradient is
// dx = y·(dy - Σ_k dy·y).
//
// Unlike Gorgonia's SoftMax, Softmax and LogSoftmax of one node are two
// distinct nodes.
func Softmax(x *G.Node, axis int) (*G.Node, error) { return applySoftmax("Softmax", false, x, axis) }

// LogSoftmax is x_k - log Σ_j exp(x_j) along axis (negative axes count from
// the end), computed stably with the log-sum-exp trick. The output has x's
// shape. The gradient is dx = dy - softmax(x)·Σ_k dy.
func LogSoftmax(x *G.Node, axis int) (*G.Node, error) {
	return applySoftmax("LogSoftmax", true, x, axis)
}

func applySoftmax(name string, log bool, x *G.Node, axis int) (*G.Node, error) {
	if err := checkNode(name, "input", x); err != nil {
		return nil, err
	}
	r := x.Shape().Dims()
	if r == 0 {
		return nil, graph.ShapeErrorf("ops: %s: input must have at least one axis, got a scalar", name)
	}
	ax, err := normAxis(name, axis, r)
	if err != nil {
		return nil, err
	}
	return G.ApplyOp(&softmaxOp{opBase: newOpBase(fmt.Sprintf("%s(axis=%d)", name, ax)), log: log, axis: ax}, x)
}

// normAxis maps axis in [-rank, rank) to [0, rank).
func normAxis(name string, axis, rank int) (int, error) {
	if axis < -rank || axis >= rank {
		return 0, graph.ArgErrorf("ops: %s: axis %d is out of range for rank %d (valid %d..%d)", name, axis, rank, -rank, rank-1)
	}
	if axis < 0 {
		axis += rank
	}
	return axis, nil
}

// axisGeometry splits shape around axis: outer = Π shape[:axis], k =
// shape[axis], inner = Π shape[axis+1:].
func axisGeometry(shape tensor.Shape, axis int) (outer, k, inner int) {
	outer, k, inner = 1, shape[axis], 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	return outer, k, inner
}

type softmaxOp struct {
	opBase
	log  bool
	axis int
	out  buffer
}

func (op *softmaxOp) Arity() int                                        { return 1 }
func (op *softmaxOp) Type() hm.Type                                     { return sameType() }
func (op *softmaxOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return firstShape(in) }

func (op *softmaxOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 1)
	if err != nil {
		return nil, err
	}
	x := in[0]
	y := op.out.get(x.Dtype(), x.Shape())
	outer, k, inner := axisGeometry(x.Shape(), op.axis)
	switch xs := x.Data().(type) {
	case []float64:
		softmaxForward(op.log, xs, y.Float64s(), outer, k, inner)
	case []float32:
		softmaxForward(op.log, xs, y.Float32s(), outer, k, inner)
	default:
		return nil, fmt.Errorf("ops: %s: dtype %v not supported", op.String(), x.Dtype())
	}
	return y, nil
}

func softmaxForward[T float](log bool, x, y []T, outer, k, inner int) {
	block := k * inner
	parallelFor(outer, max(1, elementwiseGrain/block), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			xb, yb := x[o*block:(o+1)*block], y[o*block:(o+1)*block]
			for p := 0; p < inner; p++ {
				if log {
					lse := logSumExp(xb[p:], k, inner)
					for j := 0; j < k; j++ {
						q := j*inner + p
						yb[q] = T(float64(xb[q]) - lse)
					}
					continue
				}
				// e^(x-max) once per element, kept in y, then normalised
				m := strideMax(xb[p:], k, inner)
				sum := 0.0
				for j := 0; j < k; j++ {
					q := j*inner + p
					e := expT(xb[q] - m)
					yb[q] = e
					sum += float64(e)
				}
				inv := T(1 / sum)
				for j := 0; j < k; j++ {
					yb[j*inner+p] *= inv
				}
			}
		}
	})
}

func (op *softmaxOp) DiffWRT(int) []bool { return []bool{true} }

func (op *softmaxOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&softmaxGradOp{
		gradOpBase: newGradOpBase(fmt.Sprintf("SoftmaxGrad(log=%v, axis=%d)", op.log, op.axis)),
		log:        op.log, axis: op.axis,
	}, output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// softmaxGradOp computes dx from y and dy.
type softmaxGradOp struct {
	gradOpBase
	log  bool
	axis int
	out  buffer
}

func (op *softmaxGradOp) Arity() int                                        { return 2 }
func (op *softmaxGradOp) Type() hm.Type                                     { return sameType2() }
func (op *softmaxGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return firstShape(in) }

func (op *softmaxGradOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 2)
	if err != nil {
		return nil, err
	}
	y, dy := in[0], in[1]
	dx := op.out.get(y.Dtype(), y.Shape())
	outer, k, inner := axisGeometry(y.Shape(), op.axis)
	switch ys := y.Data().(type) {
	case []float64:
		softmaxBackward(op.log, ys, dy.Float64s(), dx.Float64s(), outer, k, inner)
	case []float32:
		softmaxBackward(op.log, ys, dy.Float32s(), dx.Float32s(), outer, k, inner)
	default:
		return nil, fmt.Errorf("ops: %s: dtype %v not supported", op, y.Dtype())
	}
	return dx, nil
}

func softmaxBackward[T float](log bool, y, dy, dx []T, outer, k, inner int) {
	block := k * inner
	parallelFor(outer, max(1, elementwiseGrain/block), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			yb, db, xb := y[o*block:(o+1)*block], dy[o*block:(o+1)*block], dx[o*block:(o+1)*block]
			for p := 0; p < inner; p++ {
				s := 0.0
				for j := 0; j < k; j++ {
					q := j*inner + p
					if log {
						s += float64(db[q])
					} else {
						s += float64(db[q]) * float64(yb[q])
					}
				}
				for j := 0; j < k; j++ {
					q := j*inner + p
					if log {
						xb[q] = T(float64(db[q]) - float64(expT(yb[q]))*s)
					} else {
						xb[q] = T(float64(yb[q]) * (float64(db[q]) - s))
					}
				}
			}
		}
	})
}
