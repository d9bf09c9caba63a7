package ops

import (
	"math"

	"github.com/convnet-go/convnet/internal/vec"
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
		if a32, ok := any(a).([]float32); ok {
			return softmaxCE32(op, a32, any(b).([]float32), n, k, s)
		}
		rows := growWork(&op.work, n)
		parallelFor(n, max(1, 4096/(k*s)), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if a64, ok := any(a).([]float64); ok {
					rows[i] = softmaxCESample64(a64[i*k*s:(i+1)*k*s], any(b).([]float64)[i*k*s:(i+1)*k*s], k, s)
					continue
				}
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
		if a32, ok := any(a).([]float32); ok {
			b32 := any(b).([]float32)
			return chunkedSum(len(a), &op.work, func(lo, hi int) float64 { return bce32(op, a32[lo:hi], b32[lo:hi]) }) / float64(len(a))
		}
		if a64, ok := any(a).([]float64); ok {
			b64 := any(b).([]float64)
			return chunkedSum(len(a), &op.work, func(lo, hi int) float64 { return bce64(a64[lo:hi], b64[lo:hi]) }) / float64(len(a))
		}
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
		if a32, ok := any(a).([]float32); ok {
			b32 := any(b).([]float32)
			return chunkedSum(len(a), &op.work, func(lo, hi int) float64 { return sqDiffSum32(op, a32[lo:hi], b32[lo:hi]) }) / float64(len(a))
		}
		if a64, ok := any(a).([]float64); ok {
			b64 := any(b).([]float64)
			return chunkedSum(len(a), &op.work, func(lo, hi int) float64 { return vec.SqDiffSum64(a64[lo:hi], b64[lo:hi]) }) / float64(len(a))
		}
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
			switch p := any(ps).(type) {
			case []float32:
				t := any(ts).([]float32)
				fn(i, vec.Dot(p, t), vec.Sum(p), vec.Sum(t))
			case []float64:
				t := any(ts).([]float64)
				fn(i, vec.Dot64(p, t), vec.Sum64(p), vec.Sum64(t))
			default:
				var inter, sp, st float64
				for j, pv := range ps {
					tv := float64(ts[j])
					inter += float64(pv) * tv
					sp += float64(pv)
					st += tv
				}
				fn(i, inter, sp, st)
			}
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
		if a32, ok := any(a).([]float32); ok {
			softmaxCEGrad32(op, a32, any(b).([]float32), any(da).([]float32), n, k, s, scale)
			return
		}
		parallelFor(n, max(1, 4096/(k*s)), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if a64, ok := any(a).([]float64); ok {
					r := i * k * s
					softmaxCEGradSample64(a64[r:r+k*s], any(b).([]float64)[r:r+k*s], any(da).([]float64)[r:r+k*s], k, s, scale)
					continue
				}
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
			if a32, ok := any(a).([]float32); ok { // scale·σ(x) - scale·t
				d := any(da).([]float32)[lo:hi]
				vec.Sigmoid(d, a32[lo:hi])
				vec.Scale(d, d, float32(scale))
				vec.Axpy(d, d, any(b).([]float32)[lo:hi], float32(-scale))
				return
			}
			if a64, ok := any(a).([]float64); ok {
				bceGrad64(a64[lo:hi], any(b).([]float64)[lo:hi], any(da).([]float64)[lo:hi], scale)
				return
			}
			for i := lo; i < hi; i++ {
				sig := float64(sigmoidT(a[i]))
				da[i] = T(scale * (sig - float64(b[i])))
			}
		})
	case lossMSE:
		scale := 2 * g / float64(len(a))
		parallelFor(len(a), elementwiseGrain, func(lo, hi int) {
			if a32, ok := any(a).([]float32); ok { // scale·(p - t)
				d := any(da).([]float32)[lo:hi]
				vec.Axpy(d, a32[lo:hi], any(b).([]float32)[lo:hi], -1)
				vec.Scale(d, d, float32(scale))
				return
			}
			if a64, ok := any(a).([]float64); ok {
				vec.Axpby64(any(da).([]float64)[lo:hi], a64[lo:hi], any(b).([]float64)[lo:hi], scale, -scale)
				return
			}
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
			switch d := any(dx).(type) {
			case []float32: // c·2·den·t - c·num
				vec.Scale(d, any(t).([]float32), float32(2*c*den))
				vec.AddScalar(d, d, float32(-c*num))
			case []float64:
				vec.ScaleAdd64(d, any(t).([]float64), 2*c*den, -c*num)
			default:
				for j := range dx {
					dx[j] = T(c * (2*float64(t[j])*den - num))
				}
			}
		})
	}
}

// ceScratch are the per-worker rows of the float32 cross-entropy: with
// positions (s > 1) the per-position maximum m, Σ_j e^(x_j - m) and target
// sum, and one row of exponentials.
type ceScratch struct{ m, se, ts, e []float32 }

// newCEScratch returns the rows for k classes and s positions, cut from
// buf (k elements for s = 1, else 4·s).
func newCEScratch(k, s int, buf []float32) ceScratch {
	if s == 1 {
		return ceScratch{e: buf[:k]}
	}
	return ceScratch{m: buf[:s], se: buf[s : 2*s], ts: buf[2*s : 3*s], e: buf[3*s : 4*s]}
}

// ceScratchLen is the length of newCEScratch's buf.
func ceScratchLen(k, s int) int {
	if s == 1 {
		return k
	}
	return 4 * s
}

// rowExp sets c.e = e^(x - max x) for one contiguous row and returns max x
// and Σ c.e.
func (c *ceScratch) rowExp(x []float32) (mx float32, sum float64) {
	mx = vec.Max(x)
	vec.ExpShift(c.e, x, mx)
	return mx, vec.Sum(c.e)
}

// positionSums sets, for one sample of k rows of s positions, c.m[p] =
// max_j x[j·s+p], c.se[p] = Σ_j e^(x[j·s+p] - c.m[p]) and c.ts[p] = Σ_j
// t[j·s+p].
func (c *ceScratch) positionSums(x, t []float32, k, s int) {
	copy(c.m, x[:s])
	for j := 1; j < k; j++ {
		vec.MaxOf(c.m, c.m, x[j*s:(j+1)*s])
	}
	clear(c.se)
	clear(c.ts)
	for j := 0; j < k; j++ {
		vec.ExpSub(c.e, x[j*s:(j+1)*s], c.m)
		vec.Add(c.se, c.se, c.e)
		vec.Add(c.ts, c.ts, t[j*s:(j+1)*s])
	}
}

// softmaxCE32 is the float32 softmax cross-entropy on internal/vec's
// kernels: per sample, Σ_p lse_p·Σ_j t_jp - Σ_j t_j·x_j with lse = m +
// log Σ e^(x-m), the maximum m kept apart so that large logits lose no
// precision (float64 sums). A sample whose sum is not finite (an infinite
// logit under a zero target, which the formula turns into 0·Inf) is redone
// term by term, skipping zero targets as the float64 path does.
func softmaxCE32(op *lossSpec, a, b []float32, n, k, s int) float64 {
	rows := growWork(&op.work, n)
	parallelFor(n, max(1, 4096/(k*s)), func(lo, hi int) {
		buf := op.rows.get(ceScratchLen(k, s))
		defer op.rows.put(buf)
		c := newCEScratch(k, s, *buf)
		for i := lo; i < hi; i++ {
			x, t := a[i*k*s:(i+1)*k*s], b[i*k*s:(i+1)*k*s]
			var acc float64
			if s == 1 {
				mx, sum := c.rowExp(x)
				acc = (float64(mx)+math.Log(sum))*vec.Sum(t) - vec.Dot(t, x)
			} else {
				c.positionSums(x, t, k, s)
				acc = vec.Dot(c.m, c.ts)
				vec.Log(c.se, c.se)
				acc += vec.Dot(c.se, c.ts)
				for j := 0; j < k; j++ {
					acc -= vec.Dot(t[j*s:(j+1)*s], x[j*s:(j+1)*s])
				}
			}
			if math.IsNaN(acc) || math.IsInf(acc, 0) {
				acc = 0
				for p := 0; p < s; p++ {
					lse := logSumExp(x[p:], k, s)
					for j := 0; j < k; j++ {
						if tv := float64(t[j*s+p]); tv != 0 {
							acc += tv * (lse - float64(x[j*s+p]))
						}
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
}

// softmaxCEGrad32 is the float32 cross-entropy gradient on internal/vec's
// kernels: dx = scale·(Σ_j t_j·softmax(x) - t), the softmax as
// e^(x-m)/Σ e^(x-m).
func softmaxCEGrad32(op *lossSpec, a, b, da []float32, n, k, s int, scale float64) {
	parallelFor(n, max(1, 4096/(k*s)), func(lo, hi int) {
		buf := op.rows.get(ceScratchLen(k, s))
		defer op.rows.put(buf)
		c := newCEScratch(k, s, *buf)
		for i := lo; i < hi; i++ {
			x, t, dx := a[i*k*s:(i+1)*k*s], b[i*k*s:(i+1)*k*s], da[i*k*s:(i+1)*k*s]
			if s == 1 {
				_, sum := c.rowExp(x)
				vec.Scale(dx, c.e, float32(scale*vec.Sum(t)/sum))
				vec.Axpy(dx, dx, t, float32(-scale))
				continue
			}
			c.positionSums(x, t, k, s)
			vec.Div(c.ts, c.ts, c.se) // the weight of e^(x-m): scale·Σt/Σe
			vec.Scale(c.ts, c.ts, float32(scale))
			for j := 0; j < k; j++ {
				row := dx[j*s : (j+1)*s]
				vec.ExpSub(row, x[j*s:(j+1)*s], c.m)
				vec.Mul(row, row, c.ts)
				vec.Axpy(row, row, t[j*s:(j+1)*s], float32(-scale))
			}
		}
	})
}

// sqDiffSum32 is Σ (p - t)² over a chunk of float32 predictions p and
// targets t, on internal/vec's kernels: the differences in float32 (as
// PyTorch's float32 mse_loss) through a scratch row, the squares and
// their sum in float64.
func sqDiffSum32(op *lossSpec, p, t []float32) float64 {
	row := op.rows.get(512)
	defer op.rows.put(row)
	buf := *row
	acc := 0.0
	for lo := 0; lo < len(p); lo += len(buf) {
		hi := min(lo+len(buf), len(p))
		d := buf[:hi-lo]
		vec.Axpy(d, p[lo:hi], t[lo:hi], -1)
		acc += vec.Dot(d, d)
	}
	return acc
}

// bce32 is Σ log(1+e^x) - x·t over a chunk of float32 logits x and
// targets t, on internal/vec's kernels, through a scratch row of
// softplus values (float64 sums).
func bce32(op *lossSpec, x, t []float32) float64 {
	row := op.rows.get(512)
	defer op.rows.put(row)
	buf := *row
	acc := 0.0
	for lo := 0; lo < len(x); lo += len(buf) {
		hi := min(lo+len(buf), len(x))
		sp := buf[:hi-lo]
		vec.Softplus(sp, x[lo:hi])
		acc += vec.Sum(sp) - vec.Dot(x[lo:hi], t[lo:hi])
	}
	return acc
}
