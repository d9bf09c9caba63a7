package ops

import (
	"math"

	"github.com/convnet-go/convnet/internal/vec"

	"gorgonia.org/tensor"
)

// bnPass is one pass of a BatchNorm kernel over the channels, split over
// goroutines by parallelRange: its arguments and the channel loop it runs
// (forward, gradient sums or dx). Each BatchNorm op keeps one per dtype in
// its bnParams and refills it at every run, so a pass allocates nothing.
type bnPass[T float] struct {
	kind  bnKind
	p     *bnParams
	st    bnStats
	n, c  int
	s     int     // values per (image, channel) plane
	m     float64 // values per channel, n·s
	x, y  []T     // the input and the forward's output
	dy    []T     // the output's gradient (backward)
	gamma []T     // nil: no scale
	beta  []T     // nil: no shift (forward)
	sums  []T     // Σdy and Σdy·x̂ per channel (dx in training)
	out   []T     // the pass's output: y (forward), the sums or dx
	// runMean and runVar are the running statistics (forward, nil: none).
	runMean, runVar []T
}

// bnKind selects the channel loop of a bnPass.
type bnKind int

const (
	bnForwardPass bnKind = iota // bnForwardRange
	bnSumsPass                  // bnSumsRange
	bnGradXPass                 // bnGradXRange
)

// Range runs the pass over channels [lo, hi) (workers.Ranger).
func (b *bnPass[T]) Range(lo, hi int) {
	switch b.kind {
	case bnForwardPass:
		bnForwardRange(b, lo, hi)
	case bnSumsPass:
		bnSumsRange(b, lo, hi)
	default:
		bnGradXRange(b, lo, hi)
	}
}

// bnPassOf returns p's reusable pass for T, set to shape's geometry and
// kind; the caller fills in the slices. (A kind, not a function value: a
// generic function's value is a closure that would be allocated per run.)
func bnPassOf[T float](p *bnParams, st bnStats, shape tensor.Shape, kind bnKind) *bnPass[T] {
	var b *bnPass[T]
	switch any(b).(type) {
	case *bnPass[float32]:
		b = any(&p.pass32).(*bnPass[T])
	default:
		b = any(&p.pass64).(*bnPass[T])
	}
	n, c, s := bnGeometry(shape)
	*b = bnPass[T]{kind: kind, p: p, st: st, n: n, c: c, s: s, m: float64(n * s)}
	return b
}

// runPass runs b over the channels, then drops its references to the
// run's tensors.
func runPass[T float](b *bnPass[T]) {
	parallelRange(b.c, channelGrain(b.n, b.s), b)
	*b = bnPass[T]{}
}

// bnForward normalises x into y with the batch's statistics (training) or
// the running ones, and writes the statistics it used into st.
func bnForward[T float](op *bnParams, st bnStats, x, gamma, beta, y []T, shape tensor.Shape) {
	b := bnPassOf[T](op, st, shape, bnForwardPass)
	b.x, b.gamma, b.beta, b.out = x, gamma, beta, y
	if op.runMean != nil {
		// viewOf, not Data(): Data builds its slice through reflect
		// and allocates at every call
		b.runMean, b.runVar = viewOf[T](op.runMean).data, viewOf[T](op.runVar).data
	}
	runPass(b)
}

// bnForwardRange is bnForward for channels [lo, hi): one pass over the
// channel for its statistics (training), one that writes y.
func bnForwardRange[T float](b *bnPass[T], lo, hi int) {
	op, x, y, n, c, s, m := b.p, b.x, b.out, b.n, b.c, b.s, b.m
	for ch := lo; ch < hi; ch++ {
		var mean, invstd float64
		if op.training {
			// one pass over data shifted by a sample of the channel
			// (the assumed-mean method): accurate in float64 unless
			// the spread is ~1e8 times smaller than |x[0] - mean|
			k := float64(x[ch*s])
			var sum, sq float64
			for i := 0; i < n; i++ {
				o := (i*c + ch) * s
				var a, q float64
				if x32, ok := any(x).([]float32); ok && bnVector() {
					// y's plane, overwritten below, holds x - k
					a, q = shiftedSumsVec(x32[o:o+s], any(y).([]float32)[o:o+s], float32(k))
				} else if x64, ok := any(x).([]float64); ok {
					a, q = vec.BNSums64(x64[o:o+s], k)
				} else {
					a, q = shiftedSums(x[o:o+s], k)
				}
				sum += a
				sq += q
			}
			mean = k + sum/m
			sq = max(0, sq-sum*sum/m) // Σ(x - mean)²
			variance := sq / m
			invstd = 1 / math.Sqrt(variance+op.eps)
			if b.runMean != nil {
				mom := op.momentum
				b.runMean[ch] = T((1-mom)*float64(b.runMean[ch]) + mom*mean)
				b.runVar[ch] = T((1-mom)*float64(b.runVar[ch]) + mom*sq/(m-1))
			}
		} else {
			mean = float64(b.runMean[ch])
			invstd = 1 / math.Sqrt(float64(b.runVar[ch])+op.eps)
		}
		b.st.mean[ch], b.st.invstd[ch] = mean, invstd
		// y = (x - mean)·a + beta with a = gamma·invstd
		a := invstd
		if b.gamma != nil {
			a *= float64(b.gamma[ch])
		}
		sh := 0.0
		if b.beta != nil {
			sh = float64(b.beta[ch])
		}
		mt, at, bt := T(mean), T(a), T(sh)
		for i := 0; i < n; i++ {
			o := (i*c + ch) * s
			xs, ys := x[o:o+s], y[o:o+s]
			if x32, ok := any(xs).([]float32); ok && bnVector() {
				normaliseVec(any(ys).([]float32), x32, float32(mt), float32(at), float32(bt), op.relu)
				continue
			}
			if x64, ok := any(xs).([]float64); ok {
				vec.BNAffine64(any(ys).([]float64), x64, mean, a, sh, op.relu)
				continue
			}
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
}

// bnSums computes, per channel, Σdy and Σdy·x̂ into out (rows 0 and 1 of a
// (2, C) tensor). With a fused ReLU, dy counts only where y > 0.
func bnSums[T float](fwd *bnParams, st bnStats, x, y, dy, out []T, shape tensor.Shape) {
	b := bnPassOf[T](fwd, st, shape, bnSumsPass)
	b.x, b.y, b.dy, b.out = x, y, dy, out
	runPass(b)
}

func bnSumsRange[T float](b *bnPass[T], lo, hi int) {
	x, y, dy, n, c, s := b.x, b.y, b.dy, b.n, b.c, b.s
	for ch := lo; ch < hi; ch++ {
		mean, invstd := b.st.mean[ch], b.st.invstd[ch]
		var sdy, sdyx float64
		for i := 0; i < n; i++ {
			o := (i*c + ch) * s
			var a, q float64
			if b.p.relu {
				a, q = dotSumsMasked(x[o:o+s], y[o:o+s], dy[o:o+s], mean)
			} else {
				a, q = dotSums(x[o:o+s], dy[o:o+s], mean)
			}
			sdy += a
			sdyx += q
		}
		b.out[ch], b.out[c+ch] = T(sdy), T(sdyx*invstd)
	}
}

// bnVector reports whether BatchNorm's float32 forward uses internal/vec's
// kernels: with AVX2 its passes over a cached block beat one fused scalar
// loop; elsewhere vec's portable code would turn one pass into several.
func bnVector() bool { return vec.Name() == "avx2" }

// bnBlock is the block that shiftedSumsVec and normaliseVec pass over
// several times: 16 KB, resident in L1.
const bnBlock = 4096

// shiftedSumsVec is shiftedSums for float32 with internal/vec's kernels:
// d = x - k is rounded to float32 (in scratch, as long as x), then Σd and
// Σd² are added in float64. The rounding of d is relative to d itself,
// so an offset k ≈ mean costs no accuracy, as in shiftedSums.
func shiftedSumsVec(x, scratch []float32, k float32) (sum, sq float64) {
	for j := 0; j < len(x); j += bnBlock {
		e := min(j+bnBlock, len(x))
		d := scratch[j:e]
		vec.AddScalar(d, x[j:e], -k)
		sum += vec.Sum(d)
		sq += vec.Dot(d, d)
	}
	return sum, sq
}

// normaliseVec sets y = (x - mt)·at + bt (then max(·, 0) with relu) with
// internal/vec's kernels, rounding after each operation as the scalar loop
// does, so the results are the same.
func normaliseVec(y, x []float32, mt, at, bt float32, relu bool) {
	for j := 0; j < len(x); j += bnBlock {
		e := min(j+bnBlock, len(x))
		yb := y[j:e]
		vec.AddScalar(yb, x[j:e], -mt)
		vec.Scale(yb, yb, at)
		vec.AddScalar(yb, yb, bt)
		if relu {
			vec.ReLU(yb, yb)
		}
	}
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

// dotSumsMasked is dotSums with dy taken as +0 where y ≤ 0 or is a NaN
// (the gradient through a fused ReLU) without writing the masked dy out:
// the same sums, in the same order, as dotSums of the masked copy.
func dotSumsMasked[T float](x, y, dy []T, mean float64) (sdy, sdyx float64) {
	switch xs := any(x).(type) {
	case []float32:
		return dotSumsMasked32(xs, any(y).([]float32), any(dy).([]float32), mean)
	default:
		return dotSumsMasked64(any(x).([]float64), any(y).([]float64), any(dy).([]float64), mean)
	}
}

func dotSumsMasked32(x, y, dy []float32, mean float64) (sdy, sdyx float64) {
	y, dy = y[:len(x)], dy[:len(x)]
	// the masked dy, without a branch: dy's bits cleared where y is not > 0
	m := func(i int) float64 { return float64(math.Float32frombits(math.Float32bits(dy[i]) &^ notPos32(y[i]))) }
	var a0, a1, a2, a3, b0, b1, b2, b3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d0, d1, d2, d3 := m(i), m(i+1), m(i+2), m(i+3)
		a0, a1, a2, a3 = a0+d0, a1+d1, a2+d2, a3+d3
		b0 += d0 * (float64(x[i]) - mean)
		b1 += d1 * (float64(x[i+1]) - mean)
		b2 += d2 * (float64(x[i+2]) - mean)
		b3 += d3 * (float64(x[i+3]) - mean)
	}
	for ; i < len(x); i++ {
		d := m(i)
		a0 += d
		b0 += d * (float64(x[i]) - mean)
	}
	return (a0 + a1) + (a2 + a3), (b0 + b1) + (b2 + b3)
}

func dotSumsMasked64(x, y, dy []float64, mean float64) (sdy, sdyx float64) {
	y, dy = y[:len(x)], dy[:len(x)]
	m := func(i int) float64 { return math.Float64frombits(math.Float64bits(dy[i]) &^ notPos64(y[i])) }
	var a0, a1, a2, a3, b0, b1, b2, b3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d0, d1, d2, d3 := m(i), m(i+1), m(i+2), m(i+3)
		a0, a1, a2, a3 = a0+d0, a1+d1, a2+d2, a3+d3
		b0 += d0 * (x[i] - mean)
		b1 += d1 * (x[i+1] - mean)
		b2 += d2 * (x[i+2] - mean)
		b3 += d3 * (x[i+3] - mean)
	}
	for ; i < len(x); i++ {
		d := m(i)
		a0 += d
		b0 += d * (x[i] - mean)
	}
	return (a0 + a1) + (a2 + a3), (b0 + b1) + (b2 + b3)
}

// bnGradX computes dx. Training: dx = γ·invstd·(dy - Σdy/M - x̂·Σ(dy·x̂)/M);
// eval (sums nil): dx = γ·invstd·dy. With a fused ReLU, dy counts only
// where y > 0.
func bnGradX[T float](fwd *bnParams, st bnStats, x, y, dy, sums, gamma, dx []T, shape tensor.Shape) {
	b := bnPassOf[T](fwd, st, shape, bnGradXPass)
	b.x, b.y, b.dy, b.sums, b.gamma, b.out = x, y, dy, sums, gamma, dx
	runPass(b)
}

func bnGradXRange[T float](b *bnPass[T], lo, hi int) {
	x, y, dy, dx, n, c, s := b.x, b.y, b.dy, b.out, b.n, b.c, b.s
	relu := b.p.relu
	for ch := lo; ch < hi; ch++ {
		mean, invstd := b.st.mean[ch], b.st.invstd[ch]
		g := 1.0
		if b.gamma != nil {
			g = float64(b.gamma[ch])
		}
		k := g * invstd
		kt := T(k)
		if b.sums == nil { // eval: dx = k·dy
			for i := 0; i < n; i++ {
				o := (i*c + ch) * s
				ds, dxs := dy[o:o+s], dx[o:o+s]
				if relu {
					// the masked dy, into dx (vectorised), then scaled
					// in place while the plane is in cache
					reluGrad(y[o:o+s], ds, dxs)
					ds = dxs
				}
				for j, d := range ds {
					dxs[j] = kt * d
				}
			}
			continue
		}
		// dx = k·dy - k·Σdy/M - k·x̂·Σ(dy·x̂)/M, with x̂ = (x - mean)·invstd:
		// dx = k·dy + c1·(x - mean) + c0
		meanDy := float64(b.sums[ch]) / b.m
		meanDyX := float64(b.sums[c+ch]) / b.m
		c1 := -k * meanDyX * invstd
		c0 := -k * meanDy
		c1t, c0t, mt := T(c1), T(c0), T(mean)
		for i := 0; i < n; i++ {
			o := (i*c + ch) * s
			xs, ds, dxs := x[o:o+s], dy[o:o+s], dx[o:o+s]
			if relu {
				reluGrad(y[o:o+s], ds, dxs)
				ds = dxs
			}
			for j, d := range ds {
				dxs[j] = kt*d + c1t*(xs[j]-mt) + c0t
			}
		}
	}
}
