package ops

import (
	"math"

	"gorgonia.org/tensor"
)

// chunkSize is the number of elements one partial sum covers. Partial sums
// are per chunk, not per worker, so results do not depend on GOMAXPROCS.
const chunkSize = 1 << 13

// chunkedSum returns Σ over chunks of fn(lo, hi), computing the chunks in
// parallel and adding the partial sums in order. work is scratch space.
func chunkedSum(n int, work *[]float64, fn func(lo, hi int) float64) float64 {
	chunks := (n + chunkSize - 1) / chunkSize
	if cap(*work) < chunks {
		*work = make([]float64, chunks)
	}
	part := (*work)[:chunks]
	parallelFor(chunks, 2, func(clo, chi int) {
		for c := clo; c < chi; c++ {
			part[c] = fn(c*chunkSize, min((c+1)*chunkSize, n))
		}
	})
	s := 0.0
	for _, v := range part {
		s += v
	}
	return s
}

// growWork returns (*work)[:n], growing it when needed.
func growWork(work *[]float64, n int) []float64 {
	if cap(*work) < n {
		*work = make([]float64, n)
	}
	return (*work)[:n]
}

// ceGeometry splits a shape (N, K, d1, ...) into N, K and the number of
// positions per sample S = d1·d2·....
func ceGeometry(shape tensor.Shape) (n, k, s int) {
	n, k, s = shape[0], shape[1], 1
	for _, d := range shape[2:] {
		s *= d
	}
	return n, k, s
}

// strideMax returns max_k x[k·stride] for k >= 1 (NaN if any is NaN).
func strideMax[T float](x []T, k, stride int) T {
	m := x[0]
	for j := 1; j < k; j++ {
		m = max(m, x[j*stride])
	}
	return m
}

// logSumExp returns log Σ_k exp(x[k·stride]) for k >= 1, as
// max + log Σ_k exp(x[k·stride] - max).
func logSumExp[T float](x []T, k, stride int) float64 {
	m := strideMax(x, k, stride)
	sum := 0.0
	for j := 0; j < k; j++ {
		sum += float64(expT(x[j*stride] - m))
	}
	return float64(m) + math.Log(sum)
}

func lossForward[T float](op *lossSpec, a, b []T, shape tensor.Shape) float64 {
	switch op.kind {
	case lossSoftmaxCE:
		n, k, s := ceGeometry(shape)
		rows := growWork(&op.work, n)
		parallelFor(n, max(1, 4096/(k*s)), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				x, t := a[i*k*s:(i+1)*k*s], b[i*k*s:(i+1)*k*s]
				acc := 0.0
				for p := 0; p < s; p++ {
					lse := logSumExp(x[p:], k, s)
					for j := 0; j < k; j++ {
						if tv := float64(t[j*s+p]); tv != 0 {
							acc += tv * (lse - float64(x[j*s+p]))
						}
					}
				}
				rows[i] = acc
			}
		})
		total := 0.0
		for _, v := range rows {
			total += v
		}
		return total / float64(n*s)
	case lossBCE:
		sum := chunkedSum(len(a), &op.work, func(lo, hi int) float64 {
			acc := 0.0
			for i := lo; i < hi; i++ {
				x, t := float64(a[i]), float64(b[i])
				acc += float64(softplusT(a[i])) - x*t // log(1+e^x) - x·t
			}
			return acc
		})
		return sum / float64(len(a))
	case lossMSE:
		sum := chunkedSum(len(a), &op.work, func(lo, hi int) float64 {
			acc := 0.0
			for i := lo; i < hi; i++ {
				d := float64(a[i]) - float64(b[i])
				acc += d * d
			}
			return acc
		})
		return sum / float64(len(a))
	default: // lossDice
		n := shape[0]
		ratios := growWork(&op.work, n)
		diceSums(a, b, n, func(i int, inter, sp, st float64) {
			ratios[i] = diceRatio(inter, sp, st, op.smooth)
		})
		mean := 0.0
		for _, r := range ratios {
			mean += r
		}
		return 1 - mean/float64(n)
	}
}

// diceSums computes, per sample i of n, Σ p·t, Σ p and Σ t, and calls fn
// with them (in parallel over samples).
func diceSums[T float](p, t []T, n int, fn func(i int, inter, sp, st float64)) {
	d := len(p) / n
	parallelFor(n, max(1, 8192/d), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ps, ts := p[i*d:(i+1)*d], t[i*d:(i+1)*d]
			var inter, sp, st float64
			for j, pv := range ps {
				tv := float64(ts[j])
				inter += float64(pv) * tv
				sp += float64(pv)
				st += tv
			}
			fn(i, inter, sp, st)
		}
	})
}

func diceRatio(inter, sp, st, smooth float64) float64 {
	den := sp + st + smooth
	if den == 0 {
		return 1
	}
	return (2*inter + smooth) / den
}

func lossBackward[T float](op *lossSpec, a, b, da []T, shape tensor.Shape, g float64) {
	switch op.kind {
	case lossSoftmaxCE:
		n, k, s := ceGeometry(shape)
		scale := g / float64(n*s)
		parallelFor(n, max(1, 4096/(k*s)), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				x, t, dx := a[i*k*s:(i+1)*k*s], b[i*k*s:(i+1)*k*s], da[i*k*s:(i+1)*k*s]
				for p := 0; p < s; p++ {
					lse := logSumExp(x[p:], k, s)
					st := 0.0
					for j := 0; j < k; j++ {
						st += float64(t[j*s+p])
					}
					for j := 0; j < k; j++ {
						q := j*s + p
						sm := float64(expT(T(float64(x[q]) - lse)))
						dx[q] = T(scale * (st*sm - float64(t[q])))
					}
				}
			}
		})
	case lossBCE:
		scale := g / float64(len(a))
		parallelFor(len(a), elementwiseGrain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				sig := float64(sigmoidT(a[i]))
				da[i] = T(scale * (sig - float64(b[i])))
			}
		})
	case lossMSE:
		scale := 2 * g / float64(len(a))
		parallelFor(len(a), elementwiseGrain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				da[i] = T(scale * (float64(a[i]) - float64(b[i])))
			}
		})
	default: // lossDice
		n := shape[0]
		d := len(a) / n
		diceSums(a, b, n, func(i int, inter, sp, st float64) {
			num, den := 2*inter+op.smooth, sp+st+op.smooth
			dx, t := da[i*d:(i+1)*d], b[i*d:(i+1)*d]
			if den == 0 {
				clear(dx)
				return
			}
			// ∂/∂p_j of -(1/N)·num/den = -(1/N)·(2·t_j·den - num)/den²
			c := -g / (float64(n) * den * den)
			for j := range dx {
				dx[j] = T(c * (2*float64(t[j])*den - num))
			}
		})
	}
}
