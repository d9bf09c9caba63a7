package ops

import (
	"math"

	"github.com/convnet-go/convnet/internal/vec"
)

// The float64 paths of the activations and the softmax that run on
// internal/vec's float64 kernels (AVX2 on amd64, NEON on arm64, within 2
// ulps of the math package; math itself elsewhere). float64 graphs are for
// gradient checks, so these keep math's accuracy rather than float32's
// shortcuts.

// activate64 is activate on the float64 kernels of internal/vec; it
// reports false for the kinds that have none.
func activate64(kind activation, alpha float64, x, y []float64) bool {
	switch kind {
	case actELU:
		vec.ELU64(y, x, alpha)
	case actSigmoid:
		vec.Sigmoid64(y, x)
	case actTanh:
		vec.Tanh64(y, x)
	case actSoftplus:
		vec.Softplus64(y, x)
	default:
		return false
	}
	return true
}

// softmaxRows64 is softmaxForward for float64 with inner = 1: every
// softmax is a contiguous row of k, its exponentials one kernel call into
// y (the log-softmax uses y as scratch for them before writing x - lse).
func softmaxRows64(log bool, x, y []float64, outer, k int) {
	parallelFor(outer, max(1, elementwiseGrain/k), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			xb, yb := x[o*k:(o+1)*k], y[o*k:(o+1)*k]
			m := strideMax(xb, k, 1)
			vec.ExpShift64(yb, xb, m)
			sum := vec.Sum(yb)
			if !log {
				vec.Scale(yb, yb, 1/sum)
				continue
			}
			lse := m + math.Log(sum)
			for q, v := range xb {
				yb[q] = v - lse
			}
		}
	})
}

// logSoftmaxGradRows64 is softmaxBackward of the float64 log-softmax with
// inner = 1: dx = dy - e^y·Σ dy per row, row o of dy at o·dyStep (k, or 0
// for one row for all).
func logSoftmaxGradRows64(y, dy, dx []float64, outer, k, dyStep int) {
	parallelFor(outer, max(1, elementwiseGrain/k), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			yb, db, xb := y[o*k:(o+1)*k], dy[o*dyStep:o*dyStep+k], dx[o*k:(o+1)*k]
			s := vec.Sum(db)
			vec.ExpShift64(xb, yb, 0)
			for q, d := range db {
				xb[q] = d - xb[q]*s
			}
		}
	})
}

// bce64Block is the number of softplus values bce64 computes per kernel
// call, into a buffer on the stack.
const bce64Block = 256

// bce64 is Σ softplus(x) - x·t, BCEWithLogits' sum in float64, with the
// softplus values from internal/vec's kernel, bce64Block at a time.
func bce64(x, t []float64) float64 {
	var buf [bce64Block]float64
	t = t[:len(x)]
	acc := 0.0
	for lo := 0; lo < len(x); lo += bce64Block {
		xs := x[lo:min(lo+bce64Block, len(x))]
		ts, sp := t[lo:lo+len(xs)], buf[:len(xs)]
		vec.Softplus64(sp, xs)
		for i, v := range xs {
			acc += sp[i] - v*ts[i]
		}
	}
	return acc
}

// bceGrad64 sets dx = scale·(σ(x) - t).
func bceGrad64(x, t, dx []float64, scale float64) {
	vec.Sigmoid64(dx, x)
	t = t[:len(dx)]
	for i, v := range t {
		dx[i] = scale * (dx[i] - v)
	}
}

// ce64Block is the number of positions (or row elements) the float64
// softmax cross-entropy handles per kernel call, in buffers on the stack.
const ce64Block = 128

// rowLSE64 is log Σ e^x[j] of a contiguous row, as max + log Σ e^(x-max),
// the exponentials on internal/vec's kernel ce64Block at a time.
func rowLSE64(x []float64) float64 {
	m := strideMax(x, len(x), 1)
	var buf [ce64Block]float64
	sum := 0.0
	for lo := 0; lo < len(x); lo += ce64Block {
		xs := x[lo:min(lo+ce64Block, len(x))]
		e := buf[:len(xs)]
		vec.ExpShift64(e, xs, m)
		for _, v := range e {
			sum += v
		}
	}
	return m + math.Log(sum)
}

// blockLSE64 sets lse[q] = log Σ_j e^x[j·s+q] for the w = len(lse)
// positions from x[0] of a (k, s) block, with e as scratch.
func blockLSE64(x []float64, k, s int, lse, e []float64) {
	w := len(lse)
	copy(lse, x[:w])
	for j := 1; j < k; j++ {
		for q, v := range x[j*s:][:w] {
			lse[q] = max(lse[q], v)
		}
	}
	var sb [ce64Block]float64
	sum := sb[:w]
	for j := 0; j < k; j++ {
		for q, v := range x[j*s:][:w] {
			e[q] = v - lse[q]
		}
		vec.ExpShift64(e, e, 0)
		for q, v := range e {
			sum[q] += v
		}
	}
	vec.Log64(sum, sum)
	for q, v := range sum {
		lse[q] += v
	}
}

// The stack buffers of the functions below stay on the stack: they go
// only to internal/vec's non-generic float64 kernels (direct calls to
// assembly marked noescape), never to its generic helpers.

// softmaxCESample64 is Σ_p Σ_j t·(lse_p - x) for one sample (k, s) of the
// float64 softmax cross-entropy, zero targets skipped.
func softmaxCESample64(x, t []float64, k, s int) float64 {
	acc := 0.0
	if s == 1 {
		lse := rowLSE64(x)
		for j, tv := range t[:k] {
			if tv != 0 {
				acc += tv * (lse - x[j])
			}
		}
		return acc
	}
	var lb, eb [ce64Block]float64
	for p0 := 0; p0 < s; p0 += ce64Block {
		w := min(ce64Block, s-p0)
		lse := lb[:w]
		blockLSE64(x[p0:], k, s, lse, eb[:w])
		for j := 0; j < k; j++ {
			xs := x[j*s+p0:][:w]
			for q, tv := range t[j*s+p0:][:w] {
				if tv != 0 {
					acc += tv * (lse[q] - xs[q])
				}
			}
		}
	}
	return acc
}

// softmaxCEGradSample64 sets dx = scale·(Σ_j t·softmax(x) - t) for one
// sample (k, s) of the float64 softmax cross-entropy.
func softmaxCEGradSample64(x, t, dx []float64, k, s int, scale float64) {
	if s == 1 {
		lse, st := rowLSE64(x), vec.Sum(t[:k])
		vec.ExpShift64(dx[:k], x, lse)
		for j, tv := range t[:k] {
			dx[j] = scale * (st*dx[j] - tv)
		}
		return
	}
	var lb, eb, sb [ce64Block]float64
	for p0 := 0; p0 < s; p0 += ce64Block {
		w := min(ce64Block, s-p0)
		lse, st := lb[:w], sb[:w]
		blockLSE64(x[p0:], k, s, lse, eb[:w])
		clear(st)
		for j := 0; j < k; j++ {
			for q, v := range t[j*s+p0:][:w] {
				st[q] += v
			}
		}
		for j := 0; j < k; j++ {
			xs, ts, ds := x[j*s+p0:][:w], t[j*s+p0:][:w], dx[j*s+p0:][:w]
			for q, v := range xs {
				ds[q] = v - lse[q]
			}
			vec.ExpShift64(ds, ds, 0)
			for q, tv := range ts {
				ds[q] = scale * (st[q]*ds[q] - tv)
			}
		}
	}
}
