package ops

import (
	"math"

	"github.com/convnet-go/convnet/internal/vec"
)

// softmaxForward sets y to the softmax (or log-softmax) of x over the
// middle axis of (outer, k, inner).
func softmaxForward[T float](log bool, x, y []T, outer, k, inner int, rows *rowPool[float32]) {
	if x32, ok := any(x).([]float32); ok {
		softmaxForward32(log, x32, any(y).([]float32), outer, k, inner, rows)
		return
	}
	if x64, ok := any(x).([]float64); ok && inner == 1 {
		softmaxRows64(log, x64, any(y).([]float64), outer, k)
		return
	}
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

// softmaxBackward sets dx from the forward's output y and dy. The block
// of dy for outer index o starts at o·dyStep: dyStep is k·inner, or 0 for
// a dy that is one block for all (a constant).
func softmaxBackward[T float](log bool, y, dy, dx []T, outer, k, inner, dyStep int, rows *rowPool[float32]) {
	if y32, ok := any(y).([]float32); ok {
		softmaxBackward32(log, y32, any(dy).([]float32), any(dx).([]float32), outer, k, inner, dyStep, rows)
		return
	}
	if y64, ok := any(y).([]float64); ok && inner == 1 {
		softmaxGradRows64(log, y64, any(dy).([]float64), any(dx).([]float64), outer, k, dyStep)
		return
	}
	block := k * inner
	parallelFor(outer, max(1, elementwiseGrain/block), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			yb, db, xb := y[o*block:(o+1)*block], dy[o*dyStep:o*dyStep+block], dx[o*block:(o+1)*block]
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

// softmaxForward32 is softmaxForward for float32 on internal/vec's
// kernels. With inner = 1 each softmax is one contiguous row: its maximum,
// e^(x-max), the sum and the normalisation are whole-row kernels. With
// inner > 1 the kernels run across the inner positions, one row of the
// softmax axis at a time, with the per-position maximum and sum in
// scratch rows (from rows, the op's pool). Sums are in float32 (k terms
// of at most 1 each).
func softmaxForward32(log bool, x, y []float32, outer, k, inner int, rows *rowPool[float32]) {
	block := k * inner
	parallelFor(outer, max(1, elementwiseGrain/block), func(lo, hi int) {
		var m, s, e []float32
		if inner > 1 {
			mb, sb := rows.get(inner), rows.get(inner)
			defer rows.put(mb)
			defer rows.put(sb)
			m, s = *mb, *sb
		} else if log {
			eb := rows.get(k)
			defer rows.put(eb)
			e = *eb
		}
		for o := lo; o < hi; o++ {
			xb, yb := x[o*block:(o+1)*block], y[o*block:(o+1)*block]
			if inner == 1 {
				mx := vec.Max(xb)
				if log { // y = x - (max + log Σ e^(x-max)), one pass as PyTorch's
					vec.ExpShift(e, xb, mx)
					vec.AddScalar(yb, xb, -(mx + float32(math.Log(vec.Sum(e)))))
				} else {
					vec.ExpShift(yb, xb, mx)
					vec.Scale(yb, yb, float32(1/vec.Sum(yb)))
				}
				continue
			}
			copy(m, xb[:inner])
			for j := 1; j < k; j++ {
				vec.MaxOf(m, m, xb[j*inner:(j+1)*inner])
			}
			clear(s)
			for j := 0; j < k; j++ {
				row := yb[j*inner : (j+1)*inner]
				vec.ExpSub(row, xb[j*inner:(j+1)*inner], m)
				vec.Add(s, s, row)
			}
			if !log {
				for j := 0; j < k; j++ {
					row := yb[j*inner : (j+1)*inner]
					vec.Div(row, row, s)
				}
				continue
			}
			vec.Log(s, s)
			for j := 0; j < k; j++ {
				row := yb[j*inner : (j+1)*inner]
				vec.Axpy(row, xb[j*inner:(j+1)*inner], m, -1)
				vec.Axpy(row, row, s, -1)
			}
		}
	})
}

// softmaxBackward32 is softmaxBackward for float32 on internal/vec's
// kernels, laid out as softmaxForward32: dx = y·(dy - Σ dy·y) for the
// softmax, dx = dy - e^y·Σ dy for the log-softmax.
func softmaxBackward32(log bool, y, dy, dx []float32, outer, k, inner, dyStep int, rows *rowPool[float32]) {
	block := k * inner
	parallelFor(outer, max(1, elementwiseGrain/block), func(lo, hi int) {
		var s, t []float32
		if inner > 1 {
			sb, tb := rows.get(inner), rows.get(inner)
			defer rows.put(sb)
			defer rows.put(tb)
			s, t = *sb, *tb
		}
		for o := lo; o < hi; o++ {
			yb, db, xb := y[o*block:(o+1)*block], dy[o*dyStep:o*dyStep+block], dx[o*block:(o+1)*block]
			if inner == 1 {
				if log {
					vec.ExpShift(xb, yb, 0)
					vec.Axpy(xb, db, xb, float32(-vec.Sum(db)))
				} else {
					sd := float32(vec.Dot(db, yb))
					vec.AddScalar(xb, db, -sd)
					vec.Mul(xb, xb, yb)
				}
				continue
			}
			clear(s)
			for j := 0; j < k; j++ {
				r := j * inner
				if log {
					vec.Add(s, s, db[r:r+inner])
				} else {
					vec.Mul(t, db[r:r+inner], yb[r:r+inner])
					vec.Add(s, s, t)
				}
			}
			for j := 0; j < k; j++ {
				r := j * inner
				row := xb[r : r+inner]
				if log {
					vec.ExpShift(row, yb[r:r+inner], 0)
					vec.Mul(row, row, s)
					vec.Axpy(row, db[r:r+inner], row, -1)
				} else {
					vec.Axpy(row, db[r:r+inner], s, -1)
					vec.Mul(row, row, yb[r:r+inner])
				}
			}
		}
	})
}
