package ops

import (
	"math"

	"github.com/convnet-go/convnet/internal/vec"
)

// The float64 paths of the activations and the softmax that run on
// internal/vec's float64 kernels (AVX2 on amd64, within 2 ulps of the math
// package; math itself elsewhere). float64 graphs are for gradient checks,
// so these keep math's accuracy rather than float32's shortcuts.

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

// activateGrad64 is activateGrad for the float64 kinds that need an
// exponential (softplus' = sigmoid); it reports false for the others.
func activateGrad64(kind activation, x, dy, dx []float64) bool {
	if kind != actSoftplus {
		return false
	}
	vec.Sigmoid64(dx, x)
	dy = dy[:len(dx)]
	for i, d := range dy {
		dx[i] *= d
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
// inner = 1: dx = dy - e^y·Σ dy per row.
func logSoftmaxGradRows64(y, dy, dx []float64, outer, k int) {
	parallelFor(outer, max(1, elementwiseGrain/k), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			yb, db, xb := y[o*k:(o+1)*k], dy[o*k:(o+1)*k], dx[o*k:(o+1)*k]
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
