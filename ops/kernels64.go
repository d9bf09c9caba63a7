package ops

import "github.com/convnet-go/convnet/internal/vec"

// The float64 paths of the activations and the softmax that run on
// internal/vec's float64 kernels (AVX2 on amd64, NEON on arm64, within 2
// ulps of the math package; math itself elsewhere). float64 graphs are for
// gradient checks, so these keep math's accuracy rather than float32's
// shortcuts.

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
