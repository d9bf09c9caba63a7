package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Reshape gives x the shape shape (same number of elements, row-major
// order kept), as Flatten and Reshape layers need. Its gradient reshapes
// the upstream gradient back.
//
// Unlike gorgonia.Reshape, the output is a copy in a buffer the op keeps
// between runs: Gorgonia's reshape may change the shape of its input
// tensor in place, which makes the op that produced it allocate a new
// output at every run, and a view would alias a tensor that Gorgonia's
// own in-place ops might overwrite.
func Reshape(x *G.Node, shape ...int) (*G.Node, error) {
	const name = "Reshape"
	if err := checkNode(name, "input", x); err != nil {
		return nil, err
	}
	if x.Shape().Dims() == 0 {
		return nil, graph.ShapeErrorf("ops: Reshape: input must have at least one axis, got a scalar")
	}
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return nil, graph.ShapeErrorf("ops: Reshape: dimensions must be positive, got %v", shape)
		}
		n *= d
	}
	if len(shape) == 0 || n != x.Shape().TotalSize() {
		return nil, graph.ShapeErrorf("ops: Reshape: cannot reshape %s (%d values) to %v (%d values)",
			graph.FormatShape(x.Shape()), x.Shape().TotalSize(), shape, n)
	}
	return G.ApplyOp(newReshapeOp(x.Shape(), shape), x)
}

// reshapeOp copies x (shape from) into a tensor of shape to.
type reshapeOp struct {
	opBase
	from, to tensor.Shape
	out      buffer
}

func newReshapeOp(from, to tensor.Shape) *reshapeOp {
	desc := fmt.Sprintf("Reshape(%s→%s)", graph.FormatShape(from), graph.FormatShape(to))
	return &reshapeOp{opBase: newOpBase(desc), from: from.Clone(), to: to.Clone()}
}

func (op *reshapeOp) Arity() int { return 1 }
func (op *reshapeOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	var in, out hm.Type = G.TensorType{Dims: op.from.Dims(), Of: a}, G.TensorType{Dims: op.to.Dims(), Of: a}
	if op.from.Dims() == 0 {
		in = a
	}
	return hm.NewFnType(in, out)
}
func (op *reshapeOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.to.Clone(), nil }

func (op *reshapeOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 1)
	if err != nil {
		return nil, err
	}
	x := in[0]
	if x.Shape().TotalSize() != op.to.TotalSize() {
		return nil, graph.ShapeErrorf("ops: %s: input has %d values, want %d", op, x.Shape().TotalSize(), op.to.TotalSize())
	}
	if x.IsView() {
		x = x.Materialize().(*tensor.Dense)
	}
	y := op.out.get(x.Dtype(), op.to)
	switch xs := x.Data().(type) {
	case []float32:
		copy(y.Data().([]float32), xs)
	case []float64:
		copy(y.Data().([]float64), xs)
	default:
		return nil, graph.ArgErrorf("ops: %s: dtype %v not supported", op, x.Dtype())
	}
	return y, nil
}

func (op *reshapeOp) DiffWRT(int) []bool { return []bool{true} }

func (op *reshapeOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(newReshapeOp(op.to, op.from), grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
