package ops

import (
	"fmt"

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
	g := &padGeom{rank: rank, nc: s[0] * s[1], in: lift3(s[2:], 1), before: lift3(before, 0)}
	g.out = g.in
	for i := range 3 {
		if i >= 3-rank {
			g.out[i] += after[i-(3-rank)]
		}
		g.out[i] += g.before[i]
	}
	outShape := append(tensor.Shape{s[0], s[1]}, g.out[3-rank:]...)
	return applyDef(&opDef{
		name: name, attrs: g.attrs(),
		shape: func([]tensor.Shape) (tensor.Shape, error) { return outShape.Clone(), nil },
		f32:   padKernels[float32](g),
		f64:   padKernels[float64](g),
	}, x)
}

// padGeom is a zero padding of each (n, c) plane, held as 3-D (D, H, W)
// with leading singletons.
type padGeom struct {
	rank            int
	nc              int
	in, out, before [3]int
}

// padKernels: the forward copies x into the middle of a zeroed y; the
// backward crops dy back to x's shape.
func padKernels[T float](g *padGeom) kernels[T] {
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			padCopy(g, false, a.in[0].data, a.out.data)
			return nil
		},
		backward: func(a bwdArgs[T]) error {
			padCopy(g, true, a.dy.data, a.dx.data)
			return nil
		},
	}
}

// padCopy copies the inner block between the small tensor (in) and the
// padded one (out), zeroing the border when padding; with crop it copies
// the other way.
func padCopy[T float](op *padGeom, crop bool, src, dst []T) {
	id, ih, iw := op.in[0], op.in[1], op.in[2]
	od, oh, ow := op.out[0], op.out[1], op.out[2]
	bd, bh, bw := op.before[0], op.before[1], op.before[2]
	isz, osz := id*ih*iw, od*oh*ow
	parallelFor(op.nc, max(1, 1<<14/max(1, osz)), func(lo, hi int) {
		for c := lo; c < hi; c++ {
			small, big := c*isz, c*osz
			if !crop {
				clear(dst[big : big+osz])
			}
			for d := 0; d < id; d++ {
				for h := 0; h < ih; h++ {
					s := small + (d*ih+h)*iw
					b := big + ((d+bd)*oh+h+bh)*ow + bw
					if crop {
						copy(dst[s:s+iw], src[b:b+iw])
					} else {
						copy(dst[b:b+iw], src[s:s+iw])
					}
				}
			}
		}
	})
}

// attrs describes the padding, as "before=[1 1], after=[1 1]".
func (op *padGeom) attrs() string {
	after := [3]int{}
	for i := range 3 {
		after[i] = op.out[i] - op.in[i] - op.before[i]
	}
	return fmt.Sprintf("before=%v, after=%v", op.before[3-op.rank:], after[3-op.rank:])
}
