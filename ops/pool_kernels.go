package ops

import (
	"math"
	"math/bits"

	"github.com/convnet-go/convnet/internal/gemm"
)

// Max pooling.

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
// the window holds one (as the argmax path gives). Plain 2x2 windows at
// stride 2 (maxPoolHalves) take one pass over row pairs; other 2x2
// windows (stride 3, say) go through the window tables.
func maxPoolValues[T float](g *poolGeom, x, y []T) {
	if maxPoolHalves(g) {
		maxPoolHalvesValues(g, x, y)
		return
	}
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

// maxPoolHalves reports whether g is MaxPool2D(2) without padding: windows
// one deep along D, and rows and columns 2o and 2o+1 for output o along H
// and W (floor mode drops an odd last row or column).
func maxPoolHalves(g *poolGeom) bool {
	if g.out[0] != g.in[0] || g.out[1] == 0 || g.out[2] == 0 {
		return false
	}
	for o := range g.out[0] {
		if g.lo[0][o] != o || g.hi[0][o] != o+1 {
			return false
		}
	}
	for a := 1; a <= 2; a++ {
		for o := range g.out[a] {
			if g.lo[a][o] != 2*o || g.hi[a][o] != 2*o+2 {
				return false
			}
		}
	}
	return true
}

// maxPoolHalvesValues is maxPoolValues for maxPoolHalves geometries: each
// output row is one pass over its two input rows, with no window tables.
func maxPoolHalvesValues[T float](g *poolGeom, x, y []T) {
	H, W, OH, OW := g.in[1], g.in[2], g.out[1], g.out[2]
	slices := g.planes * g.in[0] // (plane, d): one 2-D slice each
	rowPair := maxPoolRowPairFor[T]()
	parallelFor(slices, planeGrain(H*W+OH*OW), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			xp, yp := x[p*H*W:(p+1)*H*W], y[p*OH*OW:(p+1)*OH*OW]
			for oh := range OH {
				rowPair(yp[oh*OW:(oh+1)*OW], xp[2*oh*W:(2*oh+1)*W], xp[(2*oh+1)*W:(2*oh+2)*W])
			}
		}
	})
}

// maxPoolRowPairFor returns the row kernel of 2x2 stride-2 pooling for T:
// gemm.MaxPool2 (vectorised) for float32, maxPoolRowPair for float64.
func maxPoolRowPairFor[T float]() func(y, r0, r1 []T) {
	if f, ok := any(gemm.MaxPool2).(func(y, r0, r1 []T)); ok {
		return f
	}
	return maxPoolRowPair[T]
}

// maxPoolRowPair sets y[i] to the maximum of r0[2i], r0[2i+1], r1[2i] and
// r1[2i+1] (NaN if one is), two outputs per step.
func maxPoolRowPair[T float](y, r0, r1 []T) {
	n := len(y)
	r0, r1 = r0[:2*n], r1[:2*n]
	i := 0
	for ; i+2 <= n; i += 2 {
		a, b := (*[4]T)(r0[2*i:]), (*[4]T)(r1[2*i:])
		v := (*[2]T)(y[i:])
		v[0] = max(max(a[0], a[1]), max(b[0], b[1]))
		v[1] = max(max(a[2], a[3]), max(b[2], b[3]))
	}
	if i < n {
		y[i] = max(max(r0[2*i], r0[2*i+1]), max(r1[2*i], r1[2*i+1]))
	}
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

// maxPoolBackward routes every dy to the input element its window took
// (arg, the plane-local argmax the forward saved).
func maxPoolBackward[T float](g *poolGeom, dy, dx []T, arg []int32) {
	ip, op := g.inPlane(), g.outPlane()
	parallelFor(g.planes, planeGrain(ip+op), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			d := dx[p*ip : (p+1)*ip]
			clear(d)
			a := arg[p*op : (p+1)*op]
			for o, v := range dy[p*op : (p+1)*op] {
				d[a[o]] += v
			}
		}
	})
}

// Average pooling.

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
				pr := (*[2]T)(row[w:])
				pr[0] += v
				pr[1] += v
			}
		case 3:
			for ow := a; ow < b; ow++ {
				w, v := ow*s-p, gr[ow]
				pr := (*[3]T)(row[w:])
				pr[0] += v
				pr[1] += v
				pr[2] += v
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
