package ops

import (
	"math"

	"gorgonia.org/tensor"
)

// bnForward normalises x into y with the batch's statistics (training) or
// the running ones, and writes the statistics it used into st.
func bnForward[T float](op *bnParams, st bnStats, x, gamma, beta, y []T, shape tensor.Shape) {
	n, c, s := bnGeometry(shape)
	m := float64(n * s)
	var runMean, runVar []T
	if op.runMean != nil {
		runMean, runVar = op.runMean.Data().([]T), op.runVar.Data().([]T)
	}
	parallelFor(c, channelGrain(n, s), func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var mean, invstd float64
			if op.training {
				// one pass over data shifted by a sample of the channel
				// (the assumed-mean method): accurate in float64 unless
				// the spread is ~1e8 times smaller than |x[0] - mean|
				k := float64(x[ch*s])
				var sum, sq float64
				for i := 0; i < n; i++ {
					a, b := shiftedSums(x[(i*c+ch)*s:(i*c+ch+1)*s], k)
					sum += a
					sq += b
				}
				mean = k + sum/m
				sq = max(0, sq-sum*sum/m) // Σ(x - mean)²
				variance := sq / m
				invstd = 1 / math.Sqrt(variance+op.eps)
				if runMean != nil {
					mom := op.momentum
					runMean[ch] = T((1-mom)*float64(runMean[ch]) + mom*mean)
					runVar[ch] = T((1-mom)*float64(runVar[ch]) + mom*sq/(m-1))
				}
			} else {
				mean = float64(runMean[ch])
				invstd = 1 / math.Sqrt(float64(runVar[ch])+op.eps)
			}
			st.mean[ch], st.invstd[ch] = mean, invstd
			// y = (x - mean)·a + b with a = gamma·invstd and b = beta
			a := invstd
			if gamma != nil {
				a *= float64(gamma[ch])
			}
			b := 0.0
			if beta != nil {
				b = float64(beta[ch])
			}
			mt, at, bt := T(mean), T(a), T(b)
			for i := 0; i < n; i++ {
				o := (i*c + ch) * s
				xs, ys := x[o:o+s], y[o:o+s]
				if op.relu {
					for j, v := range xs {
						ys[j] = max((v-mt)*at+bt, 0)
					}
					continue
				}
				for j, v := range xs {
					ys[j] = (v-mt)*at + bt
				}
			}
		}
	})
}

// reluMasked returns dy, or with a fused ReLU a copy of dy zeroed where
// the output y is not positive, in tmp (a block small enough for the
// cache, reused along the channel's loop).
func reluMasked[T float](relu bool, y, dy []T, tmp *[]T) []T {
	if !relu {
		return dy
	}
	if cap(*tmp) < len(dy) {
		*tmp = make([]T, len(dy))
	}
	t := (*tmp)[:len(dy)]
	reluGrad(y, dy, t)
	return t
}

func bnSums[T float](fwd *bnParams, st bnStats, x, y, dy, out []T, shape tensor.Shape) {
	n, c, s := bnGeometry(shape)
	parallelFor(c, channelGrain(n, s), func(lo, hi int) {
		var tmp []T
		for ch := lo; ch < hi; ch++ {
			mean, invstd := st.mean[ch], st.invstd[ch]
			var sdy, sdyx float64
			for i := 0; i < n; i++ {
				o := (i*c + ch) * s
				a, b := dotSums(x[o:o+s], reluMasked(fwd.relu, y[o:o+s], dy[o:o+s], &tmp), mean)
				sdy += a
				sdyx += b
			}
			out[ch], out[c+ch] = T(sdy), T(sdyx*invstd)
		}
	})
}

// shiftedSums returns Σ(x-k) and Σ(x-k)², with four accumulators each so
// that the additions do not wait on one another.
func shiftedSums[T float](x []T, k float64) (sum, sq float64) {
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d0, d1, d2, d3 := float64(x[i])-k, float64(x[i+1])-k, float64(x[i+2])-k, float64(x[i+3])-k
		s0, s1, s2, s3 = s0+d0, s1+d1, s2+d2, s3+d3
		q0, q1, q2, q3 = q0+d0*d0, q1+d1*d1, q2+d2*d2, q3+d3*d3
	}
	for ; i < len(x); i++ {
		d := float64(x[i]) - k
		s0 += d
		q0 += d * d
	}
	return (s0 + s1) + (s2 + s3), (q0 + q1) + (q2 + q3)
}

// dotSums returns Σdy and Σdy·(x-mean), with four accumulators each.
func dotSums[T float](x, dy []T, mean float64) (sdy, sdyx float64) {
	var a0, a1, a2, a3, b0, b1, b2, b3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d0, d1, d2, d3 := float64(dy[i]), float64(dy[i+1]), float64(dy[i+2]), float64(dy[i+3])
		a0, a1, a2, a3 = a0+d0, a1+d1, a2+d2, a3+d3
		b0 += d0 * (float64(x[i]) - mean)
		b1 += d1 * (float64(x[i+1]) - mean)
		b2 += d2 * (float64(x[i+2]) - mean)
		b3 += d3 * (float64(x[i+3]) - mean)
	}
	for ; i < len(x); i++ {
		d := float64(dy[i])
		a0 += d
		b0 += d * (float64(x[i]) - mean)
	}
	return (a0 + a1) + (a2 + a3), (b0 + b1) + (b2 + b3)
}

func bnGradX[T float](fwd *bnParams, st bnStats, x, y, dy, sums, gamma, dx []T, shape tensor.Shape) {
	n, c, s := bnGeometry(shape)
	m := float64(n * s)
	parallelFor(c, channelGrain(n, s), func(lo, hi int) {
		var tmp []T
		for ch := lo; ch < hi; ch++ {
			mean, invstd := st.mean[ch], st.invstd[ch]
			g := 1.0
			if gamma != nil {
				g = float64(gamma[ch])
			}
			k := g * invstd
			if sums == nil { // eval: dx = k·dy
				kt := T(k)
				for i := 0; i < n; i++ {
					o := (i*c + ch) * s
					ds, dxs := reluMasked(fwd.relu, y[o:o+s], dy[o:o+s], &tmp), dx[o:o+s]
					for j, d := range ds {
						dxs[j] = kt * d
					}
				}
				continue
			}
			// dx = k·dy - k·Σdy/M - k·x̂·Σ(dy·x̂)/M, with x̂ = (x - mean)·invstd:
			// dx = k·dy + c1·(x - mean) + c0
			meanDy := float64(sums[ch]) / m
			meanDyX := float64(sums[c+ch]) / m
			c1 := -k * meanDyX * invstd
			c0 := -k * meanDy
			kt, c1t, c0t, mt := T(k), T(c1), T(c0), T(mean)
			for i := 0; i < n; i++ {
				o := (i*c + ch) * s
				xs, ds, dxs := x[o:o+s], reluMasked(fwd.relu, y[o:o+s], dy[o:o+s], &tmp), dx[o:o+s]
				for j, d := range ds {
					dxs[j] = kt*d + c1t*(xs[j]-mt) + c0t
				}
			}
		}
	})
}
