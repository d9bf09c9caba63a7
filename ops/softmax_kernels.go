package ops

func softmaxForward[T float](log bool, x, y []T, outer, k, inner int) {
	block := k * inner
	parallelFor(outer, max(1, elementwiseGrain/block), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			xb, yb := x[o*block:(o+1)*block], y[o*block:(o+1)*block]
			for p := 0; p < inner; p++ {
				if log {
					lse := logSumExp(xb[p:], k, inner)
					for j := 0; j < k; j++ {
						q := j*inner + p
						yb[q] = T(float64(xb[q]) - lse)
					}
					continue
				}
				// e^(x-max) once per element, kept in y, then normalised
				m := strideMax(xb[p:], k, inner)
				sum := 0.0
				for j := 0; j < k; j++ {
					q := j*inner + p
					e := expT(xb[q] - m)
					yb[q] = e
					sum += float64(e)
				}
				inv := T(1 / sum)
				for j := 0; j < k; j++ {
					yb[j*inner+p] *= inv
				}
			}
		}
	})
}

func softmaxBackward[T float](log bool, y, dy, dx []T, outer, k, inner int) {
	block := k * inner
	parallelFor(outer, max(1, elementwiseGrain/block), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			yb, db, xb := y[o*block:(o+1)*block], dy[o*block:(o+1)*block], dx[o*block:(o+1)*block]
			for p := 0; p < inner; p++ {
				s := 0.0
				for j := 0; j < k; j++ {
					q := j*inner + p
					if log {
						s += float64(db[q])
					} else {
						s += float64(db[q]) * float64(yb[q])
					}
				}
				for j := 0; j < k; j++ {
					q := j*inner + p
					if log {
						xb[q] = T(float64(db[q]) - float64(expT(yb[q]))*s)
					} else {
						xb[q] = T(float64(yb[q]) * (float64(db[q]) - s))
					}
				}
			}
		}
	})
}
