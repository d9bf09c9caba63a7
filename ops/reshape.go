package ops

import (
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
	to := tensor.Shape(shape).Clone()
	return applyDef(&opDef{
		name: name, attrs: graph.FormatShape(x.Shape()) + "→" + graph.FormatShape(to),
		shape: func([]tensor.Shape) (tensor.Shape, error) { return to.Clone(), nil },
		f32:   reshapeKernels[float32](),
		f64:   reshapeKernels[float64](),
	}, x)
}

// reshapeKernels copy the data: y has x's elements in x's order, and dx
// dy's.
func reshapeKernels[T float]() kernels[T] {
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			copy(a.out.data, a.in[0].data)
			return nil
		},
		backward: func(a bwdArgs[T]) error {
			copy(a.dx.data, a.dy.data)
			return nil
		},
	}
}
