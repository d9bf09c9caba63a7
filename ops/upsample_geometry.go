package ops

import (
	"math"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// upGeom is the geometry of an upsampling: up to three spatial axes held as
// (D, H, W) with leading singletons.
type upGeom struct {
	name           string
	nd, planes     int
	in, out, f     [3]int
	xShape, yShape tensor.Shape
}

func newUpGeom(name string, x *G.Node, nd int) (*upGeom, error) {
	if err := checkNode(name, "input", x, nd+2); err != nil {
		return nil, err
	}
	xs := x.Shape()
	for i, d := range xs {
		if d <= 0 {
			return nil, graph.ShapeErrorf("ops: %s: input dimensions must be positive, got shape %s (axis %d)", name, graph.FormatShape(xs), i)
		}
	}
	u := &upGeom{name: name, nd: nd, planes: xs[0] * xs[1], in: [3]int{1, 1, 1}, out: [3]int{1, 1, 1}, f: [3]int{1, 1, 1}}
	copy(u.in[3-nd:], xs[2:])
	u.xShape = xs.Clone()
	return u, nil
}

func (u *upGeom) finish() {
	u.yShape = append(tensor.Shape{u.xShape[0], u.xShape[1]}, u.out[3-u.nd:]...)
}

func (u *upGeom) inPlane() int  { return u.in[0] * u.in[1] * u.in[2] }
func (u *upGeom) outPlane() int { return u.out[0] * u.out[1] * u.out[2] }

// lerpAxis holds, for every output position o along one axis, the two
// input positions i0[o] ≤ i1[o] it interpolates between and their weights.
type lerpAxis struct {
	i0, i1 []int
	l0, l1 []float64
}

// newLerpAxis computes PyTorch's align_corners=False source positions:
// src = max((o + 0.5)·in/out - 0.5, 0).
func newLerpAxis(in, out int) lerpAxis {
	la := lerpAxis{i0: make([]int, out), i1: make([]int, out), l0: make([]float64, out), l1: make([]float64, out)}
	scale := float64(in) / float64(out)
	for o := 0; o < out; o++ {
		src := math.Max(scale*(float64(o)+0.5)-0.5, 0)
		i0 := min(int(src), in-1)
		i1 := i0
		if i0 < in-1 {
			i1 = i0 + 1
		}
		l1 := src - float64(i0)
		la.i0[o], la.i1[o], la.l0[o], la.l1[o] = i0, i1, 1-l1, l1
	}
	return la
}

// bilinearResize is a bilinear resizing of each plane: the geometry and
// the interpolation along H and W.
type bilinearResize struct {
	u    *upGeom
	h, w lerpAxis
}
