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
	attrs := fmt.Sprintf("axis=%d", ax)
	return applyDef(&opDef{
		name: name, attrs: attrs, shape: sameShape,
		f32: kernels[float32]{forward: softmaxFwdKernel[float32](log, outer, k, inner)},
		f64: kernels[float64]{forward: softmaxFwdKernel[float64](log, outer, k, inner)},
		symDiff: func(_ G.Nodes, y, dy *G.Node) (G.Nodes, error) {
			dx, err := softmaxGradOf(name, attrs, log, outer, k, inner, y, dy)
			return G.Nodes{dx}, err
		},
	}, x)
}

func softmaxFwdKernel[T float](log bool, outer, k, inner int) func(a fwdArgs[T]) error {
	var rows rowPool[float32]
	return func(a fwdArgs[T]) error {
		softmaxForward(log, a.in[0].data, a.out.data, outer, k, inner, &rows)
		return nil
	}
}

// softmaxGradOf is the gradient node of a Softmax or LogSoftmax from its
// output y and dy. When dy is a scalar broadcast (a Sum or Mean of the
// output), it reads one (k, inner) block of copies of the scalar for every
// outer index instead of a filled tensor.
func softmaxGradOf(name, attrs string, log bool, outer, k, inner int, y, dy *G.Node) (*G.Node, error) {
	if s, scale, ok := scalarBroadcast(dy); ok {
		return applyDef(&opDef{
			name: name + "Grad", attrs: attrs + ", dy broadcast", shape: sameShape, isGrad: true,
			f32: kernels[float32]{forward: softmaxGradConst[float32](log, outer, k, inner, float32(scale))},
			f64: kernels[float64]{forward: softmaxGradConst[float64](log, outer, k, inner, scale)},
		}, y, s)
	}
	return applyDef(&opDef{
		name: name + "Grad", attrs: attrs, shape: sameShape, isGrad: true,
		f32: kernels[float32]{forward: softmaxGradKernel[float32](log, outer, k, inner)},
		f64: kernels[float64]{forward: softmaxGradKernel[float64](log, outer, k, inner)},
	}, y, dy)
}

// softmaxGradKernel is softmaxBackward with inputs y and dy.
func softmaxGradKernel[T float](log bool, outer, k, inner int) func(a fwdArgs[T]) error {
	var rows rowPool[float32]
	return func(a fwdArgs[T]) error {
		softmaxBackward(log, a.in[0].data, a.in[1].data, a.out.data, outer, k, inner, k*inner, &rows)
		return nil
	}
}

// softmaxGradConst is softmaxBackward with inputs y and the scalar s, dy
// being scale·s everywhere: one block of it serves every outer index.
func softmaxGradConst[T float](log bool, outer, k, inner int, scale T) func(a fwdArgs[T]) error {
	var block []T
	var rows rowPool[float32]
	return func(a fwdArgs[T]) error {
		block = constBlock(block, k*inner, scale*a.in[1].data[0])
		softmaxBackward(log, a.in[0].data, block, a.out.data, outer, k, inner, 0, &rows)
		return nil
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
