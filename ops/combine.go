package ops

import (
	"fmt"
	"math"

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
	return applyDef(&opDef{
		name: "Add", attrs: fmt.Sprint(len(xs)), shape: sameShape,
		f32: kernels[float32]{forward: addKernel[float32]()},
		f64: kernels[float64]{forward: addKernel[float64]()},
		// dy is the gradient of every input as it is
		symDiff: func(inputs G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			out := make(G.Nodes, len(inputs))
			for i := range out {
				out[i] = dy
			}
			return out, nil
		},
	}, xs...)
}

// addKernel sums the inputs into the output; the list of input slices is
// kept from run to run.
func addKernel[T float]() func(a fwdArgs[T]) error {
	var srcs [][]T
	return func(a fwdArgs[T]) error {
		srcs = srcs[:0]
		for _, v := range a.in {
			srcs = append(srcs, v.data)
		}
		addAll(a.out.data, srcs)
		return nil
	}
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
	return applyDef(&opDef{
		name: "Concat", attrs: fmt.Sprintf("axis=%d, %v", ax, sizes),
		shape: func(in []tensor.Shape) (tensor.Shape, error) {
			s := in[0].Clone()
			s[ax] = 0
			for _, n := range sizes {
				s[ax] += n
			}
			return s, nil
		},
		f32: kernels[float32]{forward: concatForward[float32](ax, sizes)},
		f64: kernels[float64]{forward: concatForward[float64](ax, sizes)},
		symDiff: func(inputs G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			return concatGradsOf(ax, sizes, inputs, dy)
		},
	}, xs...)
}

// concatGradsOf are the gradients of Concat's inputs: each input's slice
// of dy, or, when dy is a scalar broadcast (a Sum or Mean of the
// concatenation), that scalar filled into each input's shape.
func concatGradsOf(axis int, sizes []int, inputs G.Nodes, dy *G.Node) (G.Nodes, error) {
	out := make(G.Nodes, len(inputs))
	s, scale, bcast := scalarBroadcast(dy)
	for i, x := range inputs {
		var err error
		if bcast {
			out[i], err = broadcastFill("ConcatGrad", x.Shape(), s, scale)
		} else {
			shape, start := x.Shape().Clone(), 0
			for _, n := range sizes[:i] {
				start += n
			}
			out[i], err = applyDef(&opDef{
				name: "ConcatGrad", attrs: fmt.Sprintf("axis=%d, input %d", axis, i), isGrad: true,
				shape: func([]tensor.Shape) (tensor.Shape, error) { return shape.Clone(), nil },
				f32:   kernels[float32]{forward: concatSlice[float32](axis, start, sizes[i])},
				f64:   kernels[float64]{forward: concatSlice[float64](axis, start, sizes[i])},
			}, dy)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// concatForward copies the inputs' blocks side by side along axis.
func concatForward[T float](axis int, sizes []int) func(a fwdArgs[T]) error {
	var srcs [][]T // kept from run to run
	return func(a fwdArgs[T]) error {
		outer, _, inner := axisGeometry(a.out.shape, axis)
		srcs = srcs[:0]
		for _, v := range a.in {
			srcs = append(srcs, v.data)
		}
		concatCopy(a.out.data, srcs, sizes, outer, inner)
		return nil
	}
}

// concatSlice copies the slice [start, start+size) along axis of dy (its
// only input) out into dx: one input's gradient.
func concatSlice[T float](axis, start, size int) func(a fwdArgs[T]) error {
	return func(a fwdArgs[T]) error {
		outer, total, inner := axisGeometry(a.in[0].shape, axis)
		splitCopy(a.out.data, a.in[0].data, outer, total, inner, start, size)
		return nil
	}
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
	return applyDef(&opDef{
		name: "Scale", attrs: fmt.Sprintf("%g", s), shape: sameShape,
		f32: scaleKernels(float32(s)),
		f64: scaleKernels(s),
	}, x)
}

// scaleKernels: y = s·x and dx = s·dy.
func scaleKernels[T float](s T) kernels[T] {
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			scaleInto(a.out.data, a.in[0].data, s)
			return nil
		},
		backward: func(a bwdArgs[T]) error {
			scaleInto(a.dx.data, a.dy.data, s)
			return nil
		},
	}
}
