package vec

import "math"

// Float is the element types of the kernels.
type Float interface{ ~float32 | ~float64 }

type (
	unary32   func(dst, x *float32, n int)
	unaryC32  func(dst, x *float32, n int, c float32)
	binary32  func(dst, a, b *float32, n int)
	binaryC32 func(dst, a, b *float32, n int, c float32)
	unary64   func(dst, x *float64, n int)
	unaryC64  func(dst, x *float64, n int, c float64)
	binary64  func(dst, a, b *float64, n int)
)

// kernelSet holds the assembly kernels of one instruction set; a nil
// kernel (or the empty set) means the portable code. Float32 kernels take
// n a multiple of lanes, sum, dot and sum64 a multiple of 16, float64
// kernels a multiple of lanes/2.
type kernelSet struct {
	name  string
	lanes int

	expShift                       unaryC32
	expSub                         binary32
	sigmoid, tanh, relu            unary32
	elu, scale, addScalar          unaryC32
	reluGrad, add, mul, div, maxOf binary32
	sigmoidGrad, tanhGrad          binary32
	axpy, eluGrad, leakyGrad       binaryC32
	leaky                          unaryC32
	softsign, softplus, log        unary32
	softsignGrd                    binary32
	fill                           func(dst *float32, n int, c float32)
	sum                            func(x *float32, n int) float64
	dot                            func(a, b *float32, n int) float64
	max                            func(x *float32, n int) float32
	relu64                         unary64
	reluGrad64, add64              binary64
	scale64                        unaryC64
	sum64                          func(x *float64, n int) float64
	fill64                         func(dst *float64, n int, c float64)
}

// Name is the instruction set of the kernels in use on this machine:
// "avx2", "neon", or "portable".
func Name() string {
	if asm.name == "" {
		return "portable"
	}
	return asm.name
}

// blocks is the length of the prefix of n elements that a kernel with
// blocks of b elements handles: 0 when there is no kernel.
func blocks(ok bool, n, b int) int {
	if !ok || b == 0 {
		return 0
	}
	return n - n%b
}

func (ks *kernelSet) un32(k unary32, dst, x []float32) int {
	n := blocks(k != nil, len(dst), ks.lanes)
	if n > 0 {
		k(&dst[0], &x[0], n)
	}
	return n
}

func (ks *kernelSet) unC32(k unaryC32, dst, x []float32, c float32) int {
	n := blocks(k != nil, len(dst), ks.lanes)
	if n > 0 {
		k(&dst[0], &x[0], n, c)
	}
	return n
}

func (ks *kernelSet) bin32(k binary32, dst, a, b []float32) int {
	n := blocks(k != nil, len(dst), ks.lanes)
	if n > 0 {
		k(&dst[0], &a[0], &b[0], n)
	}
	return n
}

// ExpShift sets dst[i] = e^(x[i]-c) for i < len(dst).
func ExpShift(dst, x []float32, c float32) { expShift(&asm, dst, x, c) }

func expShift(ks *kernelSet, dst, x []float32, c float32) {
	x = x[:len(dst)]
	i := ks.unC32(ks.expShift, dst, x, c)
	for ; i < len(dst); i++ {
		dst[i] = Exp32(x[i] - c)
	}
}

// ExpSub sets dst[i] = e^(a[i]-b[i]) for i < len(dst).
func ExpSub(dst, a, b []float32) { expSub(&asm, dst, a, b) }

func expSub(ks *kernelSet, dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := ks.bin32(ks.expSub, dst, a, b)
	for ; i < len(dst); i++ {
		dst[i] = Exp32(a[i] - b[i])
	}
}

// Sigmoid sets dst[i] = 1/(1+e^-x[i]).
func Sigmoid(dst, x []float32) { sigmoid(&asm, dst, x) }

func sigmoid(ks *kernelSet, dst, x []float32) {
	x = x[:len(dst)]
	i := ks.un32(ks.sigmoid, dst, x)
	for ; i < len(dst); i++ {
		dst[i] = Sigmoid32(x[i])
	}
}

// Tanh sets dst[i] = tanh(x[i]).
func Tanh(dst, x []float32) { tanh(&asm, dst, x) }

func tanh(ks *kernelSet, dst, x []float32) {
	x = x[:len(dst)]
	i := ks.un32(ks.tanh, dst, x)
	for ; i < len(dst); i++ {
		dst[i] = Tanh32(x[i])
	}
}

// ELU sets dst[i] = x[i] where x[i] > 0 and alpha·(e^x[i] - 1) elsewhere.
func ELU(dst, x []float32, alpha float32) { elu(&asm, dst, x, alpha) }

func elu(ks *kernelSet, dst, x []float32, alpha float32) {
	x = x[:len(dst)]
	i := ks.unC32(ks.elu, dst, x, alpha)
	for ; i < len(dst); i++ {
		dst[i] = elu32(x[i], alpha)
	}
}

// SigmoidGrad sets dst[i] = y[i]·(1-y[i])·dy[i].
func SigmoidGrad(dst, y, dy []float32) { sigmoidGrad(&asm, dst, y, dy) }

func sigmoidGrad(ks *kernelSet, dst, y, dy []float32) {
	y, dy = y[:len(dst)], dy[:len(dst)]
	i := ks.bin32(ks.sigmoidGrad, dst, y, dy)
	for ; i < len(dst); i++ {
		dst[i] = y[i] * (1 - y[i]) * dy[i]
	}
}

// TanhGrad sets dst[i] = (1-y[i]²)·dy[i].
func TanhGrad(dst, y, dy []float32) { tanhGrad(&asm, dst, y, dy) }

func tanhGrad(ks *kernelSet, dst, y, dy []float32) {
	y, dy = y[:len(dst)], dy[:len(dst)]
	i := ks.bin32(ks.tanhGrad, dst, y, dy)
	for ; i < len(dst); i++ {
		dst[i] = (1 - y[i]*y[i]) * dy[i]
	}
}

// ReLU sets dst[i] = x[i] where x[i] > 0 or x[i] is a NaN, 0 where x[i] < 0,
// and keeps a signed zero.
func ReLU[T Float](dst, x []T) { relu(&asm, dst, x) }

func relu[T Float](ks *kernelSet, dst, x []T) {
	x = x[:len(dst)]
	i := 0
	switch d := any(dst).(type) {
	case []float32:
		i = ks.un32(ks.relu, d, any(x).([]float32))
	case []float64:
		xs := any(x).([]float64)
		if i = blocks(ks.relu64 != nil, len(d), ks.lanes/2); i > 0 {
			ks.relu64(&d[0], &xs[0], i)
		}
	}
	for ; i < len(dst); i++ {
		v := x[i]
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// ReLUGrad sets dst[i] = dy[i] where x[i] > 0, and 0 elsewhere (x[i] <= 0
// or a NaN).
func ReLUGrad[T Float](dst, x, dy []T) { reluGrad(&asm, dst, x, dy) }

func reluGrad[T Float](ks *kernelSet, dst, x, dy []T) {
	x, dy = x[:len(dst)], dy[:len(dst)]
	i := 0
	switch d := any(dst).(type) {
	case []float32:
		i = ks.bin32(ks.reluGrad, d, any(x).([]float32), any(dy).([]float32))
	case []float64:
		xs, dys := any(x).([]float64), any(dy).([]float64)
		if i = blocks(ks.reluGrad64 != nil, len(d), ks.lanes/2); i > 0 {
			ks.reluGrad64(&d[0], &xs[0], &dys[0], i)
		}
	}
	for ; i < len(dst); i++ {
		if x[i] > 0 {
			dst[i] = dy[i]
		} else {
			dst[i] = 0
		}
	}
}

// Add sets dst[i] = a[i] + b[i]; dst may be a or b.
func Add[T Float](dst, a, b []T) { add(&asm, dst, a, b) }

func add[T Float](ks *kernelSet, dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := 0
	switch d := any(dst).(type) {
	case []float32:
		i = ks.bin32(ks.add, d, any(a).([]float32), any(b).([]float32))
	case []float64:
		as, bs := any(a).([]float64), any(b).([]float64)
		if i = blocks(ks.add64 != nil, len(d), ks.lanes/2); i > 0 {
			ks.add64(&d[0], &as[0], &bs[0], i)
		}
	}
	for ; i < len(dst); i++ {
		dst[i] = a[i] + b[i]
	}
}

// Scale sets dst[i] = c·x[i]; dst may be x.
func Scale[T Float](dst, x []T, c T) { scale(&asm, dst, x, c) }

func scale[T Float](ks *kernelSet, dst, x []T, c T) {
	x = x[:len(dst)]
	i := 0
	switch d := any(dst).(type) {
	case []float32:
		i = ks.unC32(ks.scale, d, any(x).([]float32), float32(c))
	case []float64:
		xs := any(x).([]float64)
		if i = blocks(ks.scale64 != nil, len(d), ks.lanes/2); i > 0 {
			ks.scale64(&d[0], &xs[0], i, float64(c))
		}
	}
	for ; i < len(dst); i++ {
		dst[i] = c * x[i]
	}
}

// Mul sets dst[i] = a[i]·b[i].
func Mul(dst, a, b []float32) { mul(&asm, dst, a, b) }

func mul(ks *kernelSet, dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := ks.bin32(ks.mul, dst, a, b)
	for ; i < len(dst); i++ {
		dst[i] = a[i] * b[i]
	}
}

// Div sets dst[i] = a[i]/b[i].
func Div(dst, a, b []float32) { div(&asm, dst, a, b) }

func div(ks *kernelSet, dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := ks.bin32(ks.div, dst, a, b)
	for ; i < len(dst); i++ {
		dst[i] = a[i] / b[i]
	}
}

// MaxOf sets dst[i] = max(a[i], b[i]), a NaN if either is.
func MaxOf(dst, a, b []float32) { maxOf(&asm, dst, a, b) }

func maxOf(ks *kernelSet, dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := ks.bin32(ks.maxOf, dst, a, b)
	for ; i < len(dst); i++ {
		dst[i] = max32(a[i], b[i])
	}
}

// Axpy sets dst[i] = a[i] + c·b[i] (rounded once on amd64, where it is a
// fused multiply-add); dst may be a or b.
func Axpy(dst, a, b []float32, c float32) { axpy(&asm, dst, a, b, c) }

func axpy(ks *kernelSet, dst, a, b []float32, c float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := 0
	if n := blocks(ks.axpy != nil, len(dst), ks.lanes); n > 0 {
		ks.axpy(&dst[0], &a[0], &b[0], n, c)
		i = n
	}
	for ; i < len(dst); i++ {
		dst[i] = a[i] + c*b[i]
	}
}

// AddScalar sets dst[i] = x[i] + c.
func AddScalar(dst, x []float32, c float32) { addScalar(&asm, dst, x, c) }

func addScalar(ks *kernelSet, dst, x []float32, c float32) {
	x = x[:len(dst)]
	i := ks.unC32(ks.addScalar, dst, x, c)
	for ; i < len(dst); i++ {
		dst[i] = x[i] + c
	}
}

// Sum returns Σ x[i], added in float64.
func Sum[T Float](x []T) float64 { return sum(&asm, x) }

func sum[T Float](ks *kernelSet, x []T) float64 {
	i, s := 0, 0.0
	switch xs := any(x).(type) {
	case []float32:
		if i = blocks(ks.sum != nil, len(xs), 16); i > 0 {
			s = ks.sum(&xs[0], i)
		}
	case []float64:
		if i = blocks(ks.sum64 != nil, len(xs), 16); i > 0 {
			s = ks.sum64(&xs[0], i)
		}
	}
	for _, v := range x[i:] {
		s += float64(v)
	}
	return s
}

// Dot returns Σ a[i]·b[i] for i < len(a), in float64.
func Dot(a, b []float32) float64 { return dot(&asm, a, b) }

func dot(ks *kernelSet, a, b []float32) float64 {
	b = b[:len(a)]
	i, s := 0, 0.0
	if i = blocks(ks.dot != nil, len(a), 16); i > 0 {
		s = ks.dot(&a[0], &b[0], i)
	}
	for ; i < len(a); i++ {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// Max returns the largest x[i]: -Inf for an empty x, NaN if any x[i] is.
func Max(x []float32) float32 { return maxReduce(&asm, x) }

func maxReduce(ks *kernelSet, x []float32) float32 {
	m := float32(math.Inf(-1))
	i := 0
	if i = blocks(ks.max != nil, len(x), ks.lanes); i > 0 {
		m = ks.max(&x[0], i)
	}
	for _, v := range x[i:] {
		m = max32(m, v)
	}
	return m
}

// ELUGrad sets dst[i] = dy[i] where y[i] > 0, else (y[i]+alpha)·dy[i]:
// ELU's gradient from its output y (y > 0 exactly where x > 0, for alpha
// >= 0).
func ELUGrad(dst, y, dy []float32, alpha float32) { eluGrad(&asm, dst, y, dy, alpha) }

func eluGrad(ks *kernelSet, dst, y, dy []float32, alpha float32) {
	y, dy = y[:len(dst)], dy[:len(dst)]
	i := 0
	if n := blocks(ks.eluGrad != nil, len(dst), ks.lanes); n > 0 {
		ks.eluGrad(&dst[0], &y[0], &dy[0], n, alpha)
		i = n
	}
	for ; i < len(dst); i++ {
		if y[i] > 0 {
			dst[i] = dy[i]
		} else {
			dst[i] = (y[i] + alpha) * dy[i]
		}
	}
}

// LeakyReLU sets dst[i] = alpha·x[i] where x[i]'s sign bit is set (negative
// numbers, -0 and negative NaNs) and x[i] elsewhere.
func LeakyReLU(dst, x []float32, alpha float32) { leakyReLU(&asm, dst, x, alpha) }

func leakyReLU(ks *kernelSet, dst, x []float32, alpha float32) {
	x = x[:len(dst)]
	i := ks.unC32(ks.leaky, dst, x, alpha)
	for ; i < len(dst); i++ {
		if math.Signbit(float64(x[i])) {
			dst[i] = alpha * x[i]
		} else {
			dst[i] = x[i]
		}
	}
}

// LeakyReLUGrad sets dst[i] = dy[i] where x[i] > 0, else alpha·dy[i] (NaN
// included).
func LeakyReLUGrad(dst, x, dy []float32, alpha float32) { leakyReLUGrad(&asm, dst, x, dy, alpha) }

func leakyReLUGrad(ks *kernelSet, dst, x, dy []float32, alpha float32) {
	x, dy = x[:len(dst)], dy[:len(dst)]
	i := 0
	if n := blocks(ks.leakyGrad != nil, len(dst), ks.lanes); n > 0 {
		ks.leakyGrad(&dst[0], &x[0], &dy[0], n, alpha)
		i = n
	}
	for ; i < len(dst); i++ {
		if x[i] > 0 {
			dst[i] = dy[i]
		} else {
			dst[i] = alpha * dy[i]
		}
	}
}

// Softsign sets dst[i] = x[i]/(1+|x[i]|).
func Softsign(dst, x []float32) { softsign(&asm, dst, x) }

func softsign(ks *kernelSet, dst, x []float32) {
	x = x[:len(dst)]
	i := ks.un32(ks.softsign, dst, x)
	for ; i < len(dst); i++ {
		dst[i] = x[i] / (1 + float32(math.Abs(float64(x[i]))))
	}
}

// SoftsignGrad sets dst[i] = dy[i]/(1+|x[i]|)².
func SoftsignGrad(dst, x, dy []float32) { softsignGrad(&asm, dst, x, dy) }

func softsignGrad(ks *kernelSet, dst, x, dy []float32) {
	x, dy = x[:len(dst)], dy[:len(dst)]
	i := ks.bin32(ks.softsignGrd, dst, x, dy)
	for ; i < len(dst); i++ {
		d := 1 + float32(math.Abs(float64(x[i])))
		dst[i] = dy[i] / (d * d)
	}
}

// Fill sets every dst[i] to c.
func Fill[T Float](dst []T, c T) { fill(&asm, dst, c) }

func fill[T Float](ks *kernelSet, dst []T, c T) {
	i := 0
	switch d := any(dst).(type) {
	case []float32:
		if i = blocks(ks.fill != nil, len(d), ks.lanes); i > 0 {
			ks.fill(&d[0], i, float32(c))
		}
	case []float64:
		if ks.fill64 == nil && ks.fill != nil { // amd64: move.go's kernel, any length
			fill64(&moveAsm, d, float64(c))
			return
		}
		if i = blocks(ks.fill64 != nil, len(d), ks.lanes/2); i > 0 {
			ks.fill64(&d[0], i, float64(c))
		}
	}
	for ; i < len(dst); i++ {
		dst[i] = c
	}
}

// Softplus sets dst[i] = log(1+e^x[i]).
func Softplus(dst, x []float32) { softplus(&asm, dst, x) }

func softplus(ks *kernelSet, dst, x []float32) {
	x = x[:len(dst)]
	i := ks.un32(ks.softplus, dst, x)
	for ; i < len(dst); i++ {
		dst[i] = Softplus32(x[i])
	}
}

// Log sets dst[i] = log(x[i]): -Inf for ±0, NaN below 0 and for NaN, +Inf
// for +Inf; dst may be x.
func Log(dst, x []float32) { logSlice(&asm, dst, x) }

func logSlice(ks *kernelSet, dst, x []float32) {
	x = x[:len(dst)]
	i := ks.un32(ks.log, dst, x)
	for ; i < len(dst); i++ {
		dst[i] = Log32(x[i])
	}
}
