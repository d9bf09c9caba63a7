package vec

import "math"

// kernelSet64 selects the float64 kernels of the exponential family
// (gen_kernels64.go): asm runs the assembly (n a multiple of 4) where the
// build has it, the math package on the tails; false runs math alone. The
// kernels are called directly, not through function values, so that the
// compiler sees their go:noescape and callers' stack buffers stay on the
// stack.
type kernelSet64 struct{ asm bool }

// blocks64 is the prefix of n elements the float64 kernels of ks handle.
func (ks *kernelSet64) blocks64(n int) int {
	if !ks.asm {
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
	i := ks.blocks64(len(dst))
	if i > 0 {
		expShift64AVX2(&dst[0], &x[0], i, c)
	}
	for ; i < len(dst); i++ {
		dst[i] = Exp64(x[i] - c)
	}
}

// Sigmoid64 sets dst[i] = 1/(1+e^-x[i]) (Sigmoid64Scalar); dst may be x.
func Sigmoid64(dst, x []float64) { sigmoid64(&asm64, dst, x) }

func sigmoid64(ks *kernelSet64, dst, x []float64) {
	x = x[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		sigmoidExp64AVX2(&dst[0], &x[0], i) // act_amd64.s
	}
	for ; i < len(dst); i++ {
		dst[i] = Sigmoid64Scalar(x[i])
	}
}

// Sigmoid64Scalar is 1/(1+e^-x), as e/(1+e) with e = e^x for negative x
// (no overflow; subnormal results below x = -708).
func Sigmoid64Scalar(x float64) float64 {
	e := math.Exp(-math.Abs(x))
	if math.Signbit(x) {
		return e / (1 + e)
	}
	return 1 / (1 + e)
}

// Tanh64 sets dst[i] = tanh(x[i]); dst may be x.
func Tanh64(dst, x []float64) { tanh64(&asm64, dst, x) }

func tanh64(ks *kernelSet64, dst, x []float64) {
	x = x[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		tanh64AVX2(&dst[0], &x[0], i)
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
	i := ks.blocks64(len(dst))
	if i > 0 {
		eluExp64AVX2(&dst[0], &x[0], i, alpha) // act_amd64.s
	}
	for ; i < len(dst); i++ {
		if v := x[i]; v < 0 {
			dst[i] = alpha * math.Expm1(v)
		} else {
			dst[i] = v
		}
	}
}

// Log64 sets dst[i] = log(x[i]): -Inf for ±0, NaN below 0 and for NaN,
// +Inf for +Inf; dst may be x.
func Log64(dst, x []float64) { log64(&asm64, dst, x) }

func log64(ks *kernelSet64, dst, x []float64) {
	x = x[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		log64AVX2(&dst[0], &x[0], i)
	}
	for ; i < len(dst); i++ {
		dst[i] = Log64Scalar(x[i])
	}
}

// Log64Scalar is math.Log, except for subnormal x, where math.Log on amd64
// is wrong (log(5e-324) gives -709.09, not -744.44): those are scaled by
// 2^52 first, as the AVX2 kernel does.
func Log64Scalar(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return math.Log(x*0x1p52) - 52*math.Ln2
	}
	return math.Log(x)
}

// Softplus64 sets dst[i] = log(1+e^x[i]), as max(x, 0) + log1p(e^-|x|);
// dst may be x.
func Softplus64(dst, x []float64) { softplus64(&asm64, dst, x) }

func softplus64(ks *kernelSet64, dst, x []float64) {
	x = x[:len(dst)]
	i := ks.blocks64(len(dst))
	if i > 0 {
		softplusExp64AVX2(&dst[0], &x[0], i) // act_amd64.s
	}
	for ; i < len(dst); i++ {
		dst[i] = Softplus64Scalar(x[i])
	}
}

// Softplus64Scalar is log(1+e^x) = max(x, 0) + log1p(e^-|x|).
func Softplus64Scalar(x float64) float64 {
	if x != x {
		return x
	}
	return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}
