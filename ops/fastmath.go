package ops

import (
	"math"
	"unsafe"

	"github.com/convnet-go/convnet/internal/vec"
)

// Scalar float32 exp and log1p for the activations, softmax and the
// losses where a whole-slice kernel of internal/vec does not fit (strided
// float64-accumulating loops, softplus). Go's math package works in
// float64 and takes ~9 ns for an Exp here; these take ~1-2 ns and are
// accurate to a few float32 ulps, which is all a float32 result can hold.
// float64 graphs keep the math package's precision (the gradient checks
// need it): these scalar helpers call math, and the whole-slice float64
// paths of kernels64.go run internal/vec's float64 kernels, within a few
// ulps of math.

// exp32 is e^x in float32 (internal/vec's Exp32: +Inf above 88.72283, 0
// below -87.33654 where the true value is subnormal, NaN for NaN; relative
// error within 2e-7).
func exp32(x float32) float32 { return vec.Exp32(x) }

// log1p32 is log(1+t) in float32 for t in [0, 1], accurate for small t
// (internal/vec's Log1p32).
func log1p32(t float32) float32 { return vec.Log1p32(t) }

// isFloat32 tells a float32 instantiation from a float64 one; the size is
// fixed per instantiation, so the compiler drops the untaken branch.
func isFloat32[T float]() bool {
	var z T
	return unsafe.Sizeof(z) == 4
}

// expT is e^x in T's precision.
func expT[T float](x T) T {
	if isFloat32[T]() {
		return T(exp32(float32(x)))
	}
	return T(math.Exp(float64(x)))
}

// sigmoidT is 1/(1+e^-x) in T's precision, without overflow for any x.
func sigmoidT[T float](x T) T {
	if isFloat32[T]() {
		return T(1 / (1 + exp32(-float32(x)))) // e^-x = +Inf gives 0
	}
	f := float64(x)
	if f >= 0 {
		return T(1 / (1 + math.Exp(-f)))
	}
	e := math.Exp(f)
	return T(e / (1 + e))
}

// softplusT is log(1+e^x) = max(x, 0) + log1p(e^-|x|) in T's precision.
func softplusT[T float](x T) T {
	if isFloat32[T]() {
		f := float32(x)
		return T(max(f, 0) + log1p32(exp32(-abs(f))))
	}
	f := float64(x)
	return T(math.Max(f, 0) + math.Log1p(math.Exp(-math.Abs(f))))
}
