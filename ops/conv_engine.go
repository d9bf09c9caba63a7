package ops

// The convolution engine shared by Conv1D/2D/3D and ConvTranspose1D/2D/3D.
//
// Every convolution is treated as a 3-D one: a 1-D input (N, C, L) is
// (N, C, 1, 1, L) and a 2-D input (N, C, H, W) is (N, C, 1, H, W), which is
// the same row-major data. Per image n the work is three matrix products
// around an im2col/col2im pair, all in NCDHW without transposes:
//
//	forward          y[n]  (K, P)  = W (K, C·∏k) × col(x[n]) (C·∏k, P) + b
//	backward data    dx[n]         = col2im(Wᵀ (C·∏k, K) × dy[n] (K, P))
//	backward filter  dW    (K, C·∏k) = Σ_n dy[n] (K, P) × col(x[n])ᵀ (P, C·∏k)
//	bias             db[k]         = Σ_n Σ_p dy[n][k][p]
//
// where P = ∏out is the number of output positions. A transposed
// convolution swaps the roles: its forward is the backward-data pass, its
// input gradient is the forward pass and its filter gradient is the
// backward-filter pass with the two tensors exchanged.
//
// Images are processed in parallel, one contiguous range of the batch per
// worker; each worker owns its im2col scratch and, for the filter gradient,
// its own partial dW, which are summed in worker order at the end (so the
// result is deterministic for a given GOMAXPROCS). Scratch buffers live in
// the op and are reused between runs.

import (
	"runtime"

	"github.com/convnet-go/convnet/internal/gemm"
)

// convGeom is the geometry of one convolution in the "image" → "columns"
// direction: the image side has c channels and spatial size in, the
// column (output) side k channels and spatial size out. pad is the padding
// before each axis; the padding after is implied by out (positions that
// fall outside the input read zeros), which is how asymmetric padding and
// a transposed convolution's output padding are handled at no cost.
type convGeom struct {
	n, c, k int
	in      [3]int
	out     [3]int
	ker     [3]int
	stride  [3]int
	pad     [3]int
	dil     [3]int
}

func prod3(a [3]int) int { return a[0] * a[1] * a[2] }

// inSize is the number of spatial positions on the image side.
func (g *convGeom) inSize() int { return prod3(g.in) }

// outSize is P, the number of output positions (columns of col).
func (g *convGeom) outSize() int { return prod3(g.out) }

// colRows is C·∏k, the number of rows of col and columns of W.
func (g *convGeom) colRows() int { return g.c * prod3(g.ker) }

// direct reports whether col(x) is x itself: a 1×1 kernel with stride 1 and
// no padding.
func (g *convGeom) direct() bool {
	return g.ker == [3]int{1, 1, 1} && g.stride == [3]int{1, 1, 1} && g.pad == [3]int{} && g.in == g.out
}

// convEngine holds the scratch buffers of one op between runs: per worker,
// slot 0 is the im2col matrix and slot 1 the partial filter gradient.
type convEngine struct {
	bufs []any
}

const convSlots = 2

// run splits the batch of n images over the workers and calls fn(worker,
// lo, hi) for each worker's range, in parallel. It returns the number of
// workers.
func (e *convEngine) run(n int, fn func(worker, lo, hi int)) int {
	nw := min(runtime.GOMAXPROCS(0), n)
	if nw < 1 {
		return 0
	}
	if len(e.bufs) < nw*convSlots {
		e.bufs = append(e.bufs, make([]any, nw*convSlots-len(e.bufs))...)
	}
	parallelFor(nw, 1, func(a, b int) {
		for wk := a; wk < b; wk++ {
			fn(wk, wk*n/nw, (wk+1)*n/nw)
		}
	})
	return nw
}

// scratch returns the worker's buffer in slot, of length size, reusing it
// when it is large enough. Its contents are undefined.
func scratch[T float](e *convEngine, worker, slot, size int) []T {
	i := worker*convSlots + slot
	if s, ok := e.bufs[i].([]T); ok && cap(s) >= size {
		return s[:size]
	}
	s := make([]T, size)
	e.bufs[i] = s
	return s
}

// gemmT is C = op(A)·op(B) + beta·C for either float type.
func gemmT[T float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch av := any(a).(type) {
	case []float32:
		gemm.Sgemm(transA, transB, m, n, k, 1, av, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		gemm.Dgemm(transA, transB, m, n, k, 1, av, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// validRange returns the output positions [lo, hi) of one axis whose input
// position o·stride + off lies inside [0, in), for out outputs.
func validRange(off, stride, in, out int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if last := in - 1 - off; last >= 0 {
		hi = last/stride + 1
	}
	hi = min(hi, out)
	lo = min(lo, hi)
	return lo, hi
}

// im2col writes the columns of one image x (c, in...) into col (C·∏k, P):
// row (c, kd, kh, kw), column (od, oh, ow) holds
// x[c][od·sd - pd + kd·dd][oh·sh - ph + kh·dh][ow·sw - pw + kw·dw], or zero
// where that lies in the padding.
func im2col[T float](g *convGeom, x, col []T) {
	id, ih, iw := g.in[0], g.in[1], g.in[2]
	od, oh, ow := g.out[0], g.out[1], g.out[2]
	sd, sh, sw := g.stride[0], g.stride[1], g.stride[2]
	p := od * oh * ow
	plane := oh * ow
	row := 0
	for c := 0; c < g.c; c++ {
		xc := x[c*id*ih*iw : (c+1)*id*ih*iw]
		for kd := 0; kd < g.ker[0]; kd++ {
			offD := kd*g.dil[0] - g.pad[0]
			for kh := 0; kh < g.ker[1]; kh++ {
				offH := kh*g.dil[1] - g.pad[1]
				for kw := 0; kw < g.ker[2]; kw++ {
					offW := kw*g.dil[2] - g.pad[2]
					lo, hi := validRange(offW, sw, iw, ow)
					dst := col[row*p : (row+1)*p]
					row++
					for d := 0; d < od; d++ {
						zd := d*sd + offD
						pl := dst[d*plane : (d+1)*plane]
						if zd < 0 || zd >= id {
							clear(pl)
							continue
						}
						for h := 0; h < oh; h++ {
							zh := h*sh + offH
							seg := pl[h*ow : (h+1)*ow]
							if zh < 0 || zh >= ih {
								clear(seg)
								continue
							}
							src := xc[(zd*ih+zh)*iw : (zd*ih+zh+1)*iw]
							clear(seg[:lo])
							clear(seg[hi:])
							if lo >= hi {
								continue
							}
							if sw == 1 {
								copy(seg[lo:hi], src[lo+offW:hi+offW])
								continue
							}
							z := lo*sw + offW
							for o := lo; o < hi; o++ {
								seg[o] = src[z]
								z += sw
							}
						}
					}
				}
			}
		}
	}
}

// col2im adds the columns col (C·∏k, P) back into one image x (c, in...),
// the adjoint of im2col. x must be initialised (zeros, or a bias).
func col2im[T float](g *convGeom, col, x []T) {
	id, ih, iw := g.in[0], g.in[1], g.in[2]
	od, oh, ow := g.out[0], g.out[1], g.out[2]
	sd, sh, sw := g.stride[0], g.stride[1], g.stride[2]
	p := od * oh * ow
	plane := oh * ow
	row := 0
	for c := 0; c < g.c; c++ {
		xc := x[c*id*ih*iw : (c+1)*id*ih*iw]
		for kd := 0; kd < g.ker[0]; kd++ {
			offD := kd*g.dil[0] - g.pad[0]
			for kh := 0; kh < g.ker[1]; kh++ {
				offH := kh*g.dil[1] - g.pad[1]
				for kw := 0; kw < g.ker[2]; kw++ {
					offW := kw*g.dil[2] - g.pad[2]
					lo, hi := validRange(offW, sw, iw, ow)
					src := col[row*p : (row+1)*p]
					row++
					if lo >= hi {
						continue
					}
					for d := 0; d < od; d++ {
						zd := d*sd + offD
						if zd < 0 || zd >= id {
							continue
						}
						pl := src[d*plane : (d+1)*plane]
						for h := 0; h < oh; h++ {
							zh := h*sh + offH
							if zh < 0 || zh >= ih {
								continue
							}
							seg := pl[h*ow+lo : h*ow+hi]
							if sw == 1 {
								dst := xc[(zd*ih+zh)*iw+lo+offW : (zd*ih+zh)*iw+hi+offW]
								for i, v := range seg {
									dst[i] += v
								}
								continue
							}
							dst := xc[(zd*ih+zh)*iw : (zd*ih+zh+1)*iw]
							z := lo*sw + offW
							for _, v := range seg {
								dst[z] += v
								z += sw
							}
						}
					}
				}
			}
		}
	}
}

// fillChannels sets each of the len(v) rows of length p of dst to v[row].
func fillChannels[T float](dst, v []T, p int) {
	for i, b := range v {
		row := dst[i*p : (i+1)*p]
		for j := range row {
			row[j] = b
		}
	}
}

// convForward computes y = conv(x, w) + b: x (N, C, in...), w (K, C, k...),
// b (K) or nil, y (N, K, out...).
func convForward[T float](e *convEngine, g *convGeom, x, w, b, y []T) {
	p, ck := g.outSize(), g.colRows()
	xs, ys := g.c*g.inSize(), g.k*p
	direct := g.direct()
	e.run(g.n, func(wk, lo, hi int) {
		var col []T
		if !direct {
			col = scratch[T](e, wk, 0, ck*p)
		}
		for n := lo; n < hi; n++ {
			src, yn := x[n*xs:(n+1)*xs], y[n*ys:(n+1)*ys]
			if !direct {
				im2col(g, src, col)
				src = col
			}
			var beta T
			if b != nil {
				fillChannels(yn, b, p)
				beta = 1
			}
			gemmT(false, false, g.k, p, ck, w, ck, src, p, beta, yn, p)
		}
	})
}

// convBackwardData computes dx = col2im(Wᵀ·dy) (+ b per channel of dx): dy
// (N, K, out...), w (K, C, k...), b (C) or nil, dx (N, C, in...). It is the
// input gradient of a convolution and the forward pass of a transposed one.
func convBackwardData[T float](e *convEngine, g *convGeom, dy, w, b, dx []T) {
	p, ck := g.outSize(), g.colRows()
	xs, ys := g.c*g.inSize(), g.k*p
	direct := g.direct()
	e.run(g.n, func(wk, lo, hi int) {
		var col []T
		if !direct {
			col = scratch[T](e, wk, 0, ck*p)
		}
		for n := lo; n < hi; n++ {
			dyn, dxn := dy[n*ys:(n+1)*ys], dx[n*xs:(n+1)*xs]
			var beta T
			if b != nil {
				fillChannels(dxn, b, g.inSize())
				beta = 1
			} else if !direct {
				clear(dxn)
			}
			if direct {
				gemmT(true, false, ck, p, g.k, w, ck, dyn, p, beta, dxn, p)
				continue
			}
			gemmT(true, false, ck, p, g.k, w, ck, dyn, p, 0, col, p)
			col2im(g, col, dxn)
		}
	})
}

// convBackwardFilter computes dw = Σ_n dy[n]·col(x[n])ᵀ: dy (N, K, out...),
// x (N, C, in...), dw (K, C, k...).
func convBackwardFilter[T float](e *convEngine, g *convGeom, dy, x, dw []T) {
	p, ck := g.outSize(), g.colRows()
	xs, ys := g.c*g.inSize(), g.k*p
	direct := g.direct()
	nw := e.run(g.n, func(wk, lo, hi int) {
		acc := dw
		if wk > 0 {
			acc = scratch[T](e, wk, 1, len(dw))
		}
		var col []T
		if !direct {
			col = scratch[T](e, wk, 0, ck*p)
		}
		for n := lo; n < hi; n++ {
			src := x[n*xs : (n+1)*xs]
			if !direct {
				im2col(g, src, col)
				src = col
			}
			var beta T
			if n > lo {
				beta = 1
			}
			gemmT(false, true, g.k, ck, p, dy[n*ys:(n+1)*ys], p, src, p, beta, acc, ck)
		}
	})
	for wk := 1; wk < nw; wk++ {
		part := scratch[T](e, wk, 1, len(dw))
		for i, v := range part {
			dw[i] += v
		}
	}
}

// channelSums sets db[c] = Σ_n Σ_p t[n][c][p] for t (n, len(db), p),
// accumulating in float64.
func channelSums[T float](t []T, n, p int, db []T) {
	ch := len(db)
	parallelFor(ch, max(1, 4096/max(1, n*p)), func(lo, hi int) {
		for c := lo; c < hi; c++ {
			s := 0.0
			for i := 0; i < n; i++ {
				for _, v := range t[(i*ch+c)*p : (i*ch+c+1)*p] {
					s += float64(v)
				}
			}
			db[c] = T(s)
		}
	})
}
