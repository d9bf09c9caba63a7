package ops

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GatherAxis picks the slices idx of x along axis, in order (indices may
// repeat and come in any order), as torch.index_select(x, axis, idx): the
// output has x's shape with size len(idx) on axis. Slicing (idx = lo..hi-1),
// edge and reflect padding and nearest-neighbour resizing are gathers. The
// gradient adds each slice of dy back to the slice of x it came from.
//
// Unlike gorgonia.Slice, a one-element range keeps its axis, and the
// output is a copy, not a view.
func GatherAxis(x *G.Node, axis int, idx []int) (*G.Node, error) {
	const name = "GatherAxis"
	if err := checkNode(name, "input", x); err != nil {
		return nil, err
	}
	s := x.Shape()
	if s.Dims() == 0 {
		return nil, graph.ShapeErrorf("ops: GatherAxis: input must have at least one axis, got a scalar")
	}
	ax, err := normAxis(name, axis, s.Dims())
	if err != nil {
		return nil, err
	}
	if len(idx) == 0 {
		return nil, graph.ArgErrorf("ops: GatherAxis: need at least one index")
	}
	for _, i := range idx {
		if i < 0 || i >= s[ax] {
			return nil, graph.ArgErrorf("ops: GatherAxis: index %d is out of range for axis %d of %s", i, ax, graph.FormatShape(s))
		}
	}
	g := gatherGeom{full: s.Clone(), axis: ax, idx: append([]int(nil), idx...)}
	return applyDef(&opDef{
		name:  name,
		attrs: fmt.Sprintf("axis=%d, %d indices", ax, len(idx)),
		shape: func([]tensor.Shape) (tensor.Shape, error) { return g.small(), nil },
		f32:   geomKernels(g, gatherRows[float32], scatterAddRows[float32]),
		f64:   geomKernels(g, gatherRows[float64], scatterAddRows[float64]),
	}, x)
}

// gatherGeom is a gather's geometry: the slices idx of a tensor of shape
// full along axis.
type gatherGeom struct {
	full tensor.Shape // the gathered-from shape
	axis int
	idx  []int
}

// small is the gathered shape: full with len(idx) on axis.
func (g gatherGeom) small() tensor.Shape {
	s := g.full.Clone()
	s[g.axis] = len(g.idx)
	return s
}

// gatherRows copies the slices g.idx of x (shape g.full) into y.
func gatherRows[T float32 | float64](g gatherGeom, x, y []T) {
	outer, n, inner := axisGeometry(g.full, g.axis)
	k := len(g.idx)
	for o := 0; o < outer; o++ {
		for j, i := range g.idx {
			copy(y[(o*k+j)*inner:(o*k+j+1)*inner], x[(o*n+i)*inner:(o*n+i+1)*inner])
		}
	}
}

// scatterAddRows is gatherRows' gradient: it adds each slice of dy back
// into the slice of dx it was gathered from.
func scatterAddRows[T float32 | float64](g gatherGeom, dy, dx []T) {
	outer, n, inner := axisGeometry(g.full, g.axis)
	k := len(g.idx)
	clear(dx)
	for o := 0; o < outer; o++ {
		for j, i := range g.idx {
			dst := dx[(o*n+i)*inner : (o*n+i+1)*inner]
			src := dy[(o*k+j)*inner : (o*k+j+1)*inner]
			for e := range dst {
				dst[e] += src[e]
			}
		}
	}
}
