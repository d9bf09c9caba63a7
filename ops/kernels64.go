package ops

import (
	"math"

	"github.com/convnet-go/convnet/internal/vec"
)

// The float64 paths of the activations and the softmax that run on
// internal/vec's float64 kernels (AVX2 on amd64, within 2 ulps of the math
// package; math itself elsewhere). float64 graphs are for gradient checks,
// so these keep math's accuracy rather than float32's shortcuts.

// activate64 is activate on the float64 kernels of internal/vec; it
// reports false for the kinds that have none.
func activate64(kind activation, alpha float64, x, y []float64) bool {
	switch kind {
	case actELU:
		vec.ELU64(y, x, alpha)
	case actSigmoid:
		vec.Sigmoid64(y, x)
	case actTanh:
		vec.Tanh64(y, x)
	case actSoftplus:
		vec.Softplus64(y, x)
	default:
		return false
	}
	return true
}

// activateGrad64 is activateGrad for float64 softplus (softplus' =
// sigmoid, on its kernel) and ELU (branch-free: the random signs of a
// layer's input would mispredict half the branches); it reports false for
// the other kinds.
func activateGrad64(kind activation, alpha float64, x, y, dy, dx []float64) bool {
	switch kind {
	case actSoftplus:
		vec.Sigmoid64(dx, x)
		dy = dy[:len(dx)]
		for i, d := range dy {
			dx[i] *= d
		}
	case actELU: // dy where x > 0, (y + alpha)·dy elsewhere (alpha·e^x = y + alpha)
		y, dy, dx = y[:len(x)], dy[:len(x)], dx[:len(x)]
		for i, v := range x {
			m := notPos64(v)
			d := dy[i]
			g := (y[i] + alpha) * d
			dx[i] = math.Float64frombits(math.Float64bits(d)&^m | math.Float64bits(g)&m)
		}
	default:
		return false
	}
	return true
}
