package vec

import "math"

//go:generate go run gen_act.go

// The float64 kernels of the cheap activations and activation gradients
// (gen_act.go): AVX2 on amd64 for the prefix of n a multiple of 4, the
// scalar loops below for the tail and everywhere else. Both run the same
// correctly rounded operations (the explicit float64 conversions keep the
// compiler from fusing a multiply and an add), so results do not depend
// on the machine, the length or the alignment. dst may be an input.

// LeakyReLU64 sets dst[i] = alpha·x[i] where x[i]'s sign bit is set
// (negative numbers, -0 and negative NaNs) and x[i] elsewhere.
func LeakyReLU64(dst, x []float64, alpha float64) { leakyReLU64(&asm64, dst, x, alpha) }

func leakyReLU64(ks *kernelSet64, dst, x []float64, alpha float64) {
	x = x[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		leakyReLU64AVX2(&dst[0], &x[0], i, alpha)
	}
	for ; i < len(dst); i++ {
		if v := x[i]; math.Signbit(v) {
			dst[i] = alpha * v
		} else {
			dst[i] = v
		}
	}
}

// LeakyReLUGrad64 sets dst[i] = dy[i] where x[i] > 0, else alpha·dy[i]
// (x[i] <= 0 or a NaN).
func LeakyReLUGrad64(dst, x, dy []float64, alpha float64) {
	leakyReLUGrad64(&asm64, dst, x, dy, alpha)
}

func leakyReLUGrad64(ks *kernelSet64, dst, x, dy []float64, alpha float64) {
	x, dy = x[:len(dst)], dy[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		leakyReLUGrad64AVX2(&dst[0], &x[0], &dy[0], i, alpha)
	}
	for ; i < len(dst); i++ {
		if x[i] > 0 {
			dst[i] = dy[i]
		} else {
			dst[i] = alpha * dy[i]
		}
	}
}

// ELUGrad64 sets dst[i] = dy[i] where y[i] > 0, else (y[i]+alpha)·dy[i]:
// the gradient of the ELU from its output y = ELU(x) (alpha·e^x = y +
// alpha; y > 0 exactly where x > 0 for alpha >= 0).
func ELUGrad64(dst, y, dy []float64, alpha float64) { eluGrad64(&asm64, dst, y, dy, alpha) }

func eluGrad64(ks *kernelSet64, dst, y, dy []float64, alpha float64) {
	y, dy = y[:len(dst)], dy[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		eluGrad64AVX2(&dst[0], &y[0], &dy[0], i, alpha)
	}
	for ; i < len(dst); i++ {
		if y[i] > 0 {
			dst[i] = dy[i]
		} else {
			dst[i] = float64(y[i]+alpha) * dy[i]
		}
	}
}

// SigmoidGrad64 sets dst[i] = y[i]·(1-y[i])·dy[i], the gradient of the
// sigmoid from its output y.
func SigmoidGrad64(dst, y, dy []float64) { sigmoidGrad64(&asm64, dst, y, dy) }

func sigmoidGrad64(ks *kernelSet64, dst, y, dy []float64) {
	y, dy = y[:len(dst)], dy[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		sigmoidGrad64AVX2(&dst[0], &y[0], &dy[0], i)
	}
	for ; i < len(dst); i++ {
		v := y[i]
		dst[i] = float64(v*float64(1-v)) * dy[i]
	}
}

// TanhGrad64 sets dst[i] = (1-y[i]²)·dy[i], the gradient of tanh from its
// output y.
func TanhGrad64(dst, y, dy []float64) { tanhGrad64(&asm64, dst, y, dy) }

func tanhGrad64(ks *kernelSet64, dst, y, dy []float64) {
	y, dy = y[:len(dst)], dy[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		tanhGrad64AVX2(&dst[0], &y[0], &dy[0], i)
	}
	for ; i < len(dst); i++ {
		v := y[i]
		dst[i] = float64(1-float64(v*v)) * dy[i]
	}
}

// Softsign64 sets dst[i] = x[i]/(1+|x[i]|).
func Softsign64(dst, x []float64) { softsign64(&asm64, dst, x) }

func softsign64(ks *kernelSet64, dst, x []float64) {
	x = x[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		softsign64AVX2(&dst[0], &x[0], i)
	}
	for ; i < len(dst); i++ {
		v := x[i]
		dst[i] = v / (1 + math.Abs(v))
	}
}

// SoftsignGrad64 sets dst[i] = dy[i]/(1+|x[i]|)², the gradient of the
// softsign.
func SoftsignGrad64(dst, x, dy []float64) { softsignGrad64(&asm64, dst, x, dy) }

func softsignGrad64(ks *kernelSet64, dst, x, dy []float64) {
	x, dy = x[:len(dst)], dy[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		softsignGrad64AVX2(&dst[0], &x[0], &dy[0], i)
	}
	for ; i < len(dst); i++ {
		d := 1 + math.Abs(x[i])
		dst[i] = dy[i] / float64(d*d)
	}
}

// Mul64 sets dst[i] = a[i]·b[i].
func Mul64(dst, a, b []float64) { mul64(&asm64, dst, a, b) }

func mul64(ks *kernelSet64, dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		mul64AVX2(&dst[0], &a[0], &b[0], i)
	}
	for ; i < len(dst); i++ {
		dst[i] = a[i] * b[i]
	}
}
