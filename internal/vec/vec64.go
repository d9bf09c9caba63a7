package vec

import "math"

// kernelSet64 holds the float64 kernels of the exponential family
// (gen_kernels64.go); a nil kernel means the math package. They take n a
// multiple of 4.
type kernelSet64 struct {
	expShift, elu func(dst, x *float64, n int, c float64)
	sigmoid, tanh func(dst, x *float64, n int)
}

// blocks64 is the prefix of n elements a float64 kernel handles.
func blocks64(ok bool, n int) int {
	if !ok {
		return 0
	}
	return n - n%4
}

// Exp64 is e^x: math.Exp, except between 709.43 and the overflow point
// 709.78, where math.Exp returns +Inf on amd64 (its assembly overflows
// early) and Exp64 the finite value, as the AVX2 kernels do.
func Exp64(x float64) float64 {
	if x > 709 && x < 710 {
		return math.Exp(x-1) * math.E
	}
	return math.Exp(x)
}

// ExpShift64 sets dst[i] = e^(x[i]-c) for i < len(dst), within a few ulps
// of math.Exp (see gen_kernels64.go); dst may be x.
func ExpShift64(dst, x []float64, c float64) { expShift64(&asm64, dst, x, c) }

func expShift64(ks *kernelSet64, dst, x []float64, c float64) {
	x = x[:len(dst)]
	i := blocks64(ks.expShift != nil, len(dst))
	if i > 0 {
		ks.expShift(&dst[0], &x[0], i, c)
	}
	for ; i < len(dst); i++ {
		dst[i] = Exp64(x[i] - c)
	}
}

// Sigmoid64 sets dst[i] = 1/(1+e^-x[i]); dst may be x.
func Sigmoid64(dst, x []float64) { sigmoid64(&asm64, dst, x) }

func sigmoid64(ks *kernelSet64, dst, x []float64) {
	x = x[:len(dst)]
	i := blocks64(ks.sigmoid != nil, len(dst))
	if i > 0 {
		ks.sigmoid(&dst[0], &x[0], i)
	}
	for ; i < len(dst); i++ {
		dst[i] = 1 / (1 + Exp64(-x[i]))
	}
}

// Tanh64 sets dst[i] = tanh(x[i]); dst may be x.
func Tanh64(dst, x []float64) { tanh64(&asm64, dst, x) }

func tanh64(ks *kernelSet64, dst, x []float64) {
	x = x[:len(dst)]
	i := blocks64(ks.tanh != nil, len(dst))
	if i > 0 {
		ks.tanh(&dst[0], &x[0], i)
	}
	for ; i < len(dst); i++ {
		dst[i] = math.Tanh(x[i])
	}
}

// ELU64 sets dst[i] = alpha·(e^x[i] - 1) where x[i] < 0 and x[i]
// elsewhere (±0 and NaN included); dst may be x.
func ELU64(dst, x []float64, alpha float64) { elu64(&asm64, dst, x, alpha) }

func elu64(ks *kernelSet64, dst, x []float64, alpha float64) {
	x = x[:len(dst)]
	i := blocks64(ks.elu != nil, len(dst))
	if i > 0 {
		ks.elu(&dst[0], &x[0], i, alpha)
	}
	for ; i < len(dst); i++ {
		if v := x[i]; v < 0 {
			dst[i] = alpha * math.Expm1(v)
		} else {
			dst[i] = v
		}
	}
}
