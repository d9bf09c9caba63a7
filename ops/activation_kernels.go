package ops

import "math"

// elementwiseGrain is the number of elements per goroutine of the
// elementwise kernels.
const elementwiseGrain = 1 << 15

func activate[T float](kind activation, alpha T, x, y []T) {
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		x, y := x[lo:hi], y[lo:hi]
		switch kind {
		case actReLU:
			for i, v := range x {
				y[i] = max(v, 0)
			}
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

func activateGrad[T float](kind activation, alpha T, x, y, dy, dx []T) {
	parallelFor(len(x), elementwiseGrain, func(lo, hi int) {
		x, y, dy, dx := x[lo:hi], y[lo:hi], dy[lo:hi], dx[lo:hi]
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
	})
}

// reluGrad sets dx = dy where x > 0 and 0 elsewhere (NaN included),
// without branches: the signs of random activations defeat the branch
// predictor, which made the branchy loop several times slower.
func reluGrad[T float](x, dy, dx []T) {
	switch xs := any(x).(type) {
	case []float32:
		reluGrad32(xs, any(dy).([]float32), any(dx).([]float32))
	case []float64:
		reluGrad64(xs, any(dy).([]float64), any(dx).([]float64))
	}
}

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

func reluGrad32(x, dy, dx []float32) {
	dy, dx = dy[:len(x)], dx[:len(x)]
	for i, v := range x {
		dx[i] = math.Float32frombits(math.Float32bits(dy[i]) &^ notPos32(v))
	}
}

func reluGrad64(x, dy, dx []float64) {
	dy, dx = dy[:len(x)], dx[:len(x)]
	for i, v := range x {
		dx[i] = math.Float64frombits(math.Float64bits(dy[i]) &^ notPos64(v))
	}
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
