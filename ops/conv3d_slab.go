package ops

// 3-D convolutions in depth slabs.
//
// The column matrix of a whole 3-D image is large (C·∏k rows by ∏out
// columns: 108 × 4096 floats, 1.7 MB, for 4 channels of 16³ and a 3³
// kernel), so the GEMM reads it back from memory after im2col wrote it
// there. The slab passes split the output depths into slabs whose columns
// fit in slabFloats (a core's L2 share) and run im2col and the product per
// slab: the forward writes each slab's outputs in place (the product's
// rows are ∏out apart in y), the filter gradient accumulates the slabs'
// products into dW. They apply to the geometries im2colSlab handles
// (stride 1 along H and W) whose images are large enough to be taken one
// at a time (∏out >= colTarget).

// slabFloats bounds the column matrix of one slab (256 KB of float32).
const slabFloats = 1 << 16

// slabDepth returns the number of output depths per slab, or 0 when the
// slab passes do not apply to g.
func (g *convGeom) slabDepth() int {
	if g.direct() || !g.slabOK() || g.outSize() < colTarget {
		return 0
	}
	plane := g.out[1] * g.out[2]
	return max(1, min(g.out[0], slabFloats/max(1, g.colRows()*plane)))
}

// slabForward is convForward in depth slabs; it reports false, having
// done nothing, when the slabs do not apply.
func slabForward[T float](e *convEngine, g *convGeom, x, w, b []T, relu bool, y []T) bool {
	sd := g.slabDepth()
	if sd == 0 {
		return false
	}
	p, ck := g.outSize(), g.colRows()
	plane := g.out[1] * g.out[2]
	xs, ys := g.c*g.inSize(), g.k*p
	l := loopOf[slabForwardLoop[T]](e, loopSlabForward)
	*l = slabForwardLoop[T]{e: e, g: *g, x: x, w: w, b: b, y: y, relu: relu, sd: sd, p: p, ck: ck, plane: plane, xs: xs, ys: ys}
	e.run(g.n, 1, l)
	*l = slabForwardLoop[T]{}
	return true
}

// slabForwardLoop is slabForward's loop over images.
type slabForwardLoop[T float] struct {
	e                        *convEngine
	g                        convGeom
	x, w, b, y               []T
	relu                     bool
	sd, p, ck, plane, xs, ys int
}

func (l *slabForwardLoop[T]) group(wk, lo, hi int) {
	e, g, x, w, b, y, relu := l.e, &l.g, l.x, l.w, l.b, l.y, l.relu
	sd, p, ck, plane, xs, ys := l.sd, l.p, l.ck, l.plane, l.xs, l.ys
	col := scratch[T](e, wk, 0, ck*sd*plane)
	for n := lo; n < hi; n++ {
		xn, yn := x[n*xs:(n+1)*xs], y[n*ys:(n+1)*ys]
		for d0 := 0; d0 < g.out[0]; d0 += sd {
			d1 := min(d0+sd, g.out[0])
			cols := (d1 - d0) * plane
			im2colSlab(g, xn, col, cols, d0, d1)
			gemmT(false, false, g.k, cols, ck, w, ck, col[:ck*cols], cols, 0, yn[d0*plane:], p)
		}
		if b != nil || relu {
			for r := 0; r < g.k; r++ {
				var bv T
				if b != nil {
					bv = b[r]
				}
				row := yn[r*p : (r+1)*p]
				epilogue(row, bv, relu, row)
			}
		}
	}
}

// slabBackwardFilter is convBackwardFilter in depth slabs: dW = Σ_n Σ_slab
// dy[n][:, slab] · col(x[n], slab)ᵀ, each worker into its own partial dW
// (the first worker's is dw), summed in worker order. It reports false,
// having done nothing, when the slabs do not apply.
func slabBackwardFilter[T float](e *convEngine, g *convGeom, dy, x, dw []T) bool {
	sd := g.slabDepth()
	if sd == 0 {
		return false
	}
	p, ck := g.outSize(), g.colRows()
	plane := g.out[1] * g.out[2]
	xs, ys := g.c*g.inSize(), g.k*p
	l := loopOf[slabBackwardFilterLoop[T]](e, loopSlabBackwardFilter)
	*l = slabBackwardFilterLoop[T]{e: e, g: *g, dy: dy, x: x, dw: dw, started: workerFlags(e, convWorkers(g.n, 1)), sd: sd, p: p, ck: ck, plane: plane, xs: xs, ys: ys}
	nw := e.run(g.n, 1, l)
	*l = slabBackwardFilterLoop[T]{}
	addPartials(e, nw, dw)
	return true
}

// slabBackwardFilterLoop is slabBackwardFilter's loop over images.
type slabBackwardFilterLoop[T float] struct {
	e                        *convEngine
	g                        convGeom
	dy, x, dw                []T
	started                  []bool // per worker: it has written its accumulator
	sd, p, ck, plane, xs, ys int
}

func (l *slabBackwardFilterLoop[T]) group(wk, lo, hi int) {
	e, g, dy, x, dw, started := l.e, &l.g, l.dy, l.x, l.dw, l.started
	sd, p, ck, plane, xs, ys := l.sd, l.p, l.ck, l.plane, l.xs, l.ys
	acc := dw
	if wk > 0 {
		acc = scratch[T](e, wk, 1, len(dw))
	}
	col := scratch[T](e, wk, 0, ck*sd*plane)
	for n := lo; n < hi; n++ {
		xn, dyn := x[n*xs:(n+1)*xs], dy[n*ys:(n+1)*ys]
		for d0 := 0; d0 < g.out[0]; d0 += sd {
			d1 := min(d0+sd, g.out[0])
			cols := (d1 - d0) * plane
			im2colSlab(g, xn, col, cols, d0, d1)
			var beta T
			if started[wk] {
				beta = 1
			}
			started[wk] = true
			gemmT(false, true, g.k, ck, cols, dyn[d0*plane:], p, col[:ck*cols], cols, beta, acc, ck)
		}
	}
}

// slabBackwardData is convBackwardData in depth slabs: per image, dx is
// initialised (the bias b per channel, or zeros), then for each slab of
// output depths the slab's columns Wᵀ·dy[n][:, slab] are added back into
// dx (col2imSlab); with relu, dx = max(0, ·) at the end. It reports false,
// having done nothing, when the slabs do not apply.
func slabBackwardData[T float](e *convEngine, g *convGeom, dy, w, b []T, relu bool, dx []T) bool {
	sd := g.slabDepth()
	if sd == 0 {
		return false
	}
	p, ck := g.outSize(), g.colRows()
	plane := g.out[1] * g.out[2]
	xs, ys := g.c*g.inSize(), g.k*p
	l := loopOf[slabBackwardDataLoop[T]](e, loopSlabBackwardData)
	*l = slabBackwardDataLoop[T]{e: e, g: *g, dy: dy, w: w, b: b, dx: dx, relu: relu, sd: sd, p: p, ck: ck, plane: plane, xs: xs, ys: ys}
	e.run(g.n, 1, l)
	*l = slabBackwardDataLoop[T]{}
	return true
}

// slabBackwardDataLoop is slabBackwardData's loop over images.
type slabBackwardDataLoop[T float] struct {
	e                        *convEngine
	g                        convGeom
	dy, w, b, dx             []T
	relu                     bool
	sd, p, ck, plane, xs, ys int
}

func (l *slabBackwardDataLoop[T]) group(wk, lo, hi int) {
	e, g, dy, w, b, dx, relu := l.e, &l.g, l.dy, l.w, l.b, l.dx, l.relu
	sd, p, ck, plane, xs, ys := l.sd, l.p, l.ck, l.plane, l.xs, l.ys
	col := scratch[T](e, wk, 0, ck*sd*plane)
	for n := lo; n < hi; n++ {
		dyn, dxn := dy[n*ys:(n+1)*ys], dx[n*xs:(n+1)*xs]
		if b != nil {
			fillChannels(dxn, b, g.inSize())
		} else {
			clear(dxn)
		}
		for d0 := 0; d0 < g.out[0]; d0 += sd {
			d1 := min(d0+sd, g.out[0])
			cols := (d1 - d0) * plane
			gemmT(true, false, ck, cols, g.k, w, ck, dyn[d0*plane:], p, 0, col[:ck*cols], cols)
			col2imSlab(g, col, dxn, cols, d0, d1)
		}
		if relu {
			reluInPlace(dxn)
		}
	}
}

// col2imSlab adds the columns of the output depths [d0, d1) (col, rows ld
// apart, (d1-d0)·oh·ow columns) back into the image x (c, in...): the
// adjoint of im2colSlab, for the geometries it handles (stride 1 along H
// and W).
func col2imSlab[T float](g *convGeom, col, x []T, ld, d0, d1 int) {
	id, ih, iw := g.in[0], g.in[1], g.in[2]
	oh, ow := g.out[1], g.out[2]
	plane, slice := oh*ow, ih*iw
	row := 0
	for c := 0; c < g.c; c++ {
		xc := x[c*id*slice : (c+1)*id*slice]
		for a := 0; a < g.ker[0]; a++ {
			offD := a*g.dil[0] - g.pad[0]
			for i := 0; i < g.ker[1]; i++ {
				offH := i*g.dil[1] - g.pad[1]
				hlo, hhi := validRange(offH, 1, ih, oh)
				for j := 0; j < g.ker[2]; j++ {
					offW := j*g.dil[2] - g.pad[2]
					lo, hi := validRange(offW, 1, iw, ow)
					src := col[row*ld : row*ld+(d1-d0)*plane]
					row++
					if lo >= hi || hlo >= hhi {
						continue
					}
					for d := d0; d < d1; d++ {
						zd := d*g.stride[0] + offD
						if zd < 0 || zd >= id {
							continue
						}
						pl := src[(d-d0)*plane : (d-d0+1)*plane]
						xs := xc[zd*slice : (zd+1)*slice]
						for h := hlo; h < hhi; h++ {
							zr := (h + offH) * iw
							addRow(xs[zr+lo+offW:zr+hi+offW], pl[h*ow+lo:h*ow+hi])
						}
					}
				}
			}
		}
	}
}

// addRow sets dst[i] += src[i], four at a time.
func addRow[T float](dst, src []T) {
	src = src[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d, s := (*[4]T)(dst[i:]), (*[4]T)(src[i:])
		d[0] += s[0]
		d[1] += s[1]
		d[2] += s[2]
		d[3] += s[3]
	}
	for ; i < len(dst); i++ {
		dst[i] += src[i]
	}
}
