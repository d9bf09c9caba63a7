package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GatherAxis picks the slices idx of x along axis, in order (indices may
// repeat and come in any order), as torch.index_select(x, axis, idx): the
// output has x's shape with size len(idx) on axis. Slicing (idx = lo..hi-1),
// edge and reflect padding and nearest-neighbour resizing are gathers. The
// gradient adds each slice of dy back to the slice of x it came from.
//
// Unlike gorgonia.Slice, a one-element range keeps its axis, and the
// output is a copy, not a view.
func GatherAxis(x *G.Node, axis int, idx []int) (*G.Node, error) {
	const name = "GatherAxis"
	if err := checkNode(name, "input", x); err != nil {
		return nil, err
	}
	s := x.Shape()
	if s.Dims() == 0 {
		return nil, graph.ShapeErrorf("ops: GatherAxis: input must have at least one axis, got a scalar")
	}
	ax, err := normAxis(name, axis, s.Dims())
	if err != nil {
		return nil, err
	}
	if len(idx) == 0 {
		return nil, graph.ArgErrorf("ops: GatherAxis: need at least one index")
	}
	for _, i := range idx {
		if i < 0 || i >= s[ax] {
			return nil, graph.ArgErrorf("ops: GatherAxis: index %d is out of range for axis %d of %s", i, ax, graph.FormatShape(s))
		}
	}
	return G.ApplyOp(newGatherOp(s, ax, idx, false), x)
}

// gatherOp copies slices of x along an axis (scatter = false), or adds
// slices of its input into a tensor of shape full (scatter = true, the
// gradient of the gather).
type gatherOp struct {
	opBase
	full    tensor.Shape // the gathered-from shape
	axis    int
	idx     []int
	scatter bool
	out     buffer
}

func newGatherOp(full tensor.Shape, axis int, idx []int, scatter bool) *gatherOp {
	kind := "GatherAxis"
	if scatter {
		kind = "ScatterAddAxis"
	}
	desc := fmt.Sprintf("%s(%s, axis %d, %d indices)", kind, graph.FormatShape(full), axis, len(idx))
	return &gatherOp{opBase: newOpBase(desc), full: full.Clone(), axis: axis, idx: append([]int(nil), idx...), scatter: scatter}
}

func (op *gatherOp) small() tensor.Shape {
	s := op.full.Clone()
	s[op.axis] = len(op.idx)
	return s
}

func (op *gatherOp) Arity() int    { return 1 }
func (op *gatherOp) Type() hm.Type { return sameType() }
func (op *gatherOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if op.scatter {
		return op.full.Clone(), nil
	}
	return op.small(), nil
}

func (op *gatherOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 1)
	if err != nil {
		return nil, err
	}
	x := in[0]
	want := op.full
	if op.scatter {
		want = op.small()
	}
	if !graph.SameShape(x.Shape(), want) {
		return nil, graph.ShapeErrorf("ops: %s: input shape %s, want %s", op, graph.FormatShape(x.Shape()), graph.FormatShape(want))
	}
	if x.IsView() {
		x = x.Materialize().(*tensor.Dense)
	}
	outShape := op.small()
	if op.scatter {
		outShape = op.full
	}
	y := op.out.get(x.Dtype(), outShape)
	outer := 1
	for _, d := range op.full[:op.axis] {
		outer *= d
	}
	inner := 1
	for _, d := range op.full[op.axis+1:] {
		inner *= d
	}
	switch xs := x.Data().(type) {
	case []float32:
		gatherRows(op, xs, y.Data().([]float32), outer, inner)
	case []float64:
		gatherRows(op, xs, y.Data().([]float64), outer, inner)
	default:
		return nil, graph.ArgErrorf("ops: %s: dtype %v not supported", op, x.Dtype())
	}
	return y, nil
}

func gatherRows[T float32 | float64](op *gatherOp, x, y []T, outer, inner int) {
	n, k := op.full[op.axis], len(op.idx)
	if op.scatter {
		clear(y)
		for o := 0; o < outer; o++ {
			for j, i := range op.idx {
				dst := y[(o*n+i)*inner : (o*n+i+1)*inner]
				src := x[(o*k+j)*inner : (o*k+j+1)*inner]
				for e := range dst {
					dst[e] += src[e]
				}
			}
		}
		return
	}
	for o := 0; o < outer; o++ {
		for j, i := range op.idx {
			copy(y[(o*k+j)*inner:(o*k+j+1)*inner], x[(o*n+i)*inner:(o*n+i+1)*inner])
		}
	}
}

func (op *gatherOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff: the gradient of a gather is the scatter-add of dy, and the
// gradient of a scatter-add is the gather of dy.
func (op *gatherOp) SymDiff(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(newGatherOp(op.full, op.axis, op.idx, !op.scatter), grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
