package ops

import (
	"math"

	"github.com/convnet-go/convnet/internal/vec"
)

// elementwiseGrain is the number of elements per goroutine of the
// elementwise kernels.
const elementwiseGrain = 1 << 15

// activate sets y = f(x) for the activation kind, on the vectorised
// kernels of internal/vec in both precisions (activate32, activate64 and
// activate64Cheap).
func activate[T float](kind activation, alpha T, x, y []T) {
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		switch xs := any(x[lo:hi]).(type) {
		case []float32:
			activate32(kind, float32(alpha), xs, any(y[lo:hi]).([]float32))
		case []float64:
			ys := any(y[lo:hi]).([]float64)
			if !activate64Cheap(kind, float64(alpha), xs, ys) {
				activate64(kind, float64(alpha), xs, ys)
			}
		}
	})
}

// activate64Cheap is activate for the float64 kinds without an
// exponential (ReLU, leaky ReLU, softsign); it reports false for the
// others, which activate64 (kernels64.go) runs.
func activate64Cheap(kind activation, alpha float64, x, y []float64) bool {
	switch kind {
	case actReLU:
		vec.ReLU(y, x)
	case actLeakyReLU:
		vec.LeakyReLU64(y, x, alpha)
	case actSoftsign:
		vec.Softsign64(y, x)
	default:
		return false
	}
	return true
}

// activate32 is activate on the float32 kernels of internal/vec; it
// reports false for an unknown kind.
func activate32(kind activation, alpha float32, x, y []float32) bool {
	switch kind {
	case actReLU:
		vec.ReLU(y, x)
	case actLeakyReLU:
		vec.LeakyReLU(y, x, alpha)
	case actSoftsign:
		vec.Softsign(y, x)
	case actSoftplus:
		vec.Softplus(y, x)
	case actELU:
		vec.ELU(y, x, alpha)
	case actSigmoid:
		vec.Sigmoid(y, x)
	case actTanh:
		vec.Tanh(y, x)
	default:
		return false
	}
	return true
}

// constBlockLen is the length of the blocks of a constant gradient that
// the kernels read instead of a broadcast tensor: 8 KB of float32, which
// stays in L1.
const constBlockLen = 2048

// constBlock returns b resized to n elements, every one v.
func constBlock[T float](b []T, n int, v T) []T {
	if cap(b) < n {
		b = make([]T, n)
	}
	b = b[:n]
	fill(b, v)
	return b
}

// activateGrad sets dx = f'(x)·dy from x and y = f(x).
func activateGrad[T float](kind activation, alpha T, x, y, dy, dx []T) {
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		activateGradRange(kind, alpha, x[lo:hi], y[lo:hi], dy[lo:hi], dx[lo:hi])
	})
}

// activateGradConst is activateGrad for dy a constant, given as a block of
// copies of it (at least one element): the range is walked in pieces of
// len(block).
func activateGradConst[T float](kind activation, alpha T, x, y, block, dx []T) {
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		for j := lo; j < hi; j += len(block) {
			e := min(j+len(block), hi)
			activateGradRange(kind, alpha, x[j:e], y[j:e], block[:e-j], dx[j:e])
		}
	})
}

// activateGradRange is activateGrad on one goroutine.
func activateGradRange[T float](kind activation, alpha T, x, y, dy, dx []T) {
	switch xs := any(x).(type) {
	case []float32:
		activateGrad32(kind, float32(alpha), xs, any(y).([]float32), any(dy).([]float32), any(dx).([]float32))
	case []float64:
		activateGradRange64(kind, float64(alpha), xs, any(y).([]float64), any(dy).([]float64), any(dx).([]float64))
	}
}

// activateGrad32 is activateGradRange for float32.
func activateGrad32(kind activation, alpha float32, x, y, dy, dx []float32) {
	switch kind {
	case actReLU:
		vec.ReLUGrad(dx, x, dy)
	case actSigmoid:
		vec.SigmoidGrad(dx, y, dy)
	case actTanh:
		vec.TanhGrad(dx, y, dy)
	case actELU: // y > 0 exactly where x > 0 (alpha >= 0)
		vec.ELUGrad(dx, y, dy, alpha)
	case actLeakyReLU:
		vec.LeakyReLUGrad(dx, x, dy, alpha)
	case actSoftsign:
		vec.SoftsignGrad(dx, x, dy)
	case actSoftplus: // softplus' = sigmoid
		for lo := 0; lo < len(x); lo += softplusGradBlock {
			hi := min(lo+softplusGradBlock, len(x))
			d := dx[lo:hi]
			vec.Sigmoid(d, x[lo:hi])
			vec.Mul(d, d, dy[lo:hi])
		}
	}
}

// softplusGradBlock is the number of elements the softplus gradient
// computes sigmoid(x) of and multiplies by dy at a time, so that the
// second pass reads dx from L1 (2 or 4 KB) rather than a whole chunk of
// the split from L3.
const softplusGradBlock = 512

// activateGradRange64 is activateGradRange for float64.
func activateGradRange64(kind activation, alpha float64, x, y, dy, dx []float64) {
	switch kind {
	case actReLU:
		vec.ReLUGrad(dx, x, dy)
	case actSigmoid:
		vec.SigmoidGrad64(dx, y, dy)
	case actTanh:
		vec.TanhGrad64(dx, y, dy)
	case actELU: // y > 0 exactly where x > 0 (alpha >= 0)
		vec.ELUGrad64(dx, y, dy, alpha)
	case actLeakyReLU:
		vec.LeakyReLUGrad64(dx, x, dy, alpha)
	case actSoftsign:
		vec.SoftsignGrad64(dx, x, dy)
	case actSoftplus: // softplus' = sigmoid
		for lo := 0; lo < len(x); lo += softplusGradBlock {
			hi := min(lo+softplusGradBlock, len(x))
			d := dx[lo:hi]
			vec.Sigmoid64(d, x[lo:hi])
			vec.Mul64(d, d, dy[lo:hi])
		}
	}
}

// reluGrad sets dx = dy where x > 0 and 0 elsewhere (NaN included), on
// internal/vec's kernel (a compare and a mask: no branches, which the
// random signs of activations would mispredict).
func reluGrad[T float](x, dy, dx []T) { vec.ReLUGrad(dx, x, dy) }

// notPos32 is all ones when v <= 0 or v is a NaN and zero when v > 0:
// b > 0 as an integer means v > 0 or v is a positive NaN, b | (b-1) has its
// sign set when b <= 0, and 0x7f800000 - b is negative when b is a NaN.
func notPos32(v float32) uint32 {
	b := int32(math.Float32bits(v))
	return uint32((b|(b-1))>>31) | uint32((0x7f800000-b)>>31)
}

// notPos64 is notPos32 for float64.
func notPos64(v float64) uint64 {
	b := int64(math.Float64bits(v))
	return uint64((b|(b-1))>>63) | uint64((0x7ff0000000000000-b)>>63)
}

func abs[T float](v T) T {
	if v < 0 {
		return -v
	}
	return v
}
