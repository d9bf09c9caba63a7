package ops

import (
	"math"

	"github.com/convnet-go/convnet/internal/vec"
)

// The float64 paths of softmax, log-softmax and the losses, on
// internal/vec's float64 kernels: the exponentials (ExpShiftSum64, which
// also returns their sum; its result is unused where only the values are
// wanted) and logarithms within 2 ulps of the math package, the arithmetic (maxima, sums, dot products,
// axpby) vectorised on amd64 and plain loops elsewhere. Sums of a row or
// block are in the kernels' fixed order, so results never depend on
// GOMAXPROCS.
//
// The stack buffers of the functions below stay on the stack: they go
// only to internal/vec's non-generic float64 kernels (direct calls to
// assembly marked noescape), never to its generic helpers.

// softmaxRows64 is softmaxForward for float64 with inner = 1: every
// softmax is a contiguous row of k, its exponentials one kernel call into
// y, then scaled by 1/Σ; the log-softmax writes x - (max + log Σ) over
// them.
func softmaxRows64(log bool, x, y []float64, outer, k int) {
	parallelFor(outer, max(1, elementwiseGrain/k), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			xb, yb := x[o*k:(o+1)*k], y[o*k:(o+1)*k]
			m := vec.Max64(xb)
			sum := vec.ExpShiftSum64(yb, xb, m)
			if !log {
				vec.ScaleAdd64(yb, yb, 1/sum, 0)
				continue
			}
			vec.ScaleAdd64(yb, xb, 1, -(m + math.Log(sum)))
		}
	})
}

// softmaxGradRows64 is softmaxBackward for float64 with inner = 1, row o
// of dy at o·dyStep (k, or 0 for one row for all): dx = (dy - Σ dy·y)·y
// for the softmax, dx = dy - e^y·Σ dy for the log-softmax.
func softmaxGradRows64(log bool, y, dy, dx []float64, outer, k, dyStep int) {
	parallelFor(outer, max(1, elementwiseGrain/k), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			yb, db, xb := y[o*k:(o+1)*k], dy[o*dyStep:o*dyStep+k], dx[o*k:(o+1)*k]
			if !log {
				vec.AddMul64(xb, db, yb, -vec.Dot64(db, yb))
				continue
			}
			s := vec.Sum64(db)
			vec.ExpShiftSum64(xb, yb, 0)
			vec.Axpby64(xb, db, xb, 1, -s)
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
		acc += vec.Sum64(sp) - vec.Dot64(xs, ts)
	}
	return acc
}

// bceGrad64 sets dx = scale·(σ(x) - t).
func bceGrad64(x, t, dx []float64, scale float64) {
	vec.Sigmoid64(dx, x)
	vec.Axpby64(dx, dx, t, scale, -scale)
}

// ce64Block is the number of positions (or row elements) the float64
// softmax cross-entropy handles per kernel call, in buffers on the stack.
const ce64Block = 128

// rowLSE64 is log Σ e^x[j] of a contiguous row, as max + log Σ e^(x-max),
// the exponentials on internal/vec's kernel ce64Block at a time.
func rowLSE64(x []float64) float64 {
	m := vec.Max64(x)
	var buf [ce64Block]float64
	sum := 0.0
	for lo := 0; lo < len(x); lo += ce64Block {
		xs := x[lo:min(lo+ce64Block, len(x))]
		e := buf[:len(xs)]
		sum += vec.ExpShiftSum64(e, xs, m)
	}
	return m + math.Log(sum)
}

// blockLSE64 sets lse[q] = log Σ_j e^x[j·s+q] for the w = len(lse)
// positions from x[0] of a (k, s) block, with e as scratch.
func blockLSE64(x []float64, k, s int, lse, e []float64) {
	w := len(lse)
	copy(lse, x[:w])
	for j := 1; j < k; j++ {
		vec.MaxOf64(lse, lse, x[j*s:][:w])
	}
	var sb [ce64Block]float64
	sum := sb[:w]
	for j := 0; j < k; j++ {
		vec.Sub64(e, x[j*s:][:w], lse)
		vec.ExpShiftSum64(e, e, 0)
		vec.Add64(sum, sum, e)
	}
	vec.Log64(sum, sum)
	vec.Add64(lse, lse, sum)
}

// softmaxCESample64 is Σ_p Σ_j t·(lse_p - x) for one sample (k, s) of the
// float64 softmax cross-entropy, as Σ_p lse_p·Σ_j t_jp - Σ t·x. A sample
// whose sum is not finite (an infinite logit under a zero target, which
// that form turns into 0·Inf) is redone term by term, zero targets
// skipped.
func softmaxCESample64(x, t []float64, k, s int) float64 {
	acc := 0.0
	if s == 1 {
		acc = rowLSE64(x)*vec.Sum64(t[:k]) - vec.Dot64(t[:k], x)
	} else {
		var lb, eb, sb [ce64Block]float64
		for p0 := 0; p0 < s; p0 += ce64Block {
			w := min(ce64Block, s-p0)
			lse, st := lb[:w], sb[:w]
			blockLSE64(x[p0:], k, s, lse, eb[:w])
			copy(st, t[p0:p0+w])
			for j := 1; j < k; j++ {
				vec.Add64(st, st, t[j*s+p0:][:w])
			}
			acc += vec.Dot64(lse, st)
		}
		acc -= vec.Dot64(t[:k*s], x)
	}
	if !math.IsNaN(acc) && !math.IsInf(acc, 0) {
		return acc
	}
	return softmaxCESampleTerms64(x, t, k, s)
}

// softmaxCESampleTerms64 is softmaxCESample64 term by term, zero targets
// skipped: the slow path for samples with infinite logits.
func softmaxCESampleTerms64(x, t []float64, k, s int) float64 {
	acc := 0.0
	var lb, eb [ce64Block]float64
	for p0 := 0; p0 < s; p0 += ce64Block {
		w := min(ce64Block, s-p0)
		lse := lb[:w]
		if s == 1 {
			lse[0] = rowLSE64(x[:k])
		} else {
			blockLSE64(x[p0:], k, s, lse, eb[:w])
		}
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
		lse, st := rowLSE64(x), vec.Sum64(t[:k])
		vec.ExpShiftSum64(dx[:k], x, lse)
		vec.Axpby64(dx[:k], dx, t, scale*st, -scale)
		return
	}
	var lb, eb, sb [ce64Block]float64
	for p0 := 0; p0 < s; p0 += ce64Block {
		w := min(ce64Block, s-p0)
		lse, st := lb[:w], sb[:w]
		blockLSE64(x[p0:], k, s, lse, eb[:w])
		copy(st, t[p0:p0+w])
		for j := 1; j < k; j++ {
			vec.Add64(st, st, t[j*s+p0:][:w])
		}
		for j := 0; j < k; j++ {
			xs, ts, ds := x[j*s+p0:][:w], t[j*s+p0:][:w], dx[j*s+p0:][:w]
			vec.Sub64(ds, xs, lse)
			vec.ExpShiftSum64(ds, ds, 0)
			vec.AddMul64(ds, ds, st, 0) // Σt·softmax
			vec.Axpby64(ds, ds, ts, scale, -scale)
		}
	}
}
