package ops

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// PoolSpec describes a pooling window over the spatial axes of an NCW, NCHW
// or NCDHW input: one entry per spatial axis (1, 2 or 3 of them) in every
// slice. Along each axis the output size is, as in PyTorch,
//
//	out = floor((in + pad + padAfter - k) / stride) + 1
//
// or with Ceil the division rounded up, as long as the last window starts
// inside the input or the leading padding (PyTorch's ceil_mode).
type PoolSpec struct {
	// Kernel is the window size along each spatial axis (required).
	Kernel []int
	// Stride along each axis; nil means Stride = Kernel.
	Stride []int
	// Pad is the padding before each axis, and after it too unless PadAfter
	// is given; nil means 0. Every pad must be at most half the kernel.
	Pad []int
	// PadAfter is the padding after each axis when it differs from Pad
	// (Keras's "same" puts the odd element after); nil means Pad.
	PadAfter []int
	// Ceil rounds the output size up (PyTorch's ceil_mode).
	Ceil bool
	// ExcludePad makes an average pool divide by the number of input
	// elements in the window instead of the padded window size
	// (count_include_pad = false, as Keras does with "same"). Max pooling
	// ignores it: it always pads with -Inf.
	ExcludePad bool
}

// MaxPool1D is max pooling over the last axis of x (N, C, W) with window
// kernel, the given stride and symmetric padding pad (at most kernel/2).
// Output (N, C, W2) with W2 = floor((W + 2·pad - kernel)/stride) + 1.
// Padding counts as -Inf; ties go to the first maximum of the window.
func MaxPool1D(x *G.Node, kernel, stride, pad int) (*G.Node, error) {
	return MaxPool(x, PoolSpec{Kernel: []int{kernel}, Stride: []int{stride}, Pad: []int{pad}})
}

// MaxPool2D is max pooling of x (N, C, H, W) with window kernel (kH, kW),
// the given stride and symmetric padding pad (each at most half the
// kernel), as PyTorch's max_pool2d. Output (N, C, H2, W2) with
// H2 = floor((H + 2·padH - kH)/strideH) + 1 and likewise W2.
func MaxPool2D(x *G.Node, kernel, stride, pad [2]int) (*G.Node, error) {
	return MaxPool(x, PoolSpec{Kernel: kernel[:], Stride: stride[:], Pad: pad[:]})
}

// MaxPool3D is max pooling of x (N, C, D, H, W) with window kernel, stride
// and symmetric padding pad, as PyTorch's max_pool3d. Output
// (N, C, D2, H2, W2) with D2 = floor((D + 2·padD - kD)/strideD) + 1 and
// likewise H2 and W2.
func MaxPool3D(x *G.Node, kernel, stride, pad [3]int) (*G.Node, error) {
	return MaxPool(x, PoolSpec{Kernel: kernel[:], Stride: stride[:], Pad: pad[:]})
}

// AvgPool1D is average pooling over the last axis of x (N, C, W). Padding
// counts as zeros in the average (PyTorch's default count_include_pad =
// true). Output (N, C, W2) with W2 = floor((W + 2·pad - kernel)/stride) + 1.
func AvgPool1D(x *G.Node, kernel, stride, pad int) (*G.Node, error) {
	return AvgPool(x, PoolSpec{Kernel: []int{kernel}, Stride: []int{stride}, Pad: []int{pad}})
}

// AvgPool2D is average pooling of x (N, C, H, W), padding counted in the
// divisor (count_include_pad = true), as PyTorch's avg_pool2d. Output
// (N, C, H2, W2) with H2 = floor((H + 2·padH - kH)/strideH) + 1 and likewise W2.
func AvgPool2D(x *G.Node, kernel, stride, pad [2]int) (*G.Node, error) {
	return AvgPool(x, PoolSpec{Kernel: kernel[:], Stride: stride[:], Pad: pad[:]})
}

// AvgPool3D is average pooling of x (N, C, D, H, W), padding counted in the
// divisor (count_include_pad = true), as PyTorch's avg_pool3d.
func AvgPool3D(x *G.Node, kernel, stride, pad [3]int) (*G.Node, error) {
	return AvgPool(x, PoolSpec{Kernel: kernel[:], Stride: stride[:], Pad: pad[:]})
}

// MaxPool is max pooling of x (N, C, spatial...) with the window spec, for
// 1, 2 or 3 spatial axes (len(spec.Kernel) = rank(x) - 2). Padding counts as
// -Inf, ties go to the first maximum in window order, a NaN wins, as in
// PyTorch. The gradient goes to the maximum of each window.
func MaxPool(x *G.Node, spec PoolSpec) (*G.Node, error) {
	g, err := newPoolGeom("Max", x, spec)
	if err != nil {
		return nil, err
	}
	return G.ApplyOp(newMaxPoolOp(g), x)
}

// AvgPool is average pooling of x (N, C, spatial...) with the window spec,
// for 1, 2 or 3 spatial axes. The divisor is the window size clipped to the
// padded input (PyTorch's count_include_pad), or with spec.ExcludePad the
// number of input elements in the window.
func AvgPool(x *G.Node, spec PoolSpec) (*G.Node, error) {
	g, err := newPoolGeom("Avg", x, spec)
	if err != nil {
		return nil, err
	}
	return G.ApplyOp(&avgPoolOp{opBase: newOpBase(g.String()), g: g}, x)
}

// poolGeom is a pooling window over up to three spatial axes, held as 3-D
// (D, H, W) with leading singleton axes for 1-D and 2-D inputs, so that one
// kernel serves every rank.
type poolGeom struct {
	name           string // "MaxPool2D", ...
	nd             int    // spatial rank
	planes         int    // N·C
	in, out        [3]int // spatial sizes
	k, s, pb, pa   [3]int
	ceil, exclude  bool
	xShape, yShape tensor.Shape
	// lo[a][o], hi[a][o]: the window of output o along axis a, clipped to
	// the input; cnt[a][o]: its length counted for the average divisor.
	lo, hi, cnt [3][]int
	// innerW: the outputs [innerW[0], innerW[1]) along W whose windows are
	// not clipped (start o·s - pad, length k).
	innerW [2]int
}

// inPlane and outPlane are the element counts of one (n, c) plane.
func (g *poolGeom) inPlane() int  { return g.in[0] * g.in[1] * g.in[2] }
func (g *poolGeom) outPlane() int { return g.out[0] * g.out[1] * g.out[2] }

func (g *poolGeom) String() string {
	sp := func(v [3]int) string { return graph.FormatShape(v[3-g.nd:]) }
	s := fmt.Sprintf("%s(k=%s, s=%s, p=%s", g.name, sp(g.k), sp(g.s), sp(g.pb))
	if g.pa != g.pb {
		s += fmt.Sprintf(", pafter=%s", sp(g.pa))
	}
	if g.ceil {
		s += ", ceil"
	}
	if g.exclude {
		s += ", excludepad"
	}
	return s + ")"
}

// poolAxes expands a per-axis setting to three axes: nil gives def,
// otherwise it must have nd entries; the leading axes get fill.
func poolAxes(name, what string, v []int, nd int, def []int, fill int) ([3]int, error) {
	var out [3]int
	if v == nil {
		v = def
	}
	if len(v) != nd {
		return out, graph.ArgErrorf("ops: %s: %s needs %d values (one per spatial axis), got %d %v", name, what, nd, len(v), v)
	}
	for i := 0; i < 3-nd; i++ {
		out[i] = fill
	}
	copy(out[3-nd:], v)
	return out, nil
}

// newPoolGeom checks x and spec and computes the window tables. kind is
// "Max" or "Avg".
func newPoolGeom(kind string, x *G.Node, spec PoolSpec) (*poolGeom, error) {
	nd := len(spec.Kernel)
	name := fmt.Sprintf("%sPool%dD", kind, nd)
	if nd < 1 || nd > 3 {
		return nil, graph.ArgErrorf("ops: %sPool: kernel needs 1, 2 or 3 values (one per spatial axis), got %v", kind, spec.Kernel)
	}
	if err := checkNode(name, "input", x, nd+2); err != nil {
		return nil, err
	}
	g := &poolGeom{name: name, nd: nd, ceil: spec.Ceil, exclude: spec.ExcludePad && kind == "Avg"}
	zeros := make([]int, nd)
	var err error
	if g.k, err = poolAxes(name, "kernel", spec.Kernel, nd, nil, 1); err != nil {
		return nil, err
	}
	if g.s, err = poolAxes(name, "stride", spec.Stride, nd, spec.Kernel, 1); err != nil {
		return nil, err
	}
	if g.pb, err = poolAxes(name, "pad", spec.Pad, nd, zeros, 0); err != nil {
		return nil, err
	}
	if g.pa, err = poolAxes(name, "pad after", spec.PadAfter, nd, g.pb[3-nd:], 0); err != nil {
		return nil, err
	}
	xs := x.Shape()
	sp := func(v [3]int) string { return graph.FormatShape(v[3-nd:]) }
	for i, d := range xs {
		if d <= 0 {
			return nil, graph.ShapeErrorf("ops: %s: input dimensions must be positive, got shape %s (axis %d)", name, graph.FormatShape(xs), i)
		}
	}
	g.planes = xs[0] * xs[1]
	copy(g.in[:], []int{1, 1, 1})
	copy(g.in[3-nd:], xs[2:])
	for a := 3 - nd; a < 3; a++ {
		switch {
		case g.k[a] < 1:
			return nil, graph.ArgErrorf("ops: %s: kernel must be positive, got %s", name, sp(g.k))
		case g.s[a] < 1:
			return nil, graph.ArgErrorf("ops: %s: stride must be positive, got %s", name, sp(g.s))
		case g.pb[a] < 0 || g.pa[a] < 0:
			return nil, graph.ArgErrorf("ops: %s: padding must be >= 0, got %s (after %s)", name, sp(g.pb), sp(g.pa))
		case 2*g.pb[a] > g.k[a] || 2*g.pa[a] > g.k[a]:
			return nil, graph.ArgErrorf("ops: %s: padding must be at most half the kernel, got pad %s (after %s) for kernel %s", name, sp(g.pb), sp(g.pa), sp(g.k))
		case g.in[a]+g.pb[a]+g.pa[a] < g.k[a]:
			var padded [3]int
			for b := range padded {
				padded[b] = g.in[b] + g.pb[b] + g.pa[b]
			}
			return nil, graph.ShapeErrorf("ops: %s: kernel %s is larger than the padded input %s (input %s of shape %s, pad %s)",
				name, sp(g.k), sp(padded), sp(g.in), graph.FormatShape(xs), sp(g.pb))
		}
		span := g.in[a] + g.pb[a] + g.pa[a] - g.k[a]
		o := span/g.s[a] + 1
		if g.ceil {
			o = (span+g.s[a]-1)/g.s[a] + 1
			if (o-1)*g.s[a] >= g.in[a]+g.pb[a] {
				o-- // the last window would start in the trailing padding
			}
		}
		g.out[a] = o
	}
	for a := 0; a < 3-nd; a++ {
		g.out[a] = 1
	}
	if g.inPlane() > math.MaxInt32 {
		return nil, graph.ShapeErrorf("ops: %s: a plane of %d elements is too large (at most %d)", name, g.inPlane(), math.MaxInt32)
	}
	for a := 0; a < 3; a++ {
		n := g.out[a]
		g.lo[a], g.hi[a], g.cnt[a] = make([]int, n), make([]int, n), make([]int, n)
		for o := 0; o < n; o++ {
			start := o*g.s[a] - g.pb[a]
			end := min(start+g.k[a], g.in[a]+g.pa[a])
			lo, hi := max(start, 0), min(end, g.in[a])
			g.lo[a][o], g.hi[a][o] = lo, hi
			if g.exclude {
				g.cnt[a][o] = hi - lo
			} else {
				g.cnt[a][o] = end - start
			}
		}
	}
	g.innerW = [2]int{g.out[2], g.out[2]}
	for o := 0; o < g.out[2]; o++ {
		if g.lo[2][o] == o*g.s[2]-g.pb[2] && g.hi[2][o] == g.lo[2][o]+g.k[2] {
			if g.innerW[0] == g.out[2] {
				g.innerW[0] = o
			}
			g.innerW[1] = o + 1
		}
	}
	g.xShape = xs.Clone()
	g.yShape = append(tensor.Shape{xs[0], xs[1]}, g.out[3-nd:]...)
	return g, nil
}

// checkIn returns an error unless t has the shape the op was built for.
func (g *poolGeom) checkIn(t *tensor.Dense, want tensor.Shape, what string) error {
	if !graph.SameShape(t.Shape(), want) {
		return graph.ShapeErrorf("ops: %s: %s must have shape %s, got %s", g.name, what, graph.FormatShape(want), graph.FormatShape(t.Shape()))
	}
	return nil
}

// poolGrain is the smallest amount of work (in elements) worth a goroutine.
const poolGrain = 1 << 14

// planeGrain is the number of planes of size per that make up poolGrain.
func planeGrain(per int) int { return max(1, poolGrain/max(per, 1)) }

// ---------------------------------------------------------------- max pool

// maxPoolOp is y = max over each window. Do records the argmax of every
// window (a flat index into the input plane), which the gradient and
// MaxPool2DIndices read.
type maxPoolOp struct {
	opBase
	g   *poolGeom
	out buffer
	arg []int32
	// needArg is set when a gradient or an indices op reads arg; without
	// one (evaluation graphs) the common 2x2 windows skip the argmax.
	needArg bool
}

func newMaxPoolOp(g *poolGeom) *maxPoolOp { return &maxPoolOp{opBase: newOpBase(g.String()), g: g} }

func (op *maxPoolOp) Arity() int    { return 1 }
func (op *maxPoolOp) Type() hm.Type { return rankType(op.g.nd+2, op.g.nd+2) }

func (op *maxPoolOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return op.g.yShape.Clone(), nil
}

func (op *maxPoolOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.g.name, vals, 1)
	if err != nil {
		return nil, err
	}
	x := in[0]
	if err := op.g.checkIn(x, op.g.xShape, "input"); err != nil {
		return nil, err
	}
	y := op.out.get(x.Dtype(), op.g.yShape)
	if !op.needArg && maxPoolValuesOnly(op.g) {
		switch xs := x.Data().(type) {
		case []float64:
			maxPoolValues(op.g, xs, y.Data().([]float64))
		case []float32:
			maxPoolValues(op.g, xs, y.Data().([]float32))
		default:
			return nil, fmt.Errorf("ops: %s: dtype %v not supported", op.g.name, x.Dtype())
		}
		return y, nil
	}
	if n := op.g.yShape.TotalSize(); len(op.arg) != n {
		op.arg = make([]int32, n)
	}
	switch xs := x.Data().(type) {
	case []float64:
		maxPoolForward(op.g, xs, y.Data().([]float64), op.arg)
	case []float32:
		maxPoolForward(op.g, xs, y.Data().([]float32), op.arg)
	default:
		return nil, fmt.Errorf("ops: %s: dtype %v not supported", op.g.name, x.Dtype())
	}
	return y, nil
}

func (op *maxPoolOp) DiffWRT(int) []bool { return []bool{true} }

func (op *maxPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	op.needArg = true
	dx, err := G.ApplyOp(&maxPoolGradOp{gradOpBase: newGradOpBase(op.g.String() + "Grad"), fwd: op}, inputs[0], output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// maxPoolGradOp is dx = dy routed to the argmax of each window, given x, y
// and dy. It reads the argmax the forward op recorded in the same run (y is
// an input so that the forward op always runs first).
type maxPoolGradOp struct {
	gradOpBase
	fwd *maxPoolOp
	out buffer
	// reluMask routes only the gradients of windows whose maximum y is
	// positive: the gradient of MaxPool(ReLU(z)) with respect to z in one
	// pass, when the ReLU is fused into the op producing the pool's input
	// (see absorbReLU).
	reluMask bool
}

// absorbReLU makes the max-pool gradient node grad also apply the
// gradient of a ReLU fused into the op whose output is the pool's input,
// and reports whether it did. The mask is taken at the window maxima:
// z at the argmax is positive exactly when the window's maximum y is. It
// applies only when grad is such a gradient node and its pool reads
// exactly in (so that nothing else adds to the gradient of in).
func absorbReLU(grad, in *G.Node) bool {
	pg, ok := grad.Op().(*maxPoolGradOp)
	if !ok || pg.reluMask {
		return false
	}
	g := grad.Graph()
	if g == nil {
		return false
	}
	it := g.From(grad.ID())
	if !it.Next() || it.Node() != in {
		return false
	}
	pg.reluMask = true
	return true
}

func (op *maxPoolGradOp) Arity() int    { return 3 }
func (op *maxPoolGradOp) Type() hm.Type { return sameType3() }
func (op *maxPoolGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return op.fwd.g.xShape.Clone(), nil
}

func (op *maxPoolGradOp) Do(vals ...G.Value) (G.Value, error) {
	g := op.fwd.g
	in, err := denseArgs(op.String(), vals, 3)
	if err != nil {
		return nil, err
	}
	dy := in[2]
	if err := g.checkIn(dy, g.yShape, "output gradient"); err != nil {
		return nil, err
	}
	if len(op.fwd.arg) != g.yShape.TotalSize() {
		return nil, fmt.Errorf("ops: %s: the forward pass has not run", op)
	}
	dx := op.out.get(dy.Dtype(), g.xShape)
	switch dys := dy.Data().(type) {
	case []float64:
		maxPoolBackward(g, dys, maskOf[float64](op.reluMask, in[1]), dx.Data().([]float64), op.fwd.arg)
	case []float32:
		maxPoolBackward(g, dys, maskOf[float32](op.reluMask, in[1]), dx.Data().([]float32), op.fwd.arg)
	default:
		return nil, fmt.Errorf("ops: %s: dtype %v not supported", op, dy.Dtype())
	}
	return dx, nil
}

// maxPoolForward writes the window maxima of every plane of x into y and
// their plane-local flat indices into arg.
func maxPoolForward[T float](g *poolGeom, x, y []T, arg []int32) {
	ip, op := g.inPlane(), g.outPlane()
	parallelFor(g.planes, planeGrain(ip+op), func(lo, hi int) {
		switch {
		case g.k[0] == 1 && g.k[1] == 1:
			// windows one row high (1-D pooling): the row pass is all
			for p := lo; p < hi; p++ {
				xp, yp, ap := x[p*ip:(p+1)*ip], y[p*op:(p+1)*op], arg[p*op:(p+1)*op]
				W, OW := g.in[2], g.out[2]
				o := 0
				for od := 0; od < g.out[0]; od++ {
					for oh := 0; oh < g.out[1]; oh++ {
						r := g.lo[0][od]*g.in[1] + g.lo[1][oh]
						yr, ar := yp[o:o+OW], ap[o:o+OW]
						maxPoolRow(g, xp[r*W:(r+1)*W], yr, ar, r*W)
						for ow, m := range yr {
							if m != m {
								ar[ow] = int32(maxPoolNaN(xp, 0, 1, r, r+1, g.lo[2][ow], g.hi[2][ow], 1, W))
							}
							yr[ow] = xp[ar[ow]]
						}
						o += OW
					}
				}
			}
		case g.k[0] == 1 && g.k[1] == 2:
			x32, is32 := any(x).([]float32)
			for p := lo; p < hi; p++ {
				if is32 && maxPoolPlaneNonNeg(g, x32[p*ip:(p+1)*ip], any(y).([]float32)[p*op:(p+1)*op], arg[p*op:(p+1)*op]) {
					continue
				}
				maxPoolPlane(g, x[p*ip:(p+1)*ip], y[p*op:(p+1)*op], arg[p*op:(p+1)*op])
			}
		default:
			rows := g.in[0] * g.in[1] * g.out[2]
			rv, ri := make([]T, rows), make([]int32, rows)
			for p := lo; p < hi; p++ {
				maxPoolPlaneSep(g, x[p*ip:(p+1)*ip], y[p*op:(p+1)*op], arg[p*op:(p+1)*op], rv, ri)
			}
		}
	})
}

// maxPoolValuesOnly reports whether maxPoolValues handles g: 2-D windows of
// 2x2 (after clipping) everywhere, as MaxPool2D(2) on even sizes.
func maxPoolValuesOnly(g *poolGeom) bool {
	if g.out[0] != g.in[0] || g.k[0] != 1 {
		return false
	}
	for i := range g.out[0] {
		if g.hi[0][i]-g.lo[0][i] != 1 {
			return false
		}
	}
	for a := 1; a <= 2; a++ {
		for i := range g.lo[a] {
			if g.hi[a][i]-g.lo[a][i] != 2 {
				return false
			}
		}
	}
	return true
}

// maxPoolValues writes the window maxima of every plane of x into y,
// without the argmax: max(max(a, b), max(c, d)) per 2x2 window, NaN when
// the window holds one (as the argmax path gives).
func maxPoolValues[T float](g *poolGeom, x, y []T) {
	ip, op := g.inPlane(), g.outPlane()
	H, W := g.in[1], g.in[2]
	loD, loH, loW := g.lo[0], g.lo[1], g.lo[2]
	parallelFor(g.planes, planeGrain(ip+op), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			xp, yp := x[p*ip:(p+1)*ip], y[p*op:(p+1)*op]
			o := 0
			for _, d0 := range loD {
				for _, h0 := range loH {
					base := (d0*H + h0) * W
					r0, r1 := xp[base:base+W], xp[base+W:base+2*W]
					yr := yp[o : o+len(loW)]
					o += len(loW)
					for ow, w0 := range loW {
						yr[ow] = max(max(r0[w0], r0[w0+1]), max(r1[w0], r1[w0+1]))
					}
				}
			}
		}
	})
}

// maxPoolRow reduces one input row over every window along W: rv gets the
// maximum and ri the flat index (base + w) of its first occurrence. The
// unclipped windows of the usual kernels run unrolled; a NaN gives rv NaN
// and an arbitrary ri (callers redo such windows).
func maxPoolRow[T float](g *poolGeom, row, rv []T, ri []int32, base int) {
	loW, hiW := g.lo[2], g.hi[2]
	k, s, p := g.k[2], g.s[2], g.pb[2]
	a, b := g.innerW[0], g.innerW[1]
	edge := func(ow int) {
		win := row[loW[ow]:hiW[ow]]
		m := poolRowMax(win)
		rv[ow], ri[ow] = m, int32(base+loW[ow]+max(poolRowFirst(win, m), 0))
	}
	for ow := 0; ow < a; ow++ {
		edge(ow)
	}
	switch k {
	case 1:
		for ow := a; ow < b; ow++ {
			w := ow*s - p
			rv[ow], ri[ow] = row[w], int32(base+w)
		}
	case 2:
		for ow := a; ow < b; ow++ {
			w := ow*s - p
			u, v := row[w], row[w+1]
			m := max(u, v)
			rv[ow], ri[ow] = m, int32(base+w)+int32(b2u(u != m))
		}
	case 3:
		for ow := a; ow < b; ow++ {
			w := ow*s - p
			u, v, t := row[w], row[w+1], row[w+2]
			m := max(max(u, v), t)
			// 0 if u is the maximum, else 1 if v is, else 2
			i := (1 - int32(b2u(u == m))) * (2 - int32(b2u(v == m)))
			rv[ow], ri[ow] = m, int32(base+w)+i
		}
	default:
		for ow := a; ow < b; ow++ {
			edge(ow)
		}
	}
	for ow := max(b, a); ow < len(loW); ow++ {
		edge(ow)
	}
}

// maxPoolPlaneSep pools one plane in two passes. The row pass reduces every
// input row (d, h) over each window along W to its maximum rv and the
// position ri of its first maximum. The column pass combines, for each
// output row (od, oh), the rows of its window elementwise in window order.
// Both passes are tight loops over contiguous rows without data-dependent
// branches; windows holding a NaN are redone by the plain scan.
func maxPoolPlaneSep[T float](g *poolGeom, x, y []T, arg []int32, rv []T, ri []int32) {
	H, W, OW := g.in[1], g.in[2], g.out[2]
	loW, hiW := g.lo[2], g.hi[2]
	// row pass
	for r := 0; r < g.in[0]*H; r++ {
		maxPoolRow(g, x[r*W:(r+1)*W], rv[r*OW:(r+1)*OW], ri[r*OW:(r+1)*OW], r*W)
	}
	// column pass
	o := 0
	for od := 0; od < g.out[0]; od++ {
		d0, d1 := g.lo[0][od], g.hi[0][od]
		for oh := 0; oh < g.out[1]; oh++ {
			h0, h1 := g.lo[1][oh], g.hi[1][oh]
			ym, am := y[o:o+OW], arg[o:o+OW]
			o += OW
			// rows in window order; a row replaces the running maximum
			// only where it is strictly greater, so the first one wins
			first := d0*H + h0
			copy(ym, rv[first*OW:(first+1)*OW])
			copy(am, ri[first*OW:(first+1)*OW])
			for d := d0; d < d1; d++ {
				for h := h0; h < h1; h++ {
					r := d*H + h
					if r == first {
						continue
					}
					rvr := rv[r*OW : (r+1)*OW]
					rir, ym, am := ri[r*OW : (r+1)*OW][:len(rvr)], ym[:len(rvr)], am[:len(rvr)]
					for ow, v := range rvr {
						m := ym[ow]
						sel := -int32(b2u(v > m))
						am[ow] ^= (am[ow] ^ rir[ow]) & sel
						ym[ow] = max(m, v)
					}
				}
			}
			for ow, m := range ym {
				if m != m {
					am[ow] = int32(maxPoolNaN(x, d0, d1, h0, h1, loW[ow], hiW[ow], H, W))
				}
				ym[ow] = x[am[ow]]
			}
		}
	}
}

// maxPoolPlane pools one plane whose windows are at most two rows high
// (2-D kernels of height 2, the most common max pool). For each window it
// first takes the maximum m (branch-free), then the first position holding
// m in window order from a bit mask: random data makes the usual
// "if v > best" branch unpredictable, which costs more than the second
// look. A window holding a NaN takes the last NaN, as PyTorch does.
func maxPoolPlane[T float](g *poolGeom, x, y []T, arg []int32) {
	H, W := g.in[1], g.in[2]
	loW, hiW := g.lo[2], g.hi[2]
	negInf := T(math.Inf(-1))
	o := 0
	for od := 0; od < g.out[0]; od++ {
		d0, d1 := g.lo[0][od], g.hi[0][od]
		for oh := 0; oh < g.out[1]; oh++ {
			h0, h1 := g.lo[1][oh], g.hi[1][oh]
			yr, ar := y[o:o+len(loW)], arg[o:o+len(loW)]
			o += len(loW)
			if d1-d0 == 1 && h1-h0 == 2 {
				// 2-D windows two rows high (k2, or k3 clipped): 2x2 windows
				// in registers, others through the general code
				base := (d0*H + h0) * W
				r0, r1 := x[base:base+W], x[base+W:base+2*W]
				for ow, w0 := range loW {
					bi := base + w0
					if hiW[ow]-w0 == 2 {
						a, b, c, d := r0[w0], r0[w0+1], r1[w0], r1[w0+1]
						m := max(max(a, b), max(c, d))
						if m == m {
							mask := b2u(a == m) | b2u(b == m)<<1 | b2u(c == m)<<2 | b2u(d == m)<<3
							i := bits.TrailingZeros(mask)
							bi += (i>>1)*W + i&1
						} else {
							bi = maxPoolNaN(x, d0, d0+1, h0, h0+2, w0, w0+2, H, W)
						}
					} else {
						bi = maxPoolWindow(x, d0, d1, h0, h1, w0, hiW[ow], H, W, negInf)
					}
					yr[ow], ar[ow] = x[bi], int32(bi)
				}
				continue
			}
			for ow, w0 := range loW {
				bi := maxPoolWindow(x, d0, d1, h0, h1, w0, hiW[ow], H, W, negInf)
				yr[ow], ar[ow] = x[bi], int32(bi)
			}
		}
	}
}

// maxPoolPlaneNonNeg is maxPoolPlane for float32 planes pooled with 2x2
// windows whose values are all >= +0 and not NaN, as after a ReLU (the
// usual case): there the bit patterns, as integers, order like the values
// and are equal only for equal values, so maxima and first positions take
// integer max and compares (conditional moves) instead of the float
// builtin's NaN and signed-zero handling. It reports false, having written
// nothing that matters, if the plane holds another window shape or a
// value that is negative (-0 included) or NaN; maxPoolPlane then redoes
// the plane.
func maxPoolPlaneNonNeg(g *poolGeom, x, y []float32, arg []int32) bool {
	if g.out[0] != 1 || g.hi[0][0]-g.lo[0][0] != 1 {
		return false
	}
	H, W := g.in[1], g.in[2]
	loH, hiH, loW, hiW := g.lo[1], g.hi[1], g.lo[2], g.hi[2]
	d0 := g.lo[0][0]
	o := 0
	for oh, h0 := range loH {
		if hiH[oh]-h0 != 2 {
			return false
		}
		base := (d0*H + h0) * W
		r0, r1 := x[base:base+W], x[base+W:base+2*W]
		yr, ar := y[o:o+len(loW)], arg[o:o+len(loW)]
		o += len(loW)
		for ow, w0 := range loW {
			if hiW[ow]-w0 != 2 {
				return false
			}
			a := int32(math.Float32bits(r0[w0]))
			b := int32(math.Float32bits(r0[w0+1]))
			c := int32(math.Float32bits(r1[w0]))
			d := int32(math.Float32bits(r1[w0+1]))
			m := max(max(a, b), max(c, d))
			if a|b|c|d < 0 || m > 0x7f800000 { // a sign bit, or a NaN
				return false
			}
			mask := b2u(a == m) | b2u(b == m)<<1 | b2u(c == m)<<2 | b2u(d == m)<<3
			i := bits.TrailingZeros(mask)
			bi := base + w0 + (i>>1)*W + i&1
			yr[ow], ar[ow] = math.Float32frombits(uint32(m)), int32(bi)
		}
	}
	return true
}

// maxPoolWindow returns the flat index of the first maximum of the window
// [d0,d1)×[h0,h1)×[w0,w1) of a plane of shape (·, H, W).
func maxPoolWindow[T float](x []T, d0, d1, h0, h1, w0, w1, H, W int, negInf T) int {
	m := negInf
	for d := d0; d < d1; d++ {
		for h := h0; h < h1; h++ {
			rb := (d*H + h) * W
			m = max(m, poolRowMax(x[rb+w0:rb+w1]))
		}
	}
	if m != m {
		return maxPoolNaN(x, d0, d1, h0, h1, w0, w1, H, W)
	}
	bi := (d0*H+h0)*W + w0
	for d := d1 - 1; d >= d0; d-- {
		for h := h1 - 1; h >= h0; h-- {
			rb := (d*H+h)*W + w0
			i := poolRowFirst(x[rb:rb+w1-w0], m)
			sel := -int(b2u(i >= 0))
			bi ^= (bi ^ (rb + i)) & sel
		}
	}
	return bi
}

// maxPoolNaN is the plain scan with PyTorch's rule (v > best or v is NaN),
// for windows that hold a NaN: it returns the last NaN.
func maxPoolNaN[T float](x []T, d0, d1, h0, h1, w0, w1, H, W int) int {
	best, bi := T(math.Inf(-1)), (d0*H+h0)*W+w0
	for d := d0; d < d1; d++ {
		for h := h0; h < h1; h++ {
			rb := (d*H + h) * W
			for w := w0; w < w1; w++ {
				if v := x[rb+w]; v > best || v != v {
					best, bi = v, rb+w
				}
			}
		}
	}
	return bi
}

// poolRowMax is the maximum of a short row (NaN if it holds one).
func poolRowMax[T float](r []T) T {
	switch len(r) {
	case 1:
		return r[0]
	case 2:
		return max(r[0], r[1])
	case 3:
		return max(max(r[0], r[1]), r[2])
	}
	m := r[0]
	for _, v := range r[1:] {
		m = max(m, v)
	}
	return m
}

// poolRowFirst returns the index of the first element of r equal to m, or
// -1. Rows of up to three elements (the usual kernels) take no branch.
func poolRowFirst[T float](r []T, m T) int {
	var mask uint
	switch len(r) {
	case 1:
		mask = b2u(r[0] == m)
	case 2:
		mask = b2u(r[0] == m) | b2u(r[1] == m)<<1
	case 3:
		mask = b2u(r[0] == m) | b2u(r[1] == m)<<1 | b2u(r[2] == m)<<2
	default:
		for i, v := range r {
			if v == m {
				return i
			}
		}
		return -1
	}
	return bits.TrailingZeros(mask) | -int(b2u(mask == 0))
}

// b2u is 1 for true and 0 for false, without a branch.
func b2u(b bool) uint {
	var u uint
	if b {
		u = 1
	}
	return u
}

// maxPoolBackward adds every dy to the input element its window took.
// maskOf returns y's data when the ReLU mask is on, nil otherwise.
func maskOf[T float](on bool, y *tensor.Dense) []T {
	if !on {
		return nil
	}
	return y.Data().([]T)
}

// maxPoolBackward routes dy to the argmax of each window; with y (the
// window maxima) not nil, only where y > 0 (a fused ReLU before the pool).
func maxPoolBackward[T float](g *poolGeom, dy, y, dx []T, arg []int32) {
	ip, op := g.inPlane(), g.outPlane()
	parallelFor(g.planes, planeGrain(ip+op), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			d := dx[p*ip : (p+1)*ip]
			clear(d)
			a := arg[p*op : (p+1)*op]
			if y != nil {
				ys := y[p*op : (p+1)*op]
				for o, v := range dy[p*op : (p+1)*op] {
					if ys[o] > 0 {
						d[a[o]] += v
					}
				}
				continue
			}
			for o, v := range dy[p*op : (p+1)*op] {
				d[a[o]] += v
			}
		}
	})
}

// ---------------------------------------------------------------- avg pool

// avgPoolOp is y = the mean over each window (see poolGeom.cnt for the
// divisor).
type avgPoolOp struct {
	opBase
	g   *poolGeom
	out buffer
}

func (op *avgPoolOp) Arity() int    { return 1 }
func (op *avgPoolOp) Type() hm.Type { return rankType(op.g.nd+2, op.g.nd+2) }
func (op *avgPoolOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return op.g.yShape.Clone(), nil
}

func (op *avgPoolOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.g.name, vals, 1)
	if err != nil {
		return nil, err
	}
	x := in[0]
	if err := op.g.checkIn(x, op.g.xShape, "input"); err != nil {
		return nil, err
	}
	y := op.out.get(x.Dtype(), op.g.yShape)
	switch xs := x.Data().(type) {
	case []float64:
		avgPoolForward(op.g, xs, y.Data().([]float64))
	case []float32:
		avgPoolForward(op.g, xs, y.Data().([]float32))
	default:
		return nil, fmt.Errorf("ops: %s: dtype %v not supported", op.g.name, x.Dtype())
	}
	return y, nil
}

func (op *avgPoolOp) DiffWRT(int) []bool { return []bool{true} }

func (op *avgPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&avgPoolGradOp{gradOpBase: newGradOpBase(op.g.String() + "Grad"), g: op.g}, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// avgPoolGradOp is dx: every dy spread evenly over its window.
type avgPoolGradOp struct {
	gradOpBase
	g   *poolGeom
	out buffer
}

func (op *avgPoolGradOp) Arity() int    { return 1 }
func (op *avgPoolGradOp) Type() hm.Type { return sameType() }
func (op *avgPoolGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return op.g.xShape.Clone(), nil
}

func (op *avgPoolGradOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 1)
	if err != nil {
		return nil, err
	}
	dy := in[0]
	if err := op.g.checkIn(dy, op.g.yShape, "output gradient"); err != nil {
		return nil, err
	}
	dx := op.out.get(dy.Dtype(), op.g.xShape)
	switch dys := dy.Data().(type) {
	case []float64:
		avgPoolBackward(op.g, dys, dx.Data().([]float64))
	case []float32:
		avgPoolBackward(op.g, dys, dx.Data().([]float32))
	default:
		return nil, fmt.Errorf("ops: %s: dtype %v not supported", op, dy.Dtype())
	}
	return dx, nil
}

func avgPoolForward[T float](g *poolGeom, x, y []T) {
	ip, op := g.inPlane(), g.outPlane()
	parallelFor(g.planes, planeGrain(ip+op), func(lo, hi int) {
		rs := make([]T, g.in[0]*g.in[1]*g.out[2])
		for p := lo; p < hi; p++ {
			avgPoolPlane(g, x[p*ip:(p+1)*ip], y[p*op:(p+1)*op], rs)
		}
	})
}

// avgPoolPlane averages one plane in two passes: the row pass sums every
// input row over each window along W into rs, the column pass adds the rows
// of each window elementwise and divides.
func avgPoolPlane[T float](g *poolGeom, x, y, rs []T) {
	H, W, OW := g.in[1], g.in[2], g.out[2]
	for r := 0; r < g.in[0]*H; r++ {
		avgPoolRow(g, x[r*W:(r+1)*W], rs[r*OW:(r+1)*OW])
	}
	cntW := g.cnt[2][:OW]
	o := 0
	for od := 0; od < g.out[0]; od++ {
		d0, d1 := g.lo[0][od], g.hi[0][od]
		for oh := 0; oh < g.out[1]; oh++ {
			h0, h1 := g.lo[1][oh], g.hi[1][oh]
			yr := y[o : o+OW]
			o += OW
			first := d0*H + h0
			copy(yr, rs[first*OW:(first+1)*OW])
			for d := d0; d < d1; d++ {
				for h := h0; h < h1; h++ {
					if r := d*H + h; r != first {
						for ow, v := range rs[r*OW : (r+1)*OW] {
							yr[ow] += v
						}
					}
				}
			}
			c := g.cnt[0][od] * g.cnt[1][oh]
			for ow, n := range cntW {
				yr[ow] /= T(c * n)
			}
		}
	}
}

// avgPoolRow sums row over every window along W.
func avgPoolRow[T float](g *poolGeom, row, rs []T) {
	loW, hiW := g.lo[2], g.hi[2]
	k, s, p := g.k[2], g.s[2], g.pb[2]
	a, b := g.innerW[0], g.innerW[1]
	edge := func(ow int) {
		var t T
		for _, v := range row[loW[ow]:hiW[ow]] {
			t += v
		}
		rs[ow] = t
	}
	for ow := 0; ow < a; ow++ {
		edge(ow)
	}
	switch k {
	case 1:
		for ow := a; ow < b; ow++ {
			rs[ow] = row[ow*s-p]
		}
	case 2:
		for ow := a; ow < b; ow++ {
			w := ow*s - p
			rs[ow] = row[w] + row[w+1]
		}
	case 3:
		for ow := a; ow < b; ow++ {
			w := ow*s - p
			rs[ow] = row[w] + row[w+1] + row[w+2]
		}
	default:
		for ow := a; ow < b; ow++ {
			edge(ow)
		}
	}
	for ow := max(a, b); ow < len(loW); ow++ {
		edge(ow)
	}
}

func avgPoolBackward[T float](g *poolGeom, dy, dx []T) {
	ip, op := g.inPlane(), g.outPlane()
	parallelFor(g.planes, planeGrain(ip+op), func(lo, hi int) {
		gs := make([]T, g.in[0]*g.in[1]*g.out[2])
		t := make([]T, g.out[2])
		for p := lo; p < hi; p++ {
			avgPoolPlaneGrad(g, dy[p*op:(p+1)*op], dx[p*ip:(p+1)*ip], gs, t)
		}
	})
}

// avgPoolPlaneGrad is the transpose of avgPoolPlane: the column pass adds
// dy/divisor to every row of each window in gs, the row pass spreads each
// row sum over its window along W.
func avgPoolPlaneGrad[T float](g *poolGeom, dy, dx, gs, t []T) {
	H, W, OW := g.in[1], g.in[2], g.out[2]
	clear(gs)
	cntW := g.cnt[2][:OW]
	t = t[:OW]
	o := 0
	for od := 0; od < g.out[0]; od++ {
		d0, d1 := g.lo[0][od], g.hi[0][od]
		for oh := 0; oh < g.out[1]; oh++ {
			h0, h1 := g.lo[1][oh], g.hi[1][oh]
			c := g.cnt[0][od] * g.cnt[1][oh]
			for ow, v := range dy[o : o+OW] {
				t[ow] = v / T(c*cntW[ow])
			}
			o += OW
			for d := d0; d < d1; d++ {
				for h := h0; h < h1; h++ {
					r := d*H + h
					gr := gs[r*OW : (r+1)*OW]
					for ow, v := range t {
						gr[ow] += v
					}
				}
			}
		}
	}
	loW, hiW := g.lo[2], g.hi[2]
	k, s, p := g.k[2], g.s[2], g.pb[2]
	a, b := g.innerW[0], g.innerW[1]
	for r := 0; r < g.in[0]*H; r++ {
		row, gr := dx[r*W:(r+1)*W], gs[r*OW:(r+1)*OW]
		clear(row)
		edge := func(ow int) {
			v := gr[ow]
			win := row[loW[ow]:hiW[ow]]
			for i := range win {
				win[i] += v
			}
		}
		for ow := 0; ow < a; ow++ {
			edge(ow)
		}
		switch k {
		case 1:
			for ow := a; ow < b; ow++ {
				row[ow*s-p] += gr[ow]
			}
		case 2:
			for ow := a; ow < b; ow++ {
				w, v := ow*s-p, gr[ow]
				row[w] += v
				row[w+1] += v
			}
		default:
			for ow := a; ow < b; ow++ {
				edge(ow)
			}
		}
		for ow := max(a, b); ow < len(loW); ow++ {
			edge(ow)
		}
	}
}
