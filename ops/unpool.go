package ops

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MaxPool2DIndices is MaxPool2D that also returns where each maximum came
// from, as PyTorch's max_pool2d(..., return_indices=True): indices has the
// shape of out and holds, for every output element, the flat index h·W + w
// of its maximum inside the input plane (n, c) of x (N, C, H, W). indices
// has x's float dtype (its values are exact integers) and is not
// differentiable; pass it to MaxUnpool2D. Both nodes come from one
// computation: indices reads the argmax the pooling recorded.
func MaxPool2DIndices(x *G.Node, kernel, stride, pad [2]int) (out, indices *G.Node, err error) {
	return MaxPoolIndices(x, PoolSpec{Kernel: kernel[:], Stride: stride[:], Pad: pad[:]})
}

// MaxPoolIndices is MaxPool with the indices of the maxima (flat indices
// into each (n, c) input plane, as PyTorch's return_indices), for 1, 2 or 3
// spatial axes and any PoolSpec (ceil mode included).
func MaxPoolIndices(x *G.Node, spec PoolSpec) (out, indices *G.Node, err error) {
	g, err := newPoolGeom("Max", x, spec)
	if err != nil {
		return nil, nil, err
	}
	if dt, _ := dtypeOf(x); dt == tensor.Float32 && g.inPlane() > 1<<24 {
		return nil, nil, graph.ShapeErrorf("ops: %s: float32 indices are exact only up to 2^24 elements a plane, got %d (input %s); use float64",
			g.name, g.inPlane(), graph.FormatShape(x.Shape()))
	}
	if out, err = applyDef(maxPoolDef(g), x); err != nil {
		return nil, nil, err
	}
	pool, _ := kitOpOf(out)
	indices, err = applyDef(&opDef{
		name: g.name + "Indices", attrs: g.attrs(), shape: sameShape, noGrad: []int{0}, meta: poolIndicesOf{g},
		f32: kernels[float32]{forward: poolIndicesKernel[float32](pool)},
		f64: kernels[float64]{forward: poolIndicesKernel[float64](pool)},
	}, out)
	if err != nil {
		return nil, nil, err
	}
	return out, indices, nil
}

// poolIndicesOf is the meta of a MaxPoolIndices op: its pooling.
type poolIndicesOf struct{ g *poolGeom }

func isPoolIndices(op *kitOp) bool {
	_, ok := op.def.meta.(poolIndicesOf)
	return ok
}

// poolIndicesKernel writes the argmax the pool saved, as floats. Its input
// is the pooled output, so the pooling always runs first.
func poolIndicesKernel[T float](pool *kitOp) func(fwdArgs[T]) error {
	return func(a fwdArgs[T]) error {
		s, ran := savedOf[T](pool)
		if !ran {
			return fmt.Errorf("the pooling has not run")
		}
		for i, v := range s.ints("argmax", len(a.out.data)) {
			a.out.data[i] = T(v) // exact: float32 planes have at most 2^24 elements
		}
		return nil
	}
}

// MaxUnpool2D is the partial inverse of MaxPool2D, as PyTorch's
// max_unpool2d: it scatters every element of x (N, C, H, W) into a zero
// tensor (N, C, outH, outW) at the flat position indices[n][c][h][w]
// (h2·outW + w2) of its plane. indices has x's shape and any dtype among
// float32, float64 and the integers (typically from MaxPool2DIndices); its
// values are checked when the graph runs (an index outside
// [0, outH·outW) or not an integer is an error from the run). When two
// elements go to one position the later one wins. The gradient with
// respect to x gathers dy at the indices; indices get no gradient.
//
// When indices come from MaxPool2DIndices, outH and outW must lie strictly
// between default - stride and default + stride, where default =
// (H-1)·stride - 2·pad + kernel, as in PyTorch's MaxUnpool2d.
func MaxUnpool2D(x, indices *G.Node, outH, outW int) (*G.Node, error) {
	const name = "MaxUnpool2D"
	if err := checkNode(name, "input", x, 4); err != nil {
		return nil, err
	}
	if indices == nil {
		return nil, graph.ArgErrorf("ops: %s: indices is nil", name)
	}
	idt, err := dtypeOf(indices)
	if err != nil {
		return nil, graph.ArgErrorf("ops: %s: indices: %v", name, err)
	}
	switch idt {
	case tensor.Float32, tensor.Float64, tensor.Int, tensor.Int64, tensor.Int32:
	default:
		return nil, graph.ArgErrorf("ops: %s: indices must be float32, float64, int, int64 or int32, got %v", name, idt)
	}
	xs := x.Shape()
	if !graph.SameShape(indices.Shape(), xs) {
		return nil, graph.ShapeErrorf("ops: %s: indices must have the input's shape %s, got %s", name, graph.FormatShape(xs), graph.FormatShape(indices.Shape()))
	}
	for i, d := range xs {
		if d <= 0 {
			return nil, graph.ShapeErrorf("ops: %s: input dimensions must be positive, got shape %s (axis %d)", name, graph.FormatShape(xs), i)
		}
	}
	if outH <= 0 || outW <= 0 {
		return nil, graph.ArgErrorf("ops: %s: output size must be positive, got (%d, %d)", name, outH, outW)
	}
	if int64(outH)*int64(outW) > 1<<31-1 {
		return nil, graph.ArgErrorf("ops: %s: output plane (%d, %d) is too large", name, outH, outW)
	}
	if ip, ok := indices.Op().(*kitOp); ok && isPoolIndices(ip) {
		g := ip.def.meta.(poolIndicesOf).g
		if g.nd != 2 {
			return nil, graph.ArgErrorf("ops: %s: indices come from %s, not from a 2-D max pool", name, g.name)
		}
		for a, got := range [2]int{outH, outW} {
			ax := a + 1
			def := (g.out[ax]-1)*g.s[ax] - g.pb[ax] - g.pa[ax] + g.k[ax]
			if got <= def-g.s[ax] || got >= def+g.s[ax] {
				return nil, graph.ShapeErrorf("ops: %s: output size (%d, %d) does not fit the pooling %s of %s: axis %d must be between %d and %d (exclusive)",
					name, outH, outW, g, graph.FormatShape(xs), ax+1, def-g.s[ax], def+g.s[ax])
			}
		}
	}
	u := unpoolPlanes{planes: xs[0] * xs[1], in: xs[2] * xs[3], out: outH * outW, outH: outH, outW: outW}
	yShape := tensor.Shape{xs[0], xs[1], outH, outW}
	return applyDef(&opDef{
		name: name, attrs: fmt.Sprintf("%d, %d", outH, outW), index: []int{1},
		shape: func([]tensor.Shape) (tensor.Shape, error) { return yShape.Clone(), nil },
		f32:   unpoolKernels[float32](u),
		f64:   unpoolKernels[float64](u),
	}, x, indices)
}

// unpoolKernels scatter x into a zero (N, C, outH, outW) tensor at the
// indices (input 1, of any dtype), and gather the gradient dx from dy at
// the same indices.
func unpoolKernels[T float](u unpoolPlanes) kernels[T] {
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			return unpoolDispatch(u, a.in[0].data, a.dense[1], a.out.data, false)
		},
		backward: func(a bwdArgs[T]) error {
			return unpoolDispatch(u, a.dx.data, a.dense[1], a.dy.data, true)
		},
	}
}
