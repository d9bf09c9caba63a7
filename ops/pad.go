package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Pad adds zeros around the spatial axes of x (N, C, spatial...), with 1,
// 2 or 3 spatial axes: before[i] zeros before and after[i] zeros after
// spatial axis i, so padding may be asymmetric (Keras's ZeroPadding and
// "same" padding with an odd total). Output (N, C, in_i + before[i] +
// after[i] ...). Its gradient crops the incoming gradient.
func Pad(x *G.Node, before, after []int) (*G.Node, error) {
	const name = "Pad"
	if err := checkNode(name, "input", x, 3, 4, 5); err != nil {
		return nil, err
	}
	rank := x.Shape().Dims() - 2
	if len(before) != rank || len(after) != rank {
		return nil, graph.ArgErrorf("ops: Pad: before and after need %d values (one per spatial axis of %s), got %v and %v",
			rank, graph.FormatShape(x.Shape()), before, after)
	}
	for i := range rank {
		if before[i] < 0 || after[i] < 0 {
			return nil, graph.ArgErrorf("ops: Pad: padding must be >= 0, got before %v, after %v", before, after)
		}
	}
	s := x.Shape()
	op := &padOp{rank: rank,
		nc:     s[0] * s[1],
		in:     lift3(s[2:], 1),
		before: lift3(before, 0),
	}
	op.out = op.in
	for i := range 3 {
		if i >= 3-rank {
			op.out[i] += after[i-(3-rank)]
		}
		op.out[i] += op.before[i]
	}
	op.outShape = append(tensor.Shape{s[0], s[1]}, op.out[3-rank:]...)
	op.inShape = s.Clone()
	op.opBase = newOpBase(op.describe("Pad"))
	return G.ApplyOp(op, x)
}

// padOp pads (N·C, D, H, W) to (N·C, D', H', W'); with crop set it is the
// gradient: it takes the padded tensor and returns the inner part.
type padOp struct {
	opBase
	rank              int
	nc                int
	in, out, before   [3]int
	inShape, outShape tensor.Shape
	crop              bool
	buf               buffer
}

func (op *padOp) Arity() int    { return 1 }
func (op *padOp) Type() hm.Type { return rankType(op.rank+2, op.rank+2) }

func (op *padOp) shapes() (in, out tensor.Shape) {
	if op.crop {
		return op.outShape, op.inShape
	}
	return op.inShape, op.outShape
}

func (op *padOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	want, out := op.shapes()
	if s, ok := in[0].(tensor.Shape); !ok || !graph.SameShape(s, want) {
		return nil, graph.ShapeErrorf("ops: %s: input must have shape %s, got %v", op, graph.FormatShape(want), in[0])
	}
	return out.Clone(), nil
}

func (op *padOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 1)
	if err != nil {
		return nil, err
	}
	want, outShape := op.shapes()
	if !graph.SameShape(in[0].Shape(), want) {
		return nil, graph.ShapeErrorf("ops: %s: input must have shape %s, got %s", op, graph.FormatShape(want), graph.FormatShape(in[0].Shape()))
	}
	y := op.buf.get(in[0].Dtype(), outShape)
	switch x := in[0].Data().(type) {
	case []float32:
		padCopy(op, x, y.Data().([]float32))
	case []float64:
		padCopy(op, x, y.Data().([]float64))
	default:
		return nil, graph.ArgErrorf("ops: %s: dtype %v not supported", op, in[0].Dtype())
	}
	return y, nil
}

// padCopy copies the inner block between the small tensor (in) and the
// padded one (out), zeroing the border when padding.
func padCopy[T float](op *padOp, src, dst []T) {
	id, ih, iw := op.in[0], op.in[1], op.in[2]
	od, oh, ow := op.out[0], op.out[1], op.out[2]
	bd, bh, bw := op.before[0], op.before[1], op.before[2]
	isz, osz := id*ih*iw, od*oh*ow
	parallelFor(op.nc, max(1, 1<<14/max(1, osz)), func(lo, hi int) {
		for c := lo; c < hi; c++ {
			small, big := c*isz, c*osz
			if !op.crop {
				clear(dst[big : big+osz])
			}
			for d := 0; d < id; d++ {
				for h := 0; h < ih; h++ {
					s := small + (d*ih+h)*iw
					b := big + ((d+bd)*oh+h+bh)*ow + bw
					if op.crop {
						copy(dst[s:s+iw], src[b:b+iw])
					} else {
						copy(dst[b:b+iw], src[s:s+iw])
					}
				}
			}
		}
	})
}

// describe gives the op's String: name(before=..., after=...).
func (op *padOp) describe(name string) string {
	after := [3]int{}
	for i := range 3 {
		after[i] = op.out[i] - op.in[i] - op.before[i]
	}
	return fmt.Sprintf("%s(before=%v, after=%v)", name, op.before[3-op.rank:], after[3-op.rank:])
}

func (op *padOp) DiffWRT(n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = !op.crop
	}
	return out
}

func (op *padOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.crop {
		return nil, fmt.Errorf("ops: %s: second derivatives are not implemented", op)
	}
	g := *op
	g.opBase, g.crop, g.buf = newOpBase(op.describe("PadGrad")), true, buffer{}
	dx, err := G.ApplyOp(&g, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
