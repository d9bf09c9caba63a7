package ops

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/vec"
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
		f32:   kernels[float32]{forward: padForward[float32](g)},
		f64:   kernels[float64]{forward: padForward[float64](g)},
		symDiff: func(_ G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			dx, err := padGradOf(g, s, dy)
			return G.Nodes{dx}, err
		},
	}, x)
}

// padGradOf is the gradient of a Pad of input shape in: dy cropped back to
// in, or, when dy is a scalar broadcast (a Sum or Mean of the padded
// output), that scalar filled into in's shape.
func padGradOf(g *padGeom, in tensor.Shape, dy *G.Node) (*G.Node, error) {
	if s, scale, ok := scalarBroadcast(dy); ok {
		return broadcastFill("PadGrad", in, s, scale)
	}
	inShape := in.Clone()
	return applyDef(&opDef{
		name: "PadGrad", attrs: g.attrs(), isGrad: true,
		shape: func([]tensor.Shape) (tensor.Shape, error) { return inShape.Clone(), nil },
		f32:   kernels[float32]{forward: padCrop[float32](g)},
		f64:   kernels[float64]{forward: padCrop[float64](g)},
	}, dy)
}

// padGeom is a zero padding of each (n, c) plane, held as 3-D (D, H, W)
// with leading singletons.
type padGeom struct {
	rank            int
	nc              int
	in, out, before [3]int
}

// padForward copies x into the middle of y and zeroes the border.
func padForward[T float](g *padGeom) func(a fwdArgs[T]) error {
	return func(a fwdArgs[T]) error {
		padCopy(g, false, a.in[0].data, a.out.data)
		return nil
	}
}

// padCrop copies the middle of dy (its only input) into dx.
func padCrop[T float](g *padGeom) func(a fwdArgs[T]) error {
	return func(a fwdArgs[T]) error {
		padCopy(g, true, a.in[0].data, a.out.data)
		return nil
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
			if crop { // each depth slice's rows in one vec.CropRows call
				for d := 0; d < id; d++ {
					b := big + ((d+bd)*oh+bh)*ow
					vec.CropRows(dst[small+d*ih*iw:], src[b:], ih, iw, bw, ow-iw-bw)
				}
				continue
			}
			// each output element written once: the all-zero slabs and
			// rows cleared, the others as rows of zeros, a copied input
			// row and zeros (vec.PadRows: one call for a slab's rows,
			// not a runtime copy per row after a clear of the plane)
			plane := dst[big : big+osz]
			for d := 0; d < od; d++ {
				slab := plane[d*oh*ow : (d+1)*oh*ow]
				if d < bd || d >= bd+id {
					clear(slab)
					continue
				}
				clear(slab[:bh*ow])
				vec.PadRows(slab[bh*ow:], src[small+(d-bd)*ih*iw:], ih, iw, bw, ow-iw-bw)
				clear(slab[(bh+ih)*ow:])
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
