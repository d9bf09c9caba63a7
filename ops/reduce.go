package ops

import (
	"fmt"
	"sort"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Sum adds x over the given axes (any set, in any order; negative axes
// count from the end; no axes means all of them) and removes them from the
// shape, as torch.sum(x, axes) does: (N, C, H, W) summed over (2, 3) is
// (N, C). Summing over every axis gives a scalar. Unlike Gorgonia's Sum it
// is correct for every set of axes. The gradient broadcasts dy back over
// the summed axes.
func Sum(x *G.Node, axes ...int) (*G.Node, error) { return reduce("Sum", false, x, axes) }

// Mean is Sum divided by the number of elements summed (the product of the
// sizes of the reduced axes). The gradient is dy/count, broadcast.
func Mean(x *G.Node, axes ...int) (*G.Node, error) { return reduce("Mean", true, x, axes) }

func reduce(name string, mean bool, x *G.Node, axes []int) (*G.Node, error) {
	if err := checkNode(name, "input", x); err != nil {
		return nil, err
	}
	shape := x.Shape().Clone()
	r := shape.Dims()
	if r == 0 {
		return nil, graph.ShapeErrorf("ops: %s: input must have at least one axis, got a scalar", name)
	}
	red := make([]bool, r)
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
	}
	for _, a := range axes {
		ax, err := normAxis(name, a, r)
		if err != nil {
			return nil, err
		}
		if red[ax] {
			return nil, graph.ArgErrorf("ops: %s: axis %d is given twice in %v", name, ax, axes)
		}
		red[ax] = true
	}
	var outShape tensor.Shape
	var list []int
	count := 1
	for i, d := range shape {
		if red[i] {
			list = append(list, i)
			count *= d
		} else {
			outShape = append(outShape, d)
		}
	}
	sort.Ints(list)
	rd := &reduction{mean: mean, walk: newAxisWalk(shape, red), count: count}
	return applyDef(&opDef{
		name: name, attrs: fmt.Sprint(list),
		shape: func([]tensor.Shape) (tensor.Shape, error) {
			if len(outShape) == 0 {
				return tensor.ScalarShape(), nil
			}
			return outShape.Clone(), nil
		},
		f32:  reduceKernels[float32](rd),
		f64:  reduceKernels[float64](rd),
		meta: rd,
	}, x)
}

// scalarBroadcast reports whether dy is the gradient of a Sum or Mean over
// every axis: the scalar gradient s of that reduction's output times
// scale, broadcast over its input. An elementwise op whose output
// gradient is such a broadcast (the gradient of a loss that sums its
// output) can read s instead of the filled tensor, as PyTorch reads an
// expanded gradient, and then nothing computes the broadcast
// (graph.NewMachine leaves out unused gradients of intermediate nodes).
func scalarBroadcast(dy *G.Node) (s *G.Node, scale float64, ok bool) {
	g, isGrad := dy.Op().(*kitGradOp)
	if !isGrad || g.fwd.out.Dims() != 0 {
		return nil, 0, false
	}
	rd, isReduce := g.fwd.def.meta.(*reduction)
	if !isReduce || dy.Graph() == nil {
		return nil, 0, false
	}
	var kids G.Nodes // the gradient's inputs: x, the reduction's output, its gradient
	for it := dy.Graph().From(dy.ID()); it.Next(); {
		if n, isNode := it.Node().(*G.Node); isNode {
			kids = append(kids, n)
		}
	}
	if len(kids) != 3 || kids[2].Shape().TotalSize() != 1 {
		return nil, 0, false
	}
	return kids[2], rd.scale(), true
}

// reduction is a sum (or mean) over some axes: the walk over them, the
// number of elements summed per output, and float64 accumulators.
type reduction struct {
	mean  bool
	walk  axisWalk
	count int
	acc   []float64
}

func (r *reduction) scale() float64 {
	if r.mean {
		return 1 / float64(r.count)
	}
	return 1
}

// reduceKernels: the forward accumulates in float64 and scales; the
// backward is dx = scale·dy, repeated over the reduced axes.
func reduceKernels[T float](r *reduction) kernels[T] {
	return kernels[T]{
		forward: func(a fwdArgs[T]) error {
			y := a.out.data
			if cap(r.acc) < len(y) {
				r.acc = make([]float64, len(y))
			}
			acc := r.acc[:len(y)]
			clear(acc)
			reduceSum(a.in[0].data, acc, &r.walk)
			sc := r.scale()
			for i, v := range acc {
				y[i] = T(v * sc)
			}
			return nil
		},
		backward: func(a bwdArgs[T]) error {
			broadcastInto(a.dy.data, a.dx.data, &r.walk, T(r.scale()))
			return nil
		},
	}
}

// broadcastFill is a gradient node of the given shape whose every element
// is scale·s, for s a scalar node: the gradient of an input of an op that
// only moves elements of its output gradient (a crop, a slice), when that
// gradient is a scalar broadcast (scalarBroadcast). It writes its output
// once, where the general gradient would fill the broadcast and then copy
// it.
func broadcastFill(name string, shape tensor.Shape, s *G.Node, scale float64) (*G.Node, error) {
	out := shape.Clone()
	return applyDef(&opDef{
		name: name, attrs: "dy broadcast", isGrad: true,
		shape: func([]tensor.Shape) (tensor.Shape, error) { return out.Clone(), nil },
		f32:   kernels[float32]{forward: fillKernel[float32](float32(scale))},
		f64:   kernels[float64]{forward: fillKernel[float64](scale)},
	}, s)
}

// fillKernel sets every output element to scale times the one input value.
func fillKernel[T float](scale T) func(a fwdArgs[T]) error {
	return func(a fwdArgs[T]) error {
		v, y := scale*a.in[0].data[0], a.out.data
		parallelFor(len(y), elementwiseGrain, func(lo, hi int) { fill(y[lo:hi], v) })
		return nil
	}
}
