package ops

import "runtime"

// Stride-1 convolutions without im2col ("shifted GEMMs").
//
// With stride 1, the im2col row of kernel tap t is the padded image itself,
// shifted by the tap's offset. Lay the zero-padded image out flat on its
// padded extent E (E = out + dilation·(k-1) per axis, the image at offset
// pad), and let every output position o be the flat index of its window's
// first element. Then
//
//	y[k][o] = Σ_t Σ_c W[k][c][t] · xpad[c][o + shift_t]
//
// for all taps t at once: one GEMM per tap, W_t (K×C) times the padded
// image read from shift_t on (C rows, ld apart), accumulated into an
// "extended" output on the same flat grid. Flat positions whose window
// wraps around a row end are computed too and dropped afterwards; that
// waste is E/P (1.13 for 32x32 with pad 1), far below im2col's copy of
// every input value ∏k times. The input gradient is the adjoint (each tap
// adds W_tᵀ·dy into the padded gradient at shift_t) and the filter
// gradient is dW_t = dy_ext · xpad_shiftᵀ with the dropped positions of
// dy_ext set to zero. Groups of images sit side by side on the flat grid,
// each on its own padded plane.
//
// The forward and filter passes stack the taps of the innermost axis: the
// rows (c, kw) of a "stacked" image hold channel c shifted by kw·dilation,
// so that one GEMM per (kd, kh) covers all kw with C·KW as its depth (or
// width, for dW). A 3x3 kernel then needs 3 GEMMs over the output instead
// of 9, and dW's products are C·3 wide instead of C, which matters for
// thin layers (16 or 32 channels). The copies cost KW-1 padded images.

// shiftGeom is the flat padded grid of a stride-1 convolution.
type shiftGeom struct {
	ext    [3]int // padded extent per axis
	plane  int    // ∏ext: one image's padded plane
	cols   int    // flat positions from the first to the last output of one image
	shifts []int  // flat offset of each kernel tap, in weight order (kd, kh, kw)
	outer  []int  // flat offset of each (kd, kh), for the stacked passes
	inner  int    // KW: taps stacked into the rows (c, kw)
	step   int    // flat offset between stacked taps: the W dilation
}

// shiftMaxWaste bounds plane/P for the shifted path: small feature maps
// (8x8 is 1.56 with pad 1) waste more on the padding than im2col costs.
const shiftMaxWaste = 1.35

// shiftMinChannels is the fewest image channels for the shifted path:
// each tap is a GEMM with C as its depth, and with very few channels the
// taps' passes over the output cost more than im2col's small matrix
// (C·∏k rows).
const shiftMinChannels = 8

// shiftGeometry returns the padded grid when the shifted path applies:
// stride 1, not a plain 1x1 product, enough channels and little padding
// waste. Its tap offsets are stored in sc's reused slices (valid until the
// next shiftGeometry call with sc).
func (g *convGeom) shiftGeometry(sc *convScratch) (shiftGeom, bool) {
	if g.stride != [3]int{1, 1, 1} || g.direct() || g.outSize() == 0 || g.c < shiftMinChannels {
		return shiftGeom{}, false
	}
	s := newShiftGeom(g, sc.shiftOuter, sc.shiftTaps)
	sc.shiftOuter, sc.shiftTaps = s.outer, s.shifts
	return s, float64(s.plane) <= shiftMaxWaste*float64(g.outSize())
}

// newShiftGeom computes the padded grid of a stride-1 convolution, its tap
// offsets appended to outer[:0] and shifts[:0] (nil: fresh slices).
func newShiftGeom(g *convGeom, outer, shifts []int) shiftGeom {
	s := shiftGeom{outer: outer[:0], shifts: shifts[:0]}
	for a := range 3 {
		s.ext[a] = g.out[a] + g.dil[a]*(g.ker[a]-1)
	}
	s.plane = prod3(s.ext)
	s.cols = (g.out[0]-1)*s.ext[1]*s.ext[2] + (g.out[1]-1)*s.ext[2] + g.out[2]
	for kd := 0; kd < g.ker[0]; kd++ {
		for kh := 0; kh < g.ker[1]; kh++ {
			s.outer = append(s.outer, (kd*g.dil[0]*s.ext[1]+kh*g.dil[1])*s.ext[2])
			for kw := 0; kw < g.ker[2]; kw++ {
				s.shifts = append(s.shifts, (kd*g.dil[0]*s.ext[1]+kh*g.dil[1])*s.ext[2]+kw*g.dil[2])
			}
		}
	}
	s.inner, s.step = g.ker[2], g.dil[2]
	return s
}

// stackImages writes the stacked padded images [lo, hi) of x into xs
// (C·inner rows, ld apart): row (c, kw) is channel c's padded row shifted
// left by kw·step, zeros at its end.
func stackImages[T float](g *convGeom, s *shiftGeom, x, xs []T, lo, hi, ld int) {
	size := g.c * g.inSize()
	for n := lo; n < hi; n++ {
		padImage(g, s, x[n*size:(n+1)*size], xs, s.inner*ld, (n-lo)*s.plane)
	}
	for c := 0; c < g.c; c++ {
		base := xs[c*s.inner*ld : (c*s.inner+1)*ld]
		for kw := 1; kw < s.inner; kw++ {
			sh := kw * s.step
			row := xs[(c*s.inner+kw)*ld : (c*s.inner+kw+1)*ld]
			copy(row, base[min(sh, ld):])
			clear(row[max(0, ld-sh):])
		}
	}
}

// stackedWeights writes w (K, C, outer, inner) as wr (outer, K, C·inner),
// column (c, kw).
func stackedWeights[T float](e *convEngine, w []T, k, c, outer, inner int, wr []T) {
	reorderWeights(e, weightsLoop[T]{kind: weightsStack, src: w, dst: wr, k: k, c: c, outer: outer, inner: inner}, k, max(1, (1<<15)/max(1, c*inner*outer)))
}

// groupCols is the number of GEMM columns for a group of gs images.
func (s *shiftGeom) groupCols(gs int) int { return (gs-1)*s.plane + s.cols }

// shiftGroupSize is groupSize with the padded plane as the unit.
func (g *convGeom) shiftGroupSize(s *shiftGeom, workers int) int {
	gs := (colTarget + s.plane - 1) / s.plane
	gs = min(gs, (g.n+workers-1)/max(1, workers))
	return max(1, min(gs, g.n))
}

// padImage writes image x (c, in...) into columns [off, off+plane) of xp
// (c rows, ld apart): the image at offset pad on the padded extent, zeros
// around it. Input beyond the extent is never read by the convolution and
// is left out.
func padImage[T float](g *convGeom, s *shiftGeom, x, xp []T, ld, off int) {
	e0, e1, e2 := s.ext[0], s.ext[1], s.ext[2]
	i0, i1, i2 := g.in[0], g.in[1], g.in[2]
	p0, p1, p2 := g.pad[0], g.pad[1], g.pad[2]
	lo2, hi2 := p2, min(e2, p2+i2) // columns of the extent the image covers
	for c := 0; c < g.c; c++ {
		xc := x[c*i0*i1*i2 : (c+1)*i0*i1*i2]
		dst := xp[c*ld+off : c*ld+off+s.plane]
		for d := 0; d < e0; d++ {
			zd := d - p0
			for h := 0; h < e1; h++ {
				row := dst[(d*e1+h)*e2 : (d*e1+h+1)*e2]
				zh := h - p1
				if zd < 0 || zd >= i0 || zh < 0 || zh >= i1 || lo2 >= hi2 {
					clear(row)
					continue
				}
				clear(row[:lo2])
				copy(row[lo2:hi2], xc[(zd*i1+zh)*i2:])
				clear(row[hi2:])
			}
		}
	}
}

// unpadImage writes the interior of a padded gradient back into image dx
// (c, in...): dx = dxp at the image positions, plus b[c] when b is not
// nil, then max(0, ·) with relu. Image positions outside the extent get
// b[c] (or 0, and max(0, b[c]) with relu).
func unpadImage[T float](g *convGeom, s *shiftGeom, dxp []T, ld, off int, b []T, relu bool, dx []T) {
	e1, e2 := s.ext[1], s.ext[2]
	i0, i1, i2 := g.in[0], g.in[1], g.in[2]
	p0, p1, p2 := g.pad[0], g.pad[1], g.pad[2]
	for c := 0; c < g.c; c++ {
		var bv T
		if b != nil {
			bv = b[c]
		}
		fill := bv
		if relu {
			fill = max(bv, 0)
		}
		dc := dx[c*i0*i1*i2 : (c+1)*i0*i1*i2]
		src := dxp[c*ld+off : c*ld+off+s.plane]
		for d := 0; d < i0; d++ {
			ed := d + p0
			for h := 0; h < i1; h++ {
				out := dc[(d*i1+h)*i2 : (d*i1+h+1)*i2]
				eh := h + p1
				n := 0 // image columns inside the extent
				if ed < s.ext[0] && eh < e1 {
					n = max(0, min(i2, e2-p2))
				}
				if n > 0 {
					epilogue(src[(ed*e1+eh)*e2+p2:(ed*e1+eh)*e2+p2+n], bv, relu, out[:n])
				}
				for j := n; j < i2; j++ {
					out[j] = fill
				}
			}
		}
	}
}

// extImage copies the rows of an output image src (rows, out...) into
// the columns of a flat-grid matrix dst (rows, ld apart) from off on, with
// zeros at the positions that are not outputs, up to the next image's
// plane or the end of the matrix.
func extImage[T float](g *convGeom, s *shiftGeom, src, dst []T, rows, ld, off int) {
	o0, o1, o2 := g.out[0], g.out[1], g.out[2]
	e1, e2 := s.ext[1], s.ext[2]
	span := min(s.plane, ld-off) // this image's columns
	for r := 0; r < rows; r++ {
		sr := src[r*o0*o1*o2 : (r+1)*o0*o1*o2]
		clear(dst[r*ld+off+s.cols : r*ld+off+span])
		dr := dst[r*ld+off : r*ld+off+s.cols]
		for d := 0; d < o0; d++ {
			for h := 0; h < o1; h++ {
				at := (d*e1 + h) * e2
				copy(dr[at:at+o2], sr[(d*o1+h)*o2:(d*o1+h+1)*o2])
				// the gap up to the next output row (or plane)
				end := at + e2
				if h == o1-1 {
					end = ((d + 1) * e1) * e2
				}
				clear(dr[at+o2 : min(end, s.cols)])
			}
		}
	}
}

// compactImage copies the outputs of one image from the flat-grid matrix
// src (k rows, ld apart, its columns from off) into dst (k, out...),
// adding b[k] when b is not nil, then max(0, ·) with relu.
func compactImage[T float](g *convGeom, s *shiftGeom, src []T, rows, ld, off int, b []T, relu bool, dst []T) {
	o0, o1, o2 := g.out[0], g.out[1], g.out[2]
	e1, e2 := s.ext[1], s.ext[2]
	for r := 0; r < rows; r++ {
		sr := src[r*ld+off : r*ld+off+s.cols]
		dr := dst[r*o0*o1*o2 : (r+1)*o0*o1*o2]
		var bv T
		if b != nil {
			bv = b[r]
		}
		for d := 0; d < o0; d++ {
			for h := 0; h < o1; h++ {
				epilogue(sr[(d*e1+h)*e2:(d*e1+h)*e2+o2], bv, relu, dr[(d*o1+h)*o2:(d*o1+h+1)*o2])
			}
		}
	}
}

// tapMajorT writes w (k, c, taps) as wr (taps, c, k): each tap's Wᵀ.
func tapMajorT[T float](e *convEngine, w []T, k, c, taps int, wr []T) {
	reorderWeights(e, weightsLoop[T]{kind: weightsTapMajor, src: w, dst: wr, k: k, c: c, taps: taps}, k, max(1, (1<<15)/max(1, c*taps)))
}

// shiftForward is convForward on the shifted path, with stacked taps.
func shiftForward[T float](e *convEngine, g *convGeom, s *shiftGeom, x, w, b []T, relu bool, y []T) {
	outer, ci := len(s.outer), g.c*s.inner
	kci := g.k * ci
	wr := sharedScratch[T](e, outer*kci)
	stackedWeights(e, w, g.k, g.c, outer, s.inner, wr)
	ys := g.k * g.outSize()
	gs := g.shiftGroupSize(s, runtime.GOMAXPROCS(0))
	l := loopOf[shiftForwardLoop[T]](e, loopShiftForward)
	wms := l.wms[:0]
	for o := range outer {
		wms = append(wms, packWeights(e, o, wr[o*kci:(o+1)*kci], g.k, ci, s.groupCols(gs)))
	}
	*l = shiftForwardLoop[T]{e: e, g: *g, s: *s, x: x, b: b, y: y, relu: relu, ci: ci, ys: ys, wms: wms}
	e.run(g.n, gs, l)
	clear(wms)
	*l = shiftForwardLoop[T]{wms: wms[:0]}
}

// shiftForwardLoop is shiftForward's loop over groups of images.
type shiftForwardLoop[T float] struct {
	e       *convEngine
	g       convGeom
	s       shiftGeom
	x, b, y []T
	relu    bool
	ci, ys  int
	wms     []weightMatrix[T] // per outer tap
}

func (l *shiftForwardLoop[T]) group(wk, lo, hi int) {
	e, g, s, x, b, y, relu, ci, ys, wms := l.e, &l.g, &l.s, l.x, l.b, l.y, l.relu, l.ci, l.ys, l.wms
	ld := (hi - lo) * s.plane
	cols := s.groupCols(hi - lo)
	xs := scratch[T](e, wk, 0, ci*ld)
	stackImages(g, s, x, xs, lo, hi, ld)
	out := scratch[T](e, wk, 2, g.k*cols)
	for o, sh := range s.outer {
		var beta T
		if o > 0 {
			beta = 1
		}
		wms[o].mul(cols, xs[sh:], ld, beta, out, cols)
	}
	if b != nil || relu {
		// the bias and ReLU in one long pass per channel over the whole
		// flat grid (dropped positions too: about 15% more values), not
		// a short call per output row
		for r := 0; r < g.k; r++ {
			var bv T
			if b != nil {
				bv = b[r]
			}
			row := out[r*cols : (r+1)*cols]
			epilogue(row, bv, relu, row)
		}
	}
	for n := lo; n < hi; n++ {
		compactImage(g, s, out, g.k, cols, (n-lo)*s.plane, nil, false, y[n*ys:(n+1)*ys])
	}
}

// shiftBackwardData is convBackwardData on the shifted path.
func shiftBackwardData[T float](e *convEngine, g *convGeom, s *shiftGeom, dy, w, b []T, relu bool, dx []T) {
	taps, kc := len(s.shifts), g.k*g.c
	wr := sharedScratch[T](e, taps*kc)
	tapMajorT(e, w, g.k, g.c, taps, wr)
	xs, ys := g.c*g.inSize(), g.k*g.outSize()
	l := loopOf[shiftBackwardDataLoop[T]](e, loopShiftBackwardData)
	*l = shiftBackwardDataLoop[T]{e: e, g: *g, s: *s, dy: dy, b: b, dx: dx, wr: wr, relu: relu, kc: kc, xs: xs, ys: ys}
	e.run(g.n, g.shiftGroupSize(s, runtime.GOMAXPROCS(0)), l)
	*l = shiftBackwardDataLoop[T]{}
}

// shiftBackwardDataLoop is shiftBackwardData's loop over groups of images.
type shiftBackwardDataLoop[T float] struct {
	e             *convEngine
	g             convGeom
	s             shiftGeom
	dy, b, dx, wr []T
	relu          bool
	kc, xs, ys    int
}

func (l *shiftBackwardDataLoop[T]) group(wk, lo, hi int) {
	e, g, s, dy, b, dx, wr, relu, kc, xs, ys := l.e, &l.g, &l.s, l.dy, l.b, l.dx, l.wr, l.relu, l.kc, l.xs, l.ys
	ld := (hi - lo) * s.plane
	cols := s.groupCols(hi - lo)
	in := scratch[T](e, wk, 2, g.k*cols)
	for n := lo; n < hi; n++ {
		extImage(g, s, dy[n*ys:(n+1)*ys], in, g.k, cols, (n-lo)*s.plane)
	}
	dxp := scratch[T](e, wk, 0, g.c*ld)
	clear(dxp)
	for t, sh := range s.shifts {
		gemmT(false, false, g.c, cols, g.k, wr[t*kc:(t+1)*kc], g.k, in, cols, 1, dxp[sh:], ld)
	}
	for n := lo; n < hi; n++ {
		unpadImage(g, s, dxp, ld, (n-lo)*s.plane, b, relu, dx[n*xs:(n+1)*xs])
	}
}

// shiftBackwardFilter is convBackwardFilter on the shifted path, with
// stacked taps: each worker accumulates dW as (outer, K, C·inner); the
// parts are summed into dw (K, C, outer·inner) at the end.
func shiftBackwardFilter[T float](e *convEngine, g *convGeom, s *shiftGeom, dy, x, dw []T) {
	outer, ci := len(s.outer), g.c*s.inner
	kci, taps := g.k*ci, outer*s.inner
	ys := g.k * g.outSize()
	gs := g.shiftGroupSize(s, runtime.GOMAXPROCS(0))
	l := loopOf[shiftBackwardFilterLoop[T]](e, loopShiftBackwardFilter)
	*l = shiftBackwardFilterLoop[T]{e: e, g: *g, s: *s, dy: dy, x: x, started: workerFlags(e, convWorkers(g.n, gs)), outer: outer, ci: ci, kci: kci, ys: ys}
	nw := e.run(g.n, gs, l)
	*l = shiftBackwardFilterLoop[T]{}
	sl := loopOf[shiftFilterSums[T]](e, loopShiftReduce)
	parts := sl.parts[:0]
	for wk := range nw {
		parts = append(parts, scratch[T](e, wk, 1, outer*kci))
	}
	*sl = shiftFilterSums[T]{g: *g, s: *s, parts: parts, dw: dw, outer: outer, ci: ci, kci: kci, taps: taps}
	parallelRange(g.k*g.c, max(1, 4096/taps), sl)
	clear(parts)
	*sl = shiftFilterSums[T]{parts: parts[:0]}
}

// shiftFilterSums is the loop of shiftBackwardFilter that sums the
// workers' parts (outer, K, C·inner) into dw (K, C, outer·inner):
// dw[(k·C + c)·taps + o·inner + kw] = Σ_parts part[o][k][c·inner + kw].
type shiftFilterSums[T float] struct {
	g                    convGeom
	s                    shiftGeom
	parts                [][]T
	dw                   []T
	outer, ci, kci, taps int
}

func (l *shiftFilterSums[T]) Range(lo, hi int) {
	g, s, parts, dw := &l.g, &l.s, l.parts, l.dw
	outer, ci, kci, taps := l.outer, l.ci, l.kci, l.taps
	for i := lo; i < hi; i++ {
		k, c := i/g.c, i%g.c
		for o := 0; o < outer; o++ {
			at := o*kci + k*ci + c*s.inner
			for kw := 0; kw < s.inner; kw++ {
				v := parts[0][at+kw]
				for _, p := range parts[1:] {
					v += p[at+kw]
				}
				dw[i*taps+o*s.inner+kw] = v
			}
		}
	}
}

// shiftBackwardFilterLoop is shiftBackwardFilter's loop over groups of
// images: each worker accumulates into its slot 1.
type shiftBackwardFilterLoop[T float] struct {
	e                  *convEngine
	g                  convGeom
	s                  shiftGeom
	dy, x              []T
	started            []bool // per worker: it has written its accumulator
	outer, ci, kci, ys int
}

func (l *shiftBackwardFilterLoop[T]) group(wk, lo, hi int) {
	e, g, s, dy, x, started, outer, ci, kci, ys := l.e, &l.g, &l.s, l.dy, l.x, l.started, l.outer, l.ci, l.kci, l.ys
	ld := (hi - lo) * s.plane
	cols := s.groupCols(hi - lo)
	xs := scratch[T](e, wk, 0, ci*ld)
	stackImages(g, s, x, xs, lo, hi, ld)
	in := scratch[T](e, wk, 2, g.k*cols)
	for n := lo; n < hi; n++ {
		extImage(g, s, dy[n*ys:(n+1)*ys], in, g.k, cols, (n-lo)*s.plane)
	}
	acc := scratch[T](e, wk, 1, outer*kci)
	var beta T
	if started[wk] {
		beta = 1
	}
	started[wk] = true
	for o, sh := range s.outer {
		gemmT(false, true, g.k, ci, cols, in, cols, xs[sh:], ld, beta, acc[o*kci:(o+1)*kci], ci)
	}
}
