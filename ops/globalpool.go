package ops

import (
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/vec"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GlobalAvgPool averages every (n, c) plane of x (N, C, ...) with at least
// one spatial axis: y[n][c] = mean over the spatial axes of x[n][c].
// Output (N, C). The gradient spreads dy[n][c] evenly over the plane.
// (Gorgonia's GlobalAveragePool2D has no gradient, and its Mean over the
// middle axes 2, 3 is wrong.)
func GlobalAvgPool(x *G.Node) (*G.Node, error) {
	const name = "GlobalAvgPool"
	if err := checkNode(name, "input", x); err != nil {
		return nil, err
	}
	s := x.Shape()
	if s.Dims() < 3 {
		return nil, graph.ShapeErrorf("ops: %s: input must have rank 3 or more (N, C, spatial...), got shape %s", name, graph.FormatShape(s))
	}
	for i, d := range s {
		if d <= 0 {
			return nil, graph.ShapeErrorf("ops: %s: input dimensions must be positive, got shape %s (axis %d)", name, graph.FormatShape(s), i)
		}
	}
	planes := s[0] * s[1]
	plane := s.TotalSize() / planes
	return applyDef(&opDef{
		name:  name,
		shape: func(in []tensor.Shape) (tensor.Shape, error) { return tensor.Shape{in[0][0], in[0][1]}, nil },
		f32:   globalAvgPoolKernels[float32](plane),
		f64:   globalAvgPoolKernels[float64](plane),
	}, x)
}

// globalAvgPoolKernels: y (N, C) = the mean of each plane of x (N, C, ...);
// dx[n][c][...] = dy[n][c] / plane size.
func globalAvgPoolKernels[T float](plane int) kernels[T] {
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			planeMeans(a.in[0].data, a.out.data, plane)
			return nil
		},
		backward: func(a bwdArgs[T]) error {
			spreadMeans(a.dy.data, a.dx.data, plane)
			return nil
		},
	}
}

// planeMeans sets y[p] to the mean of x[p·plane : (p+1)·plane].
func planeMeans[T float](x, y []T, plane int) {
	parallelFor(len(y), planeGrain(plane), func(lo, hi int) {
		// one call for the chunk's planes, summed in float64 with
		// vector loads (planes are short: 4x4, 7x7)
		vec.RowMeans(y[lo:hi], x[lo*plane:hi*plane], plane)
	})
}

// spreadMeans sets every element of plane p of dx to dy[p]/plane.
func spreadMeans[T float](dy, dx []T, plane int) {
	parallelFor(len(dy), planeGrain(plane), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			v := T(float64(dy[p]) / float64(plane))
			d := dx[p*plane : (p+1)*plane]
			if plane >= 32 { // a vector fill pays for its call
				fill(d, v)
				continue
			}
			for i := range d {
				d[i] = v
			}
		}
	})
}
