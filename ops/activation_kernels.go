package ops

import (
	"math"

	"github.com/convnet-go/convnet/internal/vec"
)

// elementwiseGrain is the number of elements per goroutine of the
// elementwise kernels.
const elementwiseGrain = 1 << 15

// activate sets y = f(x) for the activation kind. ReLU, in float32
// every kind, and in float64 sigmoid, tanh, ELU and softplus
// (kernels64.go), run on the vectorised kernels of internal/vec.
func activate[T float](kind activation, alpha T, x, y []T) {
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		x, y := x[lo:hi], y[lo:hi]
		if x32, ok := any(x).([]float32); ok && activate32(kind, float32(alpha), x32, any(y).([]float32)) {
			return
		}
		if x64, ok := any(x).([]float64); ok && activate64(kind, float64(alpha), x64, any(y).([]float64)) {
			return
		}
		switch kind {
		case actReLU:
			vec.ReLU(y, x)
		case actLeakyReLU:
			leakyReLU(alpha, x, y)
		case actELU:
			for i, v := range x {
				if v > 0 {
					y[i] = v
				} else {
					y[i] = alpha * T(math.Expm1(float64(v)))
				}
			}
		case actSigmoid:
			for i, v := range x {
				y[i] = sigmoidT(v)
			}
		case actTanh:
			for i, v := range x {
				y[i] = T(math.Tanh(float64(v)))
			}
		case actSoftplus:
			for i, v := range x {
				y[i] = softplusT(v)
			}
		case actSoftsign:
			for i, v := range x {
				y[i] = v / (1 + abs(v))
			}
		}
	})
}

// activate32 is activate on the float32 kernels of internal/vec; it
// reports false for the kinds that have none.
func activate32(kind activation, alpha float32, x, y []float32) bool {
	switch kind {
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
	if y32, ok := any(y).([]float32); ok {
		x32, dy32, dx32 := any(x).([]float32), any(dy).([]float32), any(dx).([]float32)
		switch kind {
		case actSigmoid:
			vec.SigmoidGrad(dx32, y32, dy32)
			return
		case actTanh:
			vec.TanhGrad(dx32, y32, dy32)
			return
		case actELU: // y > 0 exactly where x > 0 (alpha >= 0)
			vec.ELUGrad(dx32, y32, dy32, float32(alpha))
			return
		case actLeakyReLU:
			vec.LeakyReLUGrad(dx32, x32, dy32, float32(alpha))
			return
		case actSoftsign:
			vec.SoftsignGrad(dx32, x32, dy32)
			return
		case actSoftplus: // softplus' = sigmoid
			vec.Sigmoid(dx32, x32)
			vec.Mul(dx32, dx32, dy32)
			return
		}
	}
	if x64, ok := any(x).([]float64); ok && activateGrad64(kind, float64(alpha), x64, any(y).([]float64), any(dy).([]float64), any(dx).([]float64)) {
		return
	}
	switch kind {
	case actReLU:
		reluGrad(x, dy, dx)
	case actLeakyReLU:
		leakyReLUGrad(alpha, x, dy, dx)
	case actELU:
		for i, v := range x {
			if v > 0 {
				dx[i] = dy[i]
			} else {
				dx[i] = (y[i] + alpha) * dy[i] // alpha·e^x = y + alpha
			}
		}
	case actSigmoid:
		for i := range x {
			dx[i] = y[i] * (1 - y[i]) * dy[i]
		}
	case actTanh:
		for i := range x {
			dx[i] = (1 - y[i]*y[i]) * dy[i]
		}
	case actSoftplus:
		for i, v := range x {
			dx[i] = sigmoidT(v) * dy[i] // softplus' = sigmoid
		}
	case actSoftsign:
		for i, v := range x {
			d := 1 + abs(v)
			dx[i] = dy[i] / (d * d)
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

// leakyReLU is y = max(v, 0) + alpha·min(v, 0), without branches: the
// sign of v, random in a layer's input, would mispredict half the time (a
// branchy loop ran 4x slower in BenchmarkOps). NaN stays NaN.
func leakyReLU[T float](alpha T, x, y []T) {
	switch xs := any(x).(type) {
	case []float32:
		a, ys := float32(alpha), any(y).([]float32)[:len(xs)]
		for i, v := range xs {
			b := math.Float32bits(v)
			m := uint32(int32(b) >> 31) // all ones when the sign bit is set
			ys[i] = math.Float32frombits(b&^m) + a*math.Float32frombits(b&m)
		}
	case []float64:
		a, ys := float64(alpha), any(y).([]float64)[:len(xs)]
		for i, v := range xs {
			b := math.Float64bits(v)
			m := uint64(int64(b) >> 63)
			ys[i] = math.Float64frombits(b&^m) + a*math.Float64frombits(b&m)
		}
	}
}

// leakyReLUGrad is dx = dy where x > 0 and alpha·dy elsewhere (x <= 0 or
// NaN), without branches, on reluGrad's mask.
func leakyReLUGrad[T float](alpha T, x, dy, dx []T) {
	switch xs := any(x).(type) {
	case []float32:
		a := float32(alpha)
		dys, dxs := any(dy).([]float32)[:len(xs)], any(dx).([]float32)[:len(xs)]
		for i, v := range xs {
			m := notPos32(v)
			g := math.Float32bits(dys[i])
			dxs[i] = math.Float32frombits(g&^m) + a*math.Float32frombits(g&m)
		}
	case []float64:
		a := float64(alpha)
		dys, dxs := any(dy).([]float64)[:len(xs)], any(dx).([]float64)[:len(xs)]
		for i, v := range xs {
			m := notPos64(v)
			g := math.Float64bits(dys[i])
			dxs[i] = math.Float64frombits(g&^m) + a*math.Float64frombits(g&m)
		}
	}
}

func abs[T float](v T) T {
	if v < 0 {
		return -v
	}
	return v
}
