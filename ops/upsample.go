package ops

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Upsample1D repeats every element of x (N, C, W) f times along W
// (nearest-neighbour upsampling). Output (N, C, W·f).
func Upsample1D(x *G.Node, f int) (*G.Node, error) { return UpsampleNearest(x, []int{f}) }

// Upsample2D repeats every element of x (N, C, H, W) f[0] times along H and
// f[1] times along W (nearest-neighbour upsampling, PyTorch's
// interpolate(mode="nearest") with integer factors). Output
// (N, C, H·f[0], W·f[1]).
func Upsample2D(x *G.Node, f [2]int) (*G.Node, error) { return UpsampleNearest(x, f[:]) }

// Upsample3D repeats every element of x (N, C, D, H, W) by the factors f
// along D, H and W. Output (N, C, D·f[0], H·f[1], W·f[2]).
func Upsample3D(x *G.Node, f [3]int) (*G.Node, error) { return UpsampleNearest(x, f[:]) }

// UpsampleNearest is nearest-neighbour upsampling by integer factors, one
// per spatial axis of x (N, C, spatial...) (1, 2 or 3 of them). The gradient
// sums each block of the output gradient.
func UpsampleNearest(x *G.Node, f []int) (*G.Node, error) {
	nd := len(f)
	name := fmt.Sprintf("Upsample%dD", nd)
	if nd < 1 || nd > 3 {
		return nil, graph.ArgErrorf("ops: Upsample: factors need 1, 2 or 3 values (one per spatial axis), got %v", f)
	}
	u, err := newUpGeom(name, x, nd)
	if err != nil {
		return nil, err
	}
	for a, v := range f {
		if v < 1 {
			return nil, graph.ArgErrorf("ops: %s: factors must be >= 1, got %v", name, f)
		}
		u.f[3-nd+a] = v
		u.out[3-nd+a] = u.in[3-nd+a] * v
	}
	u.finish()
	return G.ApplyOp(&upsampleOp{opBase: newOpBase(u.name + u.factors()), u: u}, x)
}

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

// factors formats the upsampling factors as in "Upsample2D(x(2, 2))".
func (u *upGeom) factors() string { return "(x" + graph.FormatShape(u.f[3-u.nd:]) + ")" }

func (u *upGeom) inPlane() int  { return u.in[0] * u.in[1] * u.in[2] }
func (u *upGeom) outPlane() int { return u.out[0] * u.out[1] * u.out[2] }

// run is the Do of the upsampling ops and their gradients: it checks the
// one input (x of shape xShape, or with grad dy of shape yShape), takes the
// output (y, or dx) from buf and runs the float32 or float64 kernel on the
// data. name is the op in errors.
func (u *upGeom) run(name string, vals []G.Value, grad bool, buf *buffer, k32 func(in, out []float32), k64 func(in, out []float64)) (G.Value, error) {
	in, err := denseArgs(name, vals, 1)
	if err != nil {
		return nil, err
	}
	want, outShape, what := u.xShape, u.yShape, "input"
	if grad {
		want, outShape, what = u.yShape, u.xShape, "output gradient"
	}
	t := in[0]
	if !graph.SameShape(t.Shape(), want) {
		return nil, graph.ShapeErrorf("ops: %s: %s must have shape %s, got %s", u.name, what, graph.FormatShape(want), graph.FormatShape(t.Shape()))
	}
	out := buf.get(t.Dtype(), outShape)
	switch d := t.Data().(type) {
	case []float64:
		k64(d, out.Data().([]float64))
	case []float32:
		k32(d, out.Data().([]float32))
	default:
		return nil, fmt.Errorf("ops: %s: dtype %v not supported", name, t.Dtype())
	}
	return out, nil
}

// upsampleOp is nearest-neighbour upsampling by integer factors.
type upsampleOp struct {
	opBase
	u   *upGeom
	out buffer
}

func (op *upsampleOp) Arity() int    { return 1 }
func (op *upsampleOp) Type() hm.Type { return rankType(op.u.nd+2, op.u.nd+2) }
func (op *upsampleOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.u.yShape.Clone(), nil
}

func (op *upsampleOp) Do(vals ...G.Value) (G.Value, error) {
	return op.u.run(op.u.name, vals, false, &op.out,
		func(x, y []float32) { nearestUp(op.u, x, y) },
		func(x, y []float64) { nearestUp(op.u, x, y) })
}

func (op *upsampleOp) DiffWRT(int) []bool { return []bool{true} }

func (op *upsampleOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&upsampleGradOp{gradOpBase: newGradOpBase(op.u.name + "Grad" + op.u.factors()), u: op.u}, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// upsampleGradOp is dx = the sum of dy over each f-block.
type upsampleGradOp struct {
	gradOpBase
	u   *upGeom
	out buffer
}

func (op *upsampleGradOp) Arity() int    { return 1 }
func (op *upsampleGradOp) Type() hm.Type { return sameType() }
func (op *upsampleGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.u.xShape.Clone(), nil
}

func (op *upsampleGradOp) Do(vals ...G.Value) (G.Value, error) {
	return op.u.run(op.String(), vals, true, &op.out,
		func(dy, dx []float32) { nearestUpGrad(op.u, dy, dx) },
		func(dy, dx []float64) { nearestUpGrad(op.u, dy, dx) })
}

// nearestUp writes, for every input row (d, h), one output row with each
// element repeated fW times, then copies that row to the other fH·fD rows of
// its block.
func nearestUp[T float](u *upGeom, x, y []T) {
	ip, op := u.inPlane(), u.outPlane()
	H, W := u.in[1], u.in[2]
	fD, fH, fW := u.f[0], u.f[1], u.f[2]
	OH, OW := u.out[1], u.out[2]
	parallelFor(u.planes, planeGrain(ip+op), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			xp, yp := x[p*ip:(p+1)*ip], y[p*op:(p+1)*op]
			for d := 0; d < u.in[0]; d++ {
				for h := 0; h < H; h++ {
					xr := xp[(d*H+h)*W : (d*H+h+1)*W]
					o := ((d*fD)*OH + h*fH) * OW
					yr := yp[o : o+OW]
					switch fW {
					case 1:
						copy(yr, xr)
					case 2:
						for w, v := range xr {
							yr[2*w], yr[2*w+1] = v, v
						}
					default:
						for w, v := range xr {
							blk := yr[w*fW : (w+1)*fW]
							for i := range blk {
								blk[i] = v
							}
						}
					}
					for i := 0; i < fD; i++ {
						for j := 0; j < fH; j++ {
							if i == 0 && j == 0 {
								continue
							}
							r := (((d*fD+i)*OH + h*fH + j) * OW)
							copy(yp[r:r+OW], yr)
						}
					}
				}
			}
		}
	})
}

// nearestUpGrad sums every fD×fH×fW block of dy into one element of dx.
func nearestUpGrad[T float](u *upGeom, dy, dx []T) {
	ip, op := u.inPlane(), u.outPlane()
	H, W := u.in[1], u.in[2]
	fD, fH, fW := u.f[0], u.f[1], u.f[2]
	OH, OW := u.out[1], u.out[2]
	parallelFor(u.planes, planeGrain(ip+op), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			dxp, dyp := dx[p*ip:(p+1)*ip], dy[p*op:(p+1)*op]
			for d := 0; d < u.in[0]; d++ {
				for h := 0; h < H; h++ {
					xr := dxp[(d*H+h)*W : (d*H+h+1)*W]
					clear(xr)
					for i := 0; i < fD; i++ {
						for j := 0; j < fH; j++ {
							r := ((d*fD+i)*OH + h*fH + j) * OW
							yr := dyp[r : r+OW]
							switch fW {
							case 1:
								for w, v := range yr {
									xr[w] += v
								}
							case 2:
								for w := range xr {
									xr[w] += yr[2*w] + yr[2*w+1]
								}
							default:
								for w := range xr {
									var s T
									for _, v := range yr[w*fW : (w+1)*fW] {
										s += v
									}
									xr[w] += s
								}
							}
						}
					}
				}
			}
		}
	})
}

// ---------------------------------------------------------------- bilinear

// UpsampleBilinear2D is bilinear upsampling of x (N, C, H, W) by integer
// factors f: output (N, C, H·f[0], W·f[1]), with PyTorch's
// interpolate(mode="bilinear", align_corners=False) semantics: output pixel
// o samples the input at (o + 0.5)/f - 0.5, clamped at 0, and the edge
// pixels are repeated beyond the last one.
func UpsampleBilinear2D(x *G.Node, f [2]int) (*G.Node, error) {
	const name = "UpsampleBilinear2D"
	if f[0] < 1 || f[1] < 1 {
		return nil, graph.ArgErrorf("ops: %s: factors must be >= 1, got %v", name, f)
	}
	if err := checkNode(name, "input", x, 4); err != nil {
		return nil, err
	}
	s := x.Shape()
	return resizeBilinear(name, x, s[2]*f[0], s[3]*f[1])
}

// ResizeBilinear2D resizes x (N, C, H, W) to (N, C, outH, outW) by bilinear
// interpolation, as PyTorch's interpolate(size=(outH, outW),
// mode="bilinear", align_corners=False): output pixel o samples the input
// at (o + 0.5)·in/out - 0.5, clamped at 0. It shrinks as well as grows.
func ResizeBilinear2D(x *G.Node, outH, outW int) (*G.Node, error) {
	return resizeBilinear("ResizeBilinear2D", x, outH, outW)
}

func resizeBilinear(name string, x *G.Node, outH, outW int) (*G.Node, error) {
	u, err := newUpGeom(name, x, 2)
	if err != nil {
		return nil, err
	}
	if outH < 1 || outW < 1 {
		return nil, graph.ArgErrorf("ops: %s: output size must be positive, got (%d, %d)", name, outH, outW)
	}
	u.out[1], u.out[2] = outH, outW
	u.finish()
	desc := fmt.Sprintf("%s(%s->%s)", name, graph.FormatShape(u.in[1:]), graph.FormatShape(u.out[1:]))
	op := &bilinearOp{opBase: newOpBase(desc), u: u, h: newLerpAxis(u.in[1], outH), w: newLerpAxis(u.in[2], outW)}
	return G.ApplyOp(op, x)
}

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

// bilinearOp is bilinear resizing of each plane.
type bilinearOp struct {
	opBase
	u    *upGeom
	h, w lerpAxis
	out  buffer
}

func (op *bilinearOp) Arity() int    { return 1 }
func (op *bilinearOp) Type() hm.Type { return rankType(4, 4) }
func (op *bilinearOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.u.yShape.Clone(), nil
}

func (op *bilinearOp) Do(vals ...G.Value) (G.Value, error) {
	return op.u.run(op.u.name, vals, false, &op.out,
		func(x, y []float32) { bilinearForward(op, x, y) },
		func(x, y []float64) { bilinearForward(op, x, y) })
}

func (op *bilinearOp) DiffWRT(int) []bool { return []bool{true} }

func (op *bilinearOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&bilinearGradOp{gradOpBase: newGradOpBase(op.String() + "Grad"), fwd: op}, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// bilinearGradOp is dx: each dy spread over its four source pixels with
// the interpolation weights.
type bilinearGradOp struct {
	gradOpBase
	fwd *bilinearOp
	out buffer
}

func (op *bilinearGradOp) Arity() int    { return 1 }
func (op *bilinearGradOp) Type() hm.Type { return sameType() }
func (op *bilinearGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.fwd.u.xShape.Clone(), nil
}

func (op *bilinearGradOp) Do(vals ...G.Value) (G.Value, error) {
	return op.fwd.u.run(op.String(), vals, true, &op.out,
		func(dy, dx []float32) { bilinearBackward(op.fwd, dy, dx) },
		func(dy, dx []float64) { bilinearBackward(op.fwd, dy, dx) })
}

// lerpWeights converts an axis's weights to T once per run.
func lerpWeights[T float](la lerpAxis) (l0, l1 []T) {
	l0, l1 = make([]T, len(la.l0)), make([]T, len(la.l1))
	for i := range la.l0 {
		l0[i], l1[i] = T(la.l0[i]), T(la.l1[i])
	}
	return l0, l1
}

// bilinearForward interpolates each plane along W first (every input row
// into a row of the output width, in t) and then along H (each output row
// is a weighted sum of two rows of t): the same arithmetic as PyTorch's
// h0λ·(w0λ·x00 + w1λ·x01) + h1λ·(w0λ·x10 + w1λ·x11), with tight row loops.
func bilinearForward[T float](op *bilinearOp, x, y []T) {
	u := op.u
	ip, opl := u.inPlane(), u.outPlane()
	H, W, OW := u.in[1], u.in[2], u.out[2]
	hl0, hl1 := lerpWeights[T](op.h)
	wl0, wl1 := lerpWeights[T](op.w)
	wi0, wi1 := op.w.i0[:OW], op.w.i1[:OW]
	parallelFor(u.planes, planeGrain(ip+opl), func(lo, hi int) {
		t := make([]T, H*OW)
		for p := lo; p < hi; p++ {
			xp, yp := x[p*ip:(p+1)*ip], y[p*opl:(p+1)*opl]
			for h := 0; h < H; h++ {
				xr, tr := xp[h*W:(h+1)*W], t[h*OW:(h+1)*OW]
				for ow := range tr {
					tr[ow] = wl0[ow]*xr[wi0[ow]] + wl1[ow]*xr[wi1[ow]]
				}
			}
			for oh := range op.h.i0 {
				t0 := t[op.h.i0[oh]*OW : (op.h.i0[oh]+1)*OW]
				t1 := t[op.h.i1[oh]*OW : (op.h.i1[oh]+1)*OW]
				a0, a1 := hl0[oh], hl1[oh]
				yr := yp[oh*OW : (oh+1)*OW]
				t0, t1 = t0[:len(yr)], t1[:len(yr)]
				for ow := range yr {
					yr[ow] = a0*t0[ow] + a1*t1[ow]
				}
			}
		}
	})
}

// bilinearBackward is the transpose of bilinearForward: dy's rows are
// spread over the two source rows (into t), then each row of t over the
// two source columns.
func bilinearBackward[T float](op *bilinearOp, dy, dx []T) {
	u := op.u
	ip, opl := u.inPlane(), u.outPlane()
	H, W, OW := u.in[1], u.in[2], u.out[2]
	hl0, hl1 := lerpWeights[T](op.h)
	wl0, wl1 := lerpWeights[T](op.w)
	wi0, wi1 := op.w.i0[:OW], op.w.i1[:OW]
	parallelFor(u.planes, planeGrain(ip+opl), func(lo, hi int) {
		t := make([]T, H*OW)
		for p := lo; p < hi; p++ {
			dxp, dyp := dx[p*ip:(p+1)*ip], dy[p*opl:(p+1)*opl]
			clear(t)
			for oh := range op.h.i0 {
				t0 := t[op.h.i0[oh]*OW : (op.h.i0[oh]+1)*OW]
				t1 := t[op.h.i1[oh]*OW : (op.h.i1[oh]+1)*OW]
				a0, a1 := hl0[oh], hl1[oh]
				gr := dyp[oh*OW : (oh+1)*OW]
				t0, t1 = t0[:len(gr)], t1[:len(gr)]
				for ow, g := range gr {
					t0[ow] += a0 * g
					t1[ow] += a1 * g
				}
			}
			for h := 0; h < H; h++ {
				xr, tr := dxp[h*W:(h+1)*W], t[h*OW:(h+1)*OW]
				clear(xr)
				for ow, g := range tr {
					xr[wi0[ow]] += wl0[ow] * g
					xr[wi1[ow]] += wl1[ow] * g
				}
			}
		}
	})
}
