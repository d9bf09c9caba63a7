package ops

import (
	"fmt"

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
	outer, k, inner := axisGeometry(x.Shape(), ax)
	return applyDef(&opDef{
		name: name, attrs: fmt.Sprintf("axis=%d", ax), shape: sameShape,
		f32: softmaxKernels[float32](log, outer, k, inner),
		f64: softmaxKernels[float64](log, outer, k, inner),
	}, x)
}

// softmaxKernels: softmaxForward and, from y and dy, softmaxBackward.
func softmaxKernels[T float](log bool, outer, k, inner int) kernels[T] {
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			softmaxForward(log, a.in[0].data, a.out.data, outer, k, inner)
			return nil
		},
		backward: func(a bwdArgs[T]) error {
			softmaxBackward(log, a.out.data, a.dy.data, a.dx.data, outer, k, inner)
			return nil
		},
	}
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
