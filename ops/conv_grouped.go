package ops

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GroupConv2D is the grouped 2-D convolution of x (N, C, H, W) with w
// (K, C/groups, kh, kw), PyTorch's Conv2d(groups=groups): the C input
// channels and the K output channels are split into groups consecutive
// blocks, and output channel o sees only the C/groups input channels of its
// block o / (K/groups). groups must divide both C and K. groups = 1 is
// Conv2D; groups = C is the depthwise convolution of MobileNet (K = C·m for
// a depth multiplier m). Output (N, K, H2, W2), each axis as in Conv2D.
// Values are (H, W).
//
// Parameters: K·(C/groups)·kh·kw, a groups-th of the ungrouped layer's.
func GroupConv2D(x, w *G.Node, stride, pad, dilation [2]int, groups int) (*G.Node, error) {
	return groupConv("GroupConv2D", 2, x, w, nil, ConvParams{Stride: stride[:], Pad: pad[:], Dilation: dilation[:]}, groups)
}

// GroupConvND is GroupConv2D for 1, 2 or 3 spatial axes (x of rank 3, 4 or
// 5) with an optional bias b (K) (nil for none) and the settings of
// ConvND (asymmetric padding, fused ReLU). groups = 1 is ConvND.
func GroupConvND(x, w, b *G.Node, p ConvParams, groups int) (*G.Node, error) {
	return groupConv("GroupConvND", 0, x, w, b, p, groups)
}

func groupConv(name string, rank int, x, w, b *G.Node, p ConvParams, groups int) (*G.Node, error) {
	if groups < 1 {
		return nil, graph.ArgErrorf("ops: %s: groups must be >= 1, got %d", name, groups)
	}
	if groups == 1 {
		if name == "GroupConvND" {
			name = "ConvND"
		}
		return conv(name, rank, x, w, b, p)
	}
	rank, name, err := convRank(name, rank, x, w)
	if err != nil {
		return nil, err
	}
	s, err := readSettings(name, rank, p.Stride, p.Pad, p.PadAfter, nil, p.Dilation, p.PadAfter != nil)
	if err != nil {
		return nil, err
	}
	xs, ws := x.Shape(), w.Shape()
	if xs[1]%groups != 0 || ws[0]%groups != 0 {
		return nil, graph.ShapeErrorf("ops: %s: groups (%d) must divide the input channels (%d, axis 1 of %s) and the output channels (%d, axis 0 of the weight %s)",
			name, groups, xs[1], graph.FormatShape(xs), ws[0], graph.FormatShape(ws))
	}
	if ws[1]*groups != xs[1] {
		return nil, graph.ShapeErrorf("ops: %s: the weight %s must have C/groups = %d/%d = %d input channels per group (its axis 1), got %d",
			name, graph.FormatShape(ws), xs[1], groups, xs[1]/groups, ws[1])
	}
	nodes, err := convInputs(name, x, w, b, ws[0])
	if err != nil {
		return nil, err
	}
	out := make([]int, rank)
	for i, axis := range axisNames(rank) {
		if out[i], err = convOutSizeAsym(xs[2+i], ws[2+i], s.stride[i], s.pad[i], s.padAfter[i], s.dil[i]); err != nil {
			return nil, axisError(name, axis, err)
		}
	}
	g := s.geom(rank, xs[0], xs[1], ws[0], xs[2:], out, ws[2:])
	attrs := s.attrs(rank, false) + fmt.Sprintf(", groups=%d", groups)
	y, err := applyDef(groupConvDef(newGroupRun(groupForward, rank, g, groups, b != nil), name, attrs), nodes...)
	if err != nil || !p.ReLU {
		return y, err
	}
	return ReLU(y)
}

// groupKind selects what a groupRun computes.
type groupKind int

const (
	// groupForward: image (N, C, in...), w [, b (K)] → columns (N, K, out...).
	groupForward groupKind = iota
	// groupData: columns' gradient, w → image's gradient.
	groupData
	// groupFilter: columns' gradient, image → weight gradient (K, C/groups, k...).
	groupFilter
)

// groupRun is one grouped convolution op: its kind, geometry and the
// engine path's scratch. With one input channel per group (depthwise) it
// is computed directly, without im2col: each output plane (n, o) is a sum
// over the kernel taps of a shifted input row times one weight, so a
// depthwise convolution costs one pass over its planes per tap instead of
// C separate convolutions. Its two gradient kinds are the same loops
// scattered into the input (groupData) and reduced into the weight
// (groupFilter); all three run in parallel over planes that no other
// worker writes, so results do not depend on the number of workers. With
// groupEngineMin or more input channels per group, each group's channels
// are gathered into contiguous tensors and run through the convolution
// engine (matrix products), group after group.
type groupRun struct {
	kind   groupKind
	rank   int
	geom   convGeom // c and k are the total channel counts
	groups int
	bias   bool
	eng    convEngine // the engine path's scratch
	img    any        // the engine path's gathered image side ([]T)
	col    any        // the engine path's gathered column side ([]T)
}

// groupEngineMin is the number of input channels per group from which a
// grouped convolution runs through the convolution engine, group by
// group: a group's products are then C/groups·∏k deep, enough for the
// matrix kernels to beat the direct loops.
const groupEngineMin = 2

func newGroupRun(kind groupKind, rank int, g convGeom, groups int, bias bool) *groupRun {
	return &groupRun{kind: kind, rank: rank, geom: g, groups: groups, bias: bias}
}

// groupConvDef is the grouped convolution r on the kit, named name with
// the settings attrs (", bias" is added for a bias). Its gradients are
// the groupData and groupFilter kinds and channelSum.
func groupConvDef(r *groupRun, name, attrs string) *opDef {
	d := &opDef{
		name: name, attrs: attrs, isGrad: r.kind != groupForward,
		shape: func(in []tensor.Shape) (tensor.Shape, error) { return r.checkShapes(name, in) },
		f32:   groupConvKernels[float32](r),
		f64:   groupConvKernels[float64](r),
	}
	if r.bias {
		d.attrs += ", bias"
	}
	if r.kind == groupForward {
		d.symDiff = func(inputs G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			dx, err := applyDef(groupConvDef(newGroupRun(groupData, r.rank, r.geom, r.groups, false), name+"∂x", attrs), dy, inputs[1])
			if err != nil {
				return nil, err
			}
			dw, err := applyDef(groupConvDef(newGroupRun(groupFilter, r.rank, r.geom, r.groups, false), name+"∂w", attrs), dy, inputs[0])
			if err != nil {
				return nil, err
			}
			out := G.Nodes{dx, dw}
			if r.bias {
				db, err := channelSum(name+"∂b", dy)
				if err != nil {
					return nil, err
				}
				out = append(out, db)
			}
			return out, nil
		}
	}
	return d
}

func (r *groupRun) imageShape() tensor.Shape {
	return append(tensor.Shape{r.geom.n, r.geom.c}, r.geom.in[3-r.rank:]...)
}

func (r *groupRun) columnShape() tensor.Shape {
	return append(tensor.Shape{r.geom.n, r.geom.k}, r.geom.out[3-r.rank:]...)
}

func (r *groupRun) weightShape() tensor.Shape {
	return append(tensor.Shape{r.geom.k, r.geom.c / r.groups}, r.geom.ker[3-r.rank:]...)
}

// checkShapes is the op's shape function: the input shapes must be those
// of its geometry; it returns the output shape.
func (r *groupRun) checkShapes(name string, in []tensor.Shape) (tensor.Shape, error) {
	var want []tensor.Shape
	var out tensor.Shape
	switch r.kind {
	case groupForward:
		want, out = []tensor.Shape{r.imageShape(), r.weightShape()}, r.columnShape()
		if r.bias {
			want = append(want, tensor.Shape{r.geom.k})
		}
	case groupData:
		want, out = []tensor.Shape{r.columnShape(), r.weightShape()}, r.imageShape()
	default:
		want, out = []tensor.Shape{r.columnShape(), r.imageShape()}, r.weightShape()
	}
	return out, wantShapes(name, in, want)
}

func groupConvKernels[T float](r *groupRun) kernels[T] {
	return kernels[T]{forward: func(a fwdArgs[T]) error {
		x, w, y := a.in[0].data, a.in[1].data, a.out.data
		var bias []T
		if r.bias {
			bias = a.in[2].data
		}
		if r.geom.c/r.groups >= groupEngineMin {
			groupConvEngine(r, x, w, bias, y)
			return nil
		}
		switch r.kind {
		case groupForward:
			groupConvForward(&r.geom, r.groups, x, w, bias, y)
		case groupData:
			groupConvData(&r.geom, r.groups, x, w, y)
		default:
			groupConvFilter(&r.geom, r.groups, x, w, y)
		}
		return nil
	}}
}

// groupConvEngine runs op group by group through the convolution engine:
// the group's channels of the image side and/or the column side are
// gathered into contiguous (N, C/groups, ...) and (N, K/groups, ...)
// tensors, the group's weights are already contiguous, and the result is
// scattered back (or, for the filter gradient, written in place).
func groupConvEngine[T float](op *groupRun, a, b, bias, y []T) {
	g := op.geom
	cg, kg := g.c/op.groups, g.k/op.groups
	sub := g
	sub.c, sub.k = cg, kg
	pin, pout := g.inSize(), g.outSize()
	wsz := kg * cg * prod3(g.ker)
	img := groupScratch[T](&op.img, g.n*cg*pin)
	col := groupScratch[T](&op.col, g.n*kg*pout)
	for gi := range op.groups {
		switch op.kind {
		case groupForward: // a = x, b = w
			copyChannels(a, g.n, g.c, pin, gi*cg, img, cg, 0, cg)
			var bg []T
			if bias != nil {
				bg = bias[gi*kg : (gi+1)*kg]
			}
			convForward(&op.eng, &sub, img, b[gi*wsz:(gi+1)*wsz], bg, false, col)
			copyChannels(col, g.n, kg, pout, 0, y, g.k, gi*kg, kg)
		case groupData: // a = dy, b = w
			copyChannels(a, g.n, g.k, pout, gi*kg, col, kg, 0, kg)
			convBackwardData(&op.eng, &sub, col, b[gi*wsz:(gi+1)*wsz], nil, false, img)
			copyChannels(img, g.n, cg, pin, 0, y, g.c, gi*cg, cg)
		default: // a = dy, b = x
			copyChannels(a, g.n, g.k, pout, gi*kg, col, kg, 0, kg)
			copyChannels(b, g.n, g.c, pin, gi*cg, img, cg, 0, cg)
			convBackwardFilter(&op.eng, &sub, col, img, y[gi*wsz:(gi+1)*wsz])
		}
	}
}

// groupScratch returns the buffer held in b, of length n, reusing it when
// it is large enough.
func groupScratch[T float](b *any, n int) []T {
	if s, ok := (*b).([]T); ok && cap(s) >= n {
		return s[:n]
	}
	s := make([]T, n)
	*b = s
	return s
}

// copyChannels copies, for each of n images, the cnt channels starting at
// channel from of src (n, srcC, p) to the channels starting at to of dst
// (n, dstC, p).
func copyChannels[T float](src []T, n, srcC, p, from int, dst []T, dstC, to, cnt int) {
	parallelFor(n, max(1, (1<<15)/max(1, cnt*p)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			copy(dst[(i*dstC+to)*p:(i*dstC+to+cnt)*p], src[(i*srcC+from)*p:(i*srcC+from+cnt)*p])
		}
	})
}

// groupTap visits, for one kernel tap (kd, kh, kw), every output row
// (od, oh) whose input row lies inside the input, with the offsets of the
// output row and of the input row, and the output column range [lo, hi)
// whose input column ow·sw + off lies inside the input row.
func groupTap(g *convGeom, kd, kh, kw int, fn func(outRow, inRow, lo, hi, off int)) {
	offW := kw*g.dil[2] - g.pad[2]
	lo, hi := validRange(offW, g.stride[2], g.in[2], g.out[2])
	if lo >= hi {
		return
	}
	dlo, dhi := validRange(kd*g.dil[0]-g.pad[0], g.stride[0], g.in[0], g.out[0])
	hlo, hhi := validRange(kh*g.dil[1]-g.pad[1], g.stride[1], g.in[1], g.out[1])
	for od := dlo; od < dhi; od++ {
		id := od*g.stride[0] - g.pad[0] + kd*g.dil[0]
		for oh := hlo; oh < hhi; oh++ {
			ih := oh*g.stride[1] - g.pad[1] + kh*g.dil[1]
			fn((od*g.out[1]+oh)*g.out[2], (id*g.in[1]+ih)*g.in[2], lo, hi, offW)
		}
	}
}

// groupGrain is the number of planes a worker takes at least, so that
// small tensors are not split over goroutines.
func groupGrain(planeSize int) int { return max(1, 4096/max(1, planeSize)) }

// groupConvForward computes y (N, K, out...) from x (N, C, in...), w
// (K, C/groups, k...) and an optional bias (K).
func groupConvForward[T float](g *convGeom, groups int, x, w, bias, y []T) {
	cg, kg := g.c/groups, g.k/groups
	taps, pin, pout := prod3(g.ker), g.inSize(), g.outSize()
	sw := g.stride[2]
	parallelFor(g.n*g.k, groupGrain(pout*cg*taps), func(lo, hi int) {
		for idx := lo; idx < hi; idx++ {
			n, o := idx/g.k, idx%g.k
			yp := y[idx*pout : (idx+1)*pout]
			var bv T
			if bias != nil {
				bv = bias[o]
			}
			for i := range yp {
				yp[i] = bv
			}
			for j := range cg {
				ci := (o/kg)*cg + j
				xp := x[(n*g.c+ci)*pin : (n*g.c+ci+1)*pin]
				wp := w[(o*cg+j)*taps : (o*cg+j+1)*taps]
				t := 0
				for kd := range g.ker[0] {
					for kh := range g.ker[1] {
						for kw := range g.ker[2] {
							wv := wp[t]
							t++
							groupTap(g, kd, kh, kw, func(outRow, inRow, lo, hi, off int) {
								yr := yp[outRow+lo : outRow+hi]
								if sw == 1 {
									xr := xp[inRow+lo+off : inRow+hi+off]
									for i := range yr {
										yr[i] += wv * xr[i]
									}
									return
								}
								xi := inRow + lo*sw + off
								for i := range yr {
									yr[i] += wv * xp[xi]
									xi += sw
								}
							})
						}
					}
				}
			}
		}
	})
}

// groupConvData computes the input gradient dx (N, C, in...) from the
// output gradient dy (N, K, out...) and w: every output value scatters
// back onto the input values it read, scaled by their weight.
func groupConvData[T float](g *convGeom, groups int, dy, w, dx []T) {
	cg, kg := g.c/groups, g.k/groups
	taps, pin, pout := prod3(g.ker), g.inSize(), g.outSize()
	sw := g.stride[2]
	parallelFor(g.n*g.c, groupGrain(pout*kg*taps), func(lo, hi int) {
		for idx := lo; idx < hi; idx++ {
			n, ci := idx/g.c, idx%g.c
			grp, j := ci/cg, ci%cg
			xp := dx[idx*pin : (idx+1)*pin]
			clear(xp)
			for o := grp * kg; o < (grp+1)*kg; o++ {
				yp := dy[(n*g.k+o)*pout : (n*g.k+o+1)*pout]
				wp := w[(o*cg+j)*taps : (o*cg+j+1)*taps]
				t := 0
				for kd := range g.ker[0] {
					for kh := range g.ker[1] {
						for kw := range g.ker[2] {
							wv := wp[t]
							t++
							groupTap(g, kd, kh, kw, func(outRow, inRow, lo, hi, off int) {
								yr := yp[outRow+lo : outRow+hi]
								if sw == 1 {
									xr := xp[inRow+lo+off : inRow+hi+off]
									for i, v := range yr {
										xr[i] += wv * v
									}
									return
								}
								xi := inRow + lo*sw + off
								for _, v := range yr {
									xp[xi] += wv * v
									xi += sw
								}
							})
						}
					}
				}
			}
		}
	})
}

// groupConvFilter computes the weight gradient dw (K, C/groups, k...) from
// dy (N, K, out...) and x (N, C, in...): each weight's gradient is the sum,
// over the batch and the output positions, of the output gradient times
// the input value the weight multiplied.
func groupConvFilter[T float](g *convGeom, groups int, dy, x, dw []T) {
	cg, kg := g.c/groups, g.k/groups
	taps, pin, pout := prod3(g.ker), g.inSize(), g.outSize()
	sw := g.stride[2]
	parallelFor(g.k*cg, groupGrain(g.n*pout*taps), func(lo, hi int) {
		for idx := lo; idx < hi; idx++ {
			o, j := idx/cg, idx%cg
			ci := (o/kg)*cg + j
			wp := dw[idx*taps : (idx+1)*taps]
			t := 0
			for kd := range g.ker[0] {
				for kh := range g.ker[1] {
					for kw := range g.ker[2] {
						// rows are summed in T, the rows' sums in float64: a
						// float32 sum over a batch of large maps would lose digits
						var s float64
						for n := range g.n {
							yp := dy[(n*g.k+o)*pout : (n*g.k+o+1)*pout]
							xp := x[(n*g.c+ci)*pin : (n*g.c+ci+1)*pin]
							groupTap(g, kd, kh, kw, func(outRow, inRow, lo, hi, off int) {
								var rs T
								yr := yp[outRow+lo : outRow+hi]
								if sw == 1 {
									xr := xp[inRow+lo+off : inRow+hi+off]
									for i, v := range yr {
										rs += v * xr[i]
									}
								} else {
									xi := inRow + lo*sw + off
									for _, v := range yr {
										rs += v * xp[xi]
										xi += sw
									}
								}
								s += float64(rs)
							})
						}
						wp[t] = T(s)
						t++
					}
				}
			}
		}
	})
}
