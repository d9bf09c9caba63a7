package vec

import "math"

//go:generate go run gen_loss64.go

// The float64 arithmetic of softmax and the losses: reductions (maximum,
// dot product, squared differences) and elementwise forms with scalars. On
// amd64 with AVX2 and FMA they run the kernels of loss64_amd64.s
// (gen_loss64.go) on the longest prefix of whole blocks, the portable loops
// below on the rest; elsewhere, or with -tags purego, the loops alone.
// Each result depends on the length only, never on GOMAXPROCS.

// Max64 returns the largest x[i]: -Inf for an empty x, NaN if any x[i] is.
func Max64(x []float64) float64 { return max64(&asm64, x) }

func max64(ks *kernelSet64, x []float64) float64 {
	m, i := math.Inf(-1), 0
	if ks.asm && len(x) >= 16 {
		i = len(x) - len(x)%16
		m = max64AVX2(&x[0], i)
	}
	for _, v := range x[i:] {
		m = max(m, v)
	}
	return m
}

// Dot64 returns Σ a[i]·b[i] for i < len(a).
func Dot64(a, b []float64) float64 { return dot64(&asm64, a, b) }

func dot64(ks *kernelSet64, a, b []float64) float64 {
	b = b[:len(a)]
	s, i := 0.0, 0
	if ks.asm && len(a) >= 16 {
		i = len(a) - len(a)%16
		s = dot64AVX2(&a[0], &b[0], i)
	}
	for ; i < len(a); i++ {
		s += a[i] * b[i]
	}
	return s
}

// SqDiffSum64 returns Σ (a[i] - b[i])² for i < len(a).
func SqDiffSum64(a, b []float64) float64 { return sqDiffSum64(&asm64, a, b) }

func sqDiffSum64(ks *kernelSet64, a, b []float64) float64 {
	b = b[:len(a)]
	s, i := 0.0, 0
	if ks.asm && len(a) >= 16 {
		i = len(a) - len(a)%16
		s = sqDiff64AVX2(&a[0], &b[0], i)
	}
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}

// ScaleAdd64 sets dst[i] = a·x[i] + c (rounded once on amd64, where it is
// a fused multiply-add); dst may be x.
func ScaleAdd64(dst, x []float64, a, c float64) { scaleAdd64(&asm64, dst, x, a, c) }

func scaleAdd64(ks *kernelSet64, dst, x []float64, a, c float64) {
	x = x[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		scaleAdd64AVX2(&dst[0], &x[0], i, a, c)
	}
	for ; i < len(dst); i++ {
		dst[i] = a*x[i] + c
	}
}

// Axpby64 sets dst[i] = ca·a[i] + cb·b[i]; dst may be a or b.
func Axpby64(dst, a, b []float64, ca, cb float64) { axpby64(&asm64, dst, a, b, ca, cb) }

func axpby64(ks *kernelSet64, dst, a, b []float64, ca, cb float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		axpby64AVX2(&dst[0], &a[0], &b[0], i, ca, cb)
	}
	for ; i < len(dst); i++ {
		dst[i] = ca*a[i] + cb*b[i]
	}
}

// AddMul64 sets dst[i] = (a[i] + c)·b[i]; dst may be a or b.
func AddMul64(dst, a, b []float64, c float64) { addMul64(&asm64, dst, a, b, c) }

func addMul64(ks *kernelSet64, dst, a, b []float64, c float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		addMul64AVX2(&dst[0], &a[0], &b[0], i, c)
	}
	for ; i < len(dst); i++ {
		dst[i] = (a[i] + c) * b[i]
	}
}

// MaxOf64 sets dst[i] = max(a[i], b[i]), NaN if either is (for a ±0 pair
// either zero); dst may be a or b.
func MaxOf64(dst, a, b []float64) { maxOf64(&asm64, dst, a, b) }

func maxOf64(ks *kernelSet64, dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		maxOf64AVX2(&dst[0], &a[0], &b[0], i)
	}
	for ; i < len(dst); i++ {
		dst[i] = max(a[i], b[i])
	}
}

// Sub64 sets dst[i] = a[i] - b[i]; dst may be a or b.
func Sub64(dst, a, b []float64) { sub64(&asm64, dst, a, b) }

func sub64(ks *kernelSet64, dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		sub64AVX2(&dst[0], &a[0], &b[0], i)
	}
	for ; i < len(dst); i++ {
		dst[i] = a[i] - b[i]
	}
}

// Sum64 returns Σ x[i], as Sum does for float64 (the same 16 partial sums
// on amd64, so the same result), without Sum's generic dispatch: a
// caller's stack buffer passed to it stays on the stack.
func Sum64(x []float64) float64 { return sumRow64(&asm64, x) }

func sumRow64(ks *kernelSet64, x []float64) float64 {
	s, i := 0.0, 0
	if ks.asm && len(x) >= 16 {
		i = len(x) - len(x)%16
		s = sumRow64AVX2(&x[0], i)
	}
	for _, v := range x[i:] {
		s += v
	}
	return s
}

// Add64 sets dst[i] = a[i] + b[i], as Add does for float64, without its
// generic dispatch (see Sum64); dst may be a or b.
func Add64(dst, a, b []float64) { addRow64(&asm64, dst, a, b) }

func addRow64(ks *kernelSet64, dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		addRow64AVX2(&dst[0], &a[0], &b[0], i)
	}
	for ; i < len(dst); i++ {
		dst[i] = a[i] + b[i]
	}
}

// ExpShiftSum64 sets dst[i] = e^(x[i]-c) for i < len(dst), the same
// values as ExpShift64 (bit for bit), and returns Σ dst[i]; dst may be x.
// Its kernel computes two vectors at a time, their dependency chains
// interleaved.
func ExpShiftSum64(dst, x []float64, c float64) float64 { return expShiftSum64(&asm64, dst, x, c) }

func expShiftSum64(ks *kernelSet64, dst, x []float64, c float64) float64 {
	x = x[:len(dst)]
	s, i := 0.0, 0
	if ks.asm && len(dst) >= 8 {
		i = len(dst) - len(dst)%8
		s = expShiftSum64AVX2(&dst[0], &x[0], i, c)
	}
	// the rest as ExpShift64 does it: a block of 4, then the math package
	expShift64(ks, dst[i:], x[i:], c)
	for _, v := range dst[i:] {
		s += v
	}
	return s
}
