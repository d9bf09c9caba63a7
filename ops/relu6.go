package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ReLU6 is min(max(0, x), 6), elementwise (MobileNet's activation,
// PyTorch's ReLU6, Keras's ReLU(max_value=6)). Its derivative is 0 for
// x <= 0 and x >= 6 (the two kinks included) and 1 elsewhere, as in
// PyTorch, where NaN stays NaN and passes its gradient through.
func ReLU6(x *G.Node) (*G.Node, error) {
	if err := checkNode("ReLU6", "input", x); err != nil {
		return nil, err
	}
	return G.ApplyOp(&relu6Op{opBase: newOpBase("ReLU6")}, x)
}

// relu6Op is y = min(max(0, x), 6); with grad set it is the gradient
// dx = dy·[not (x <= 0 or x >= 6)] of inputs x and dy.
type relu6Op struct {
	opBase
	grad bool
	out  buffer
}

func (op *relu6Op) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}

func (op *relu6Op) Type() hm.Type {
	if op.grad {
		return sameType2()
	}
	return sameType()
}

func (op *relu6Op) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return firstShape(in) }

func (op *relu6Op) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, op.Arity())
	if err != nil {
		return nil, err
	}
	x := in[0]
	y := op.out.get(x.Dtype(), x.Shape())
	var dy any
	if op.grad {
		if in[1].Dtype() != x.Dtype() || in[1].Shape().TotalSize() != x.Shape().TotalSize() {
			return nil, fmt.Errorf("ops: %s: gradient %v %v does not match the input %v %v", op, in[1].Dtype(), in[1].Shape(), x.Dtype(), x.Shape())
		}
		dy = in[1].Data()
	}
	switch xs := x.Data().(type) {
	case []float64:
		relu6(xs, dy, y.Data().([]float64))
	case []float32:
		relu6(xs, dy, y.Data().([]float32))
	default:
		return nil, fmt.Errorf("ops: %s: dtype %v not supported", op, x.Dtype())
	}
	return y, nil
}

// relu6 writes min(max(0, x), 6) into y, or, when dy is not nil, the
// gradient dy·[not (x <= 0 or x >= 6)].
func relu6[T float](x []T, dy any, y []T) {
	g, _ := dy.([]T)
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		x, y := x[lo:hi], y[lo:hi]
		if g == nil {
			for i, v := range x {
				y[i] = min(max(v, 0), 6)
			}
			return
		}
		g := g[lo:hi]
		for i, v := range x {
			y[i] = 0                 // not g·0, which is NaN for an infinite g
			if !(v <= 0 || v >= 6) { // NaN passes, as in PyTorch
				y[i] = g[i]
			}
		}
	})
}

// IsGradient reports whether the op is ReLU6's gradient (graph.GradientOp).
func (op *relu6Op) IsGradient() bool { return op.grad }

func (op *relu6Op) DiffWRT(n int) []bool {
	if op.grad {
		return make([]bool, n)
	}
	return []bool{true}
}

func (op *relu6Op) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, fmt.Errorf("ops: %s: second derivatives are not implemented", op)
	}
	dx, err := G.ApplyOp(&relu6Op{opBase: newOpBase("ReLU6Grad"), grad: true}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
