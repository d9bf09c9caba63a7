package ops

import (
	"fmt"

	"github.com/convnet-go/convnet/internal/vec"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Dense is the Dense layer's affine map (PyTorch's Linear) y = x·Wᵀ + b, with x (N, in),
// w (out, in) as in PyTorch, and b (out) or nil for no bias. Output (N, out).
func Dense(x, w, b *G.Node) (*G.Node, error) {
	const name = "Dense"
	if err := checkNode(name, "input", x, 2); err != nil {
		return nil, err
	}
	if err := checkNode(name, "weight", w, 2); err != nil {
		return nil, err
	}
	if x.Shape()[1] != w.Shape()[1] {
		return nil, graph.ShapeErrorf("ops: Linear: input has %d features but the weight %s expects %d", x.Shape()[1], graph.FormatShape(w.Shape()), w.Shape()[1])
	}
	nodes := []*G.Node{x, w}
	if b != nil {
		if err := checkNode(name, "bias", b, 1); err != nil {
			return nil, err
		}
		if b.Shape()[0] != w.Shape()[0] {
			return nil, graph.ShapeErrorf("ops: Linear: bias must have shape (%d), got %s", w.Shape()[0], graph.FormatShape(b.Shape()))
		}
		nodes = append(nodes, b)
	}
	if err := sameDtype(name, nodes...); err != nil {
		return nil, err
	}
	return applyDef(&opDef{
		name: name, attrs: fmt.Sprintf("bias=%v", b != nil),
		shape: func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{in[0][0], in[1][0]}, nil },
		f32:   linearKernels[float32](),
		f64:   linearKernels[float64](),
	}, nodes...)
}

// linearKernels: y (n, m) = x (n, k)·Wᵀ (+ b), and per input: dx = dy·W,
// dW = dyᵀ·x, db = the column sums of dy.
func linearKernels[T float]() kernels[T] {
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			x, w, y := a.in[0], a.in[1], a.out.data
			n, k, m := x.shape[0], x.shape[1], w.shape[0]
			beta := T(0)
			if len(a.in) == 3 {
				fillRows(y, a.in[2].data, n)
				beta = 1
			}
			if thinDense64(x.data, w.data, y, n, k, m, beta == 0) {
				return nil
			}
			gemmT(false, true, n, m, k, x.data, k, w.data, k, beta, y, m)
			return nil
		},
		backward: func(a bwdArgs[T]) error {
			x, w, dy := a.in[0], a.in[1], a.dy.data
			n, k, m := x.shape[0], x.shape[1], w.shape[0]
			switch a.wrt {
			case 0: // dx (n, k) = dy (n, m) · W (m, k)
				gemmT(false, false, n, k, m, dy, m, w.data, k, 0, a.dx.data, k)
			case 1: // dW (m, k) = dyᵀ (m, n) · x (n, k)
				gemmT(true, false, m, k, n, dy, m, x.data, k, 0, a.dx.data, k)
			default:
				sumRows(dy, a.dx.data, n)
			}
			return nil
		},
	}
}

// fillRows writes row into each of the n rows of dst.
func fillRows[T float](dst, row []T, n int) {
	for i := 0; i < n; i++ {
		copy(dst[i*len(row):(i+1)*len(row)], row)
	}
}

// sumRows sets dst to the sum of the n rows of src.
func sumRows[T float](src, dst []T, n int) {
	clear(dst)
	m := len(dst)
	for i := 0; i < n; i++ {
		row := src[i*m : (i+1)*m]
		for j, v := range row {
			dst[j] += v
		}
	}
}

// thinDenseMax is the largest output count for which a float64 forward
// takes thinDense64: with few outputs and long rows, the GEMM spends most
// of its time packing x, which the row-by-row products read only once.
const thinDenseMax = 16

// thinDense64 computes the float64 forward y (n, m) (+)= x (n, k)·Wᵀ row by
// row with internal/vec's DotRows64 when the layer is thin (m at most
// thinDenseMax, k at least 64): y starts at zero when clear, else holds
// the bias. It reports false, doing nothing, for float32 and other shapes.
func thinDense64[T float](x, w, y []T, n, k, m int, clear bool) bool {
	xd, ok := any(x).([]float64)
	if !ok || m > thinDenseMax || k < 64 {
		return false
	}
	wd, yd := any(w).([]float64), any(y).([]float64)
	parallelFor(n, max(1, (1<<15)/max(1, k*m)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := yd[i*m : (i+1)*m]
			if clear {
				for j := range row {
					row[j] = 0
				}
			}
			vec.DotRows64(row, xd[i*k:(i+1)*k], wd, k)
		}
	})
	return true
}
