package onnx

import (
	"math"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
)

// Pad in the three modes is composed from slices and concatenations along
// each axis, which is exact and differentiable: constant pads with blocks
// of the value, edge repeats the border slice, reflect mirrors the slices
// next to the border.
func opPad(c *opCtx, ins []*value) ([]*value, error) {
	x, err := c.nodeIn(ins, 0)
	if err != nil {
		return nil, err
	}
	s := []int(x.Shape())
	r := len(s)
	mode := c.attrString("mode", "constant")
	var pads []int64
	cval := 0.0
	if c.n.opset < 11 {
		pads = c.attrInts("pads")
		if pads == nil {
			pads = c.attrInts("paddings")
		}
		cval = c.attrFloat("value", 0)
	} else {
		pv, err := c.in(ins, 1)
		if err != nil {
			return nil, err
		}
		if pads, err = c.ints(pv, "pads"); err != nil {
			return nil, err
		}
		if has(ins, 2) {
			v, err := c.floats(ins[2], "constant_value")
			if err != nil {
				return nil, err
			}
			if len(v) > 0 {
				cval = v[0]
			}
		}
		if has(ins, 3) {
			return nil, c.unsupported("the axes input is not supported")
		}
	}
	if len(pads) != 2*r {
		return nil, c.errorf("pads %v need %d values for input %s", pads, 2*r, graph.FormatShape(s))
	}
	size := int64(1)
	for ax := 0; ax < r; ax++ {
		d := int64(s[ax]) + pads[ax] + pads[r+ax]
		lim := int64(c.m.limit())
		if d < 1 || pads[ax] > lim || pads[r+ax] > lim || d > lim || size*d > lim {
			return nil, c.unsupported("pads %v give an empty or too large output (too many elements) for input %s", pads, graph.FormatShape(s))
		}
		size *= d
	}
	y := x
	for ax := 0; ax < r; ax++ {
		before, after := int(pads[ax]), int(pads[r+ax])
		n := y.Shape()[ax]
		// negative pads crop
		lo, hi := 0, n
		if before < 0 {
			lo, before = -before, 0
		}
		if after < 0 {
			hi, after = n+after, 0
		}
		if lo >= hi {
			return nil, c.errorf("pads %v crop axis %d of %s to nothing", pads, ax, graph.FormatShape(s))
		}
		if lo > 0 || hi < n {
			if y, err = gatherAxis(y, ax, seq(lo, hi)); err != nil {
				return nil, err
			}
			n = hi - lo
		}
		if before == 0 && after == 0 {
			continue
		}
		switch mode {
		case "constant":
			var parts []*G.Node
			block := func(k int) error {
				shape := []int(y.Shape().Clone())
				shape[ax] = k
				b, err := c.constNode(y.Dtype(), shape, []float64{cval}, "pad_value")
				if err == nil {
					parts = append(parts, b)
				}
				return err
			}
			if before > 0 {
				if err := block(before); err != nil {
					return nil, err
				}
			}
			parts = append(parts, y)
			if after > 0 {
				if err := block(after); err != nil {
					return nil, err
				}
			}
			if y, err = ops.Concat(ax, parts...); err != nil {
				return nil, err
			}
		case "edge", "reflect":
			idx := make([]int, 0, before+n+after)
			for i := -before; i < n+after; i++ {
				j := i
				if mode == "edge" {
					j = min(max(i, 0), n-1)
				} else {
					if n == 1 {
						j = 0
					}
					for n > 1 && (j < 0 || j >= n) {
						if j < 0 {
							j = -j
						}
						if j >= n {
							j = 2*(n-1) - j
						}
					}
				}
				idx = append(idx, j)
			}
			if y, err = gatherAxis(y, ax, idx); err != nil {
				return nil, err
			}
		default:
			return nil, c.unsupported("mode %q is not supported", mode)
		}
	}
	if y == x {
		if y, err = ops.Scale(x, 1); err != nil {
			return nil, err
		}
	}
	return []*value{dyn(y)}, nil
}

func seq(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// resizeSpec is what Resize and Upsample need: output sizes, scales, the
// interpolation and the coordinate transformation.
type resizeSpec struct {
	out    []int
	scales []float64
	mode   string // nearest, linear
	coord  string
	near   string
}

// sourceCoord maps output coordinate i on an axis to the input.
func (r *resizeSpec) sourceCoord(i, in, out int, scale float64) float64 {
	x := float64(i)
	switch r.coord {
	case "half_pixel":
		return (x+0.5)/scale - 0.5
	case "pytorch_half_pixel":
		if out > 1 {
			return (x+0.5)/scale - 0.5
		}
		return 0
	case "align_corners":
		if out == 1 {
			return 0
		}
		return x * float64(in-1) / float64(out-1)
	case "tf_half_pixel_for_nn":
		return (x + 0.5) / scale
	}
	return x / scale // asymmetric
}

func (r *resizeSpec) nearest(x float64) int {
	switch r.near {
	case "floor":
		return int(math.Floor(x))
	case "ceil":
		return int(math.Ceil(x))
	case "round_prefer_ceil":
		return int(math.Floor(x + 0.5))
	}
	// round_prefer_floor
	if x == math.Floor(x)+0.5 {
		return int(math.Floor(x))
	}
	return int(math.Round(x))
}

// apply resizes x axis by axis: nearest gathers the source slices, linear
// mixes two gathers with constant weights.
func (r *resizeSpec) apply(c *opCtx, x *G.Node) (*G.Node, error) {
	s := []int(x.Shape())
	if len(r.out) != len(s) {
		return nil, c.errorf("output sizes %v do not match the input %s", r.out, graph.FormatShape(s))
	}
	size := 1
	for _, d := range r.out {
		if d > c.m.limit() || size*d > c.m.limit() {
			return nil, c.unsupported("output sizes %v give too many elements", r.out)
		}
		size *= d
	}
	y := x
	var err error
	for ax := range s {
		in, out, scale := s[ax], r.out[ax], r.scales[ax]
		i0 := make([]int, out)
		i1 := make([]int, out)
		t := make([]float64, out)
		identity := in == out
		for i := 0; i < out; i++ {
			src := r.sourceCoord(i, in, out, scale)
			if r.mode == "nearest" {
				i0[i] = min(max(r.nearest(src), 0), in-1)
				identity = identity && i0[i] == i
				continue
			}
			src = min(max(src, 0), float64(in-1))
			lo := int(math.Floor(src))
			i0[i], i1[i], t[i] = lo, min(lo+1, in-1), src-float64(lo)
			identity = identity && lo == i && t[i] == 0
		}
		if identity {
			continue
		}
		if r.mode == "nearest" {
			if f := out / in; out%in == 0 && ax >= 2 && isRepeat(i0, f) && y.Shape().Dims() >= 3 && y.Shape().Dims() <= 5 {
				// integer nearest upsampling of one axis: the op is faster
				fs := make([]int, y.Shape().Dims()-2)
				for i := range fs {
					fs[i] = 1
				}
				fs[ax-2] = f
				if y, err = ops.UpsampleNearest(y, fs); err != nil {
					return nil, err
				}
				continue
			}
			if y, err = gatherAxis(y, ax, i0); err != nil {
				return nil, err
			}
			continue
		}
		a, err := gatherAxis(y, ax, i0)
		if err != nil {
			return nil, err
		}
		b, err := gatherAxis(y, ax, i1)
		if err != nil {
			return nil, err
		}
		wshape := make([]int, len(s))
		for i := range wshape {
			wshape[i] = 1
		}
		wshape[ax] = out
		wa := make([]float64, out)
		for i := range wa {
			wa[i] = 1 - t[i]
		}
		wan, err := c.constNode(y.Dtype(), wshape, wa, "resize_weight")
		if err != nil {
			return nil, err
		}
		wbn, err := c.constNode(y.Dtype(), wshape, t, "resize_weight")
		if err != nil {
			return nil, err
		}
		if a, err = c.binary("Mul", a, wan); err != nil {
			return nil, err
		}
		if b, err = c.binary("Mul", b, wbn); err != nil {
			return nil, err
		}
		if y, err = G.Add(a, b); err != nil {
			return nil, err
		}
	}
	if y == x {
		return ops.Scale(x, 1)
	}
	return y, nil
}

// isRepeat reports whether idx is 0 (f times), 1 (f times), ...
func isRepeat(idx []int, f int) bool {
	for i, j := range idx {
		if j != i/f {
			return false
		}
	}
	return true
}

func (c *opCtx) resizeMode() (string, error) {
	mode := c.attrString("mode", "nearest")
	switch mode {
	case "nearest":
	case "linear", "bilinear", "trilinear":
		mode = "linear"
	default:
		return "", c.unsupported("mode %q is not supported (nearest and linear are)", mode)
	}
	return mode, nil
}

// scaled fills out and scales from scales.
func (c *opCtx) scaled(r *resizeSpec, in []int, scales []float64) error {
	if len(scales) != len(in) {
		return c.errorf("scales %v need one value per axis of the input %s", scales, graph.FormatShape(in))
	}
	r.scales = scales
	r.out = make([]int, len(in))
	for i, s := range scales {
		if !(s > 0) || !finite(s) {
			return c.errorf("scale %v is not positive", s)
		}
		o := math.Floor(float64(in[i]) * s)
		if o > float64(c.m.limit()) {
			return c.unsupported("scale %v gives too many elements on axis %d", s, i)
		}
		r.out[i] = int(o)
		if r.out[i] < 1 {
			return c.errorf("scale %v gives an empty axis %d", s, i)
		}
	}
	return nil
}

func opUpsample(c *opCtx, ins []*value) ([]*value, error) {
	x, err := c.nodeIn(ins, 0)
	if err != nil {
		return nil, err
	}
	mode, err := c.resizeMode()
	if err != nil {
		return nil, err
	}
	r := &resizeSpec{mode: mode, coord: "asymmetric", near: "floor"}
	var scales []float64
	if c.n.opset < 9 {
		for _, f := range c.attr("scales").GetFloats() {
			scales = append(scales, float64(f))
		}
	} else {
		sv, err := c.in(ins, 1)
		if err != nil {
			return nil, err
		}
		if scales, err = c.floats(sv, "scales"); err != nil {
			return nil, err
		}
	}
	if err := c.scaled(r, []int(x.Shape()), scales); err != nil {
		return nil, err
	}
	y, err := r.apply(c, x)
	return []*value{dyn(y)}, err
}

func opResize(c *opCtx, ins []*value) ([]*value, error) {
	x, err := c.nodeIn(ins, 0)
	if err != nil {
		return nil, err
	}
	mode, err := c.resizeMode()
	if err != nil {
		return nil, err
	}
	in := []int(x.Shape())
	r := &resizeSpec{mode: mode}
	if c.n.opset < 11 {
		r.coord, r.near = "asymmetric", "floor"
		sv, err := c.in(ins, 1)
		if err != nil {
			return nil, err
		}
		scales, err := c.floats(sv, "scales")
		if err != nil {
			return nil, err
		}
		if err := c.scaled(r, in, scales); err != nil {
			return nil, err
		}
	} else {
		r.coord = c.attrString("coordinate_transformation_mode", "half_pixel")
		r.near = c.attrString("nearest_mode", "round_prefer_floor")
		switch r.coord {
		case "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn":
		default:
			return nil, c.unsupported("coordinate_transformation_mode %q is not supported", r.coord)
		}
		switch r.near {
		case "round_prefer_floor", "round_prefer_ceil", "floor", "ceil":
		default:
			return nil, c.unsupported("nearest_mode %q is not supported", r.near)
		}
		if c.attrInt("exclude_outside", 0) != 0 && mode != "nearest" {
			return nil, c.unsupported("exclude_outside = 1 is not supported")
		}
		var scales []float64
		if has(ins, 2) {
			if scales, err = c.floats(ins[2], "scales"); err != nil {
				return nil, err
			}
		}
		switch {
		case len(scales) > 0:
			if err := c.scaled(r, in, scales); err != nil {
				return nil, err
			}
		case has(ins, 3):
			sizes, err := c.ints(ins[3], "sizes")
			if err != nil {
				return nil, err
			}
			if len(sizes) != len(in) {
				return nil, c.errorf("sizes %v need one value per axis of the input %s", sizes, graph.FormatShape(in))
			}
			r.out = make([]int, len(in))
			r.scales = make([]float64, len(in))
			for i, s := range sizes {
				if s > int64(c.m.limit()) {
					return nil, c.unsupported("sizes %v give too many elements", sizes)
				}
				if s < 1 {
					return nil, c.errorf("sizes %v has a size below 1", sizes)
				}
				r.out[i] = int(s)
				r.scales[i] = float64(s) / float64(in[i])
			}
		default:
			return nil, c.errorf("needs scales or sizes")
		}
	}
	if r.isBilinear2D(in) {
		y, err := ops.ResizeBilinear2D(x, r.out[2], r.out[3])
		return []*value{dyn(y)}, err
	}
	y, err := r.apply(c, x)
	return []*value{dyn(y)}, err
}

// isBilinear2D reports whether the resize of an input of shape in is
// exactly ops.ResizeBilinear2D (PyTorch's bilinear interpolate with
// align_corners=False): linear mode on the two spatial axes of an
// (N, C, H, W) input, N and C kept, with the coordinate transformation
// half_pixel (or pytorch_half_pixel when both output sizes exceed 1), whose
// source coordinate (o + 0.5)/scale - 0.5 is ResizeBilinear2D's
// (o + 0.5)·in/out - 0.5 when scale is out/in (sizes given, or scales that
// are exactly out/in); ONNX Runtime and ResizeBilinear2D both clamp the
// coordinate to the input. The asymmetric and align_corners
// transformations (and Upsample, which is asymmetric) sample elsewhere and
// stay with apply.
func (r *resizeSpec) isBilinear2D(in []int) bool {
	if r.mode != "linear" || len(in) != 4 || r.out[0] != in[0] || r.out[1] != in[1] {
		return false
	}
	switch r.coord {
	case "half_pixel":
	case "pytorch_half_pixel":
		if r.out[2] == 1 || r.out[3] == 1 {
			return false
		}
	default:
		return false
	}
	same := true
	for ax := 2; ax < 4; ax++ {
		if r.scales[ax] != float64(r.out[ax])/float64(in[ax]) {
			return false
		}
		same = same && r.out[ax] == in[ax]
	}
	return !same
}
