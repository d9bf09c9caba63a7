package graph

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Initializer returns the starting values of a tensor of the given shape,
// drawn from rng, in row-major order. Initialisers compute in float64 and the
// values are converted to the Param's dtype afterwards, so every initialiser
// behaves the same in float32 and float64.
type Initializer func(rng *rand.Rand, shape tensor.Shape) []float64

// NewRand returns a deterministic generator for seed (PCG).
func NewRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
}

// Fans returns fan-in and fan-out the way PyTorch computes them: for a rank-2
// weight (out, in) they are in and out; for a convolution weight (a, b, k...)
// they are b·∏k and a·∏k. For rank 1 both are the length.
func Fans(shape tensor.Shape) (fanIn, fanOut int) {
	switch len(shape) {
	case 0:
		return 1, 1
	case 1:
		return shape[0], shape[0]
	}
	rf := 1
	for _, d := range shape[2:] {
		rf *= d
	}
	return shape[1] * rf, shape[0] * rf
}

// Zeros fills 0.
func Zeros() Initializer { return Constant(0) }

// Ones fills 1.
func Ones() Initializer { return Constant(1) }

// Constant fills v.
func Constant(v float64) Initializer {
	return func(_ *rand.Rand, shape tensor.Shape) []float64 {
		out := make([]float64, shape.TotalSize())
		for i := range out {
			out[i] = v
		}
		return out
	}
}

// Uniform draws from U(lo, hi).
func Uniform(lo, hi float64) Initializer {
	return func(rng *rand.Rand, shape tensor.Shape) []float64 {
		out := make([]float64, shape.TotalSize())
		for i := range out {
			out[i] = lo + (hi-lo)*rng.Float64()
		}
		return out
	}
}

// Normal draws from N(mean, std²).
func Normal(mean, std float64) Initializer {
	return func(rng *rand.Rand, shape tensor.Shape) []float64 {
		out := make([]float64, shape.TotalSize())
		for i := range out {
			out[i] = mean + std*rng.NormFloat64()
		}
		return out
	}
}

// scaled builds an initialiser whose scale depends on the fans.
func scaled(normal bool, scale func(fanIn, fanOut int) float64) Initializer {
	return func(rng *rand.Rand, shape tensor.Shape) []float64 {
		s := scale(Fans(shape))
		if normal {
			return Normal(0, s)(rng, shape)
		}
		return Uniform(-s, s)(rng, shape)
	}
}

// HeNormal (Kaiming normal, fan-in mode, ReLU gain) draws from N(0, 2/fanIn).
func HeNormal() Initializer {
	return scaled(true, func(in, _ int) float64 { return math.Sqrt(2 / float64(in)) })
}

// HeNormalFanOut is Kaiming normal in fan-out mode, N(0, 2/fanOut), the
// initialisation torchvision uses for ResNet convolutions.
func HeNormalFanOut() Initializer {
	return scaled(true, func(_, out int) float64 { return math.Sqrt(2 / float64(out)) })
}

// HeUniform (Kaiming uniform, fan-in mode, ReLU gain) draws from U(±√(6/fanIn)).
func HeUniform() Initializer {
	return scaled(false, func(in, _ int) float64 { return math.Sqrt(6 / float64(in)) })
}

// GlorotNormal (Xavier normal) draws from N(0, 2/(fanIn+fanOut)).
func GlorotNormal() Initializer {
	return scaled(true, func(in, out int) float64 { return math.Sqrt(2 / float64(in+out)) })
}

// GlorotUniform (Xavier uniform, Keras's default) draws from U(±√(6/(fanIn+fanOut))).
func GlorotUniform() Initializer {
	return scaled(false, func(in, out int) float64 { return math.Sqrt(6 / float64(in+out)) })
}

// LeCunNormal draws from N(0, 1/fanIn).
func LeCunNormal() Initializer {
	return scaled(true, func(in, _ int) float64 { return math.Sqrt(1 / float64(in)) })
}

// LeCunUniform draws from U(±√(3/fanIn)).
func LeCunUniform() Initializer {
	return scaled(false, func(in, _ int) float64 { return math.Sqrt(3 / float64(in)) })
}

// TorchDefault is PyTorch's default for Linear and Conv weights,
// kaiming_uniform with a=√5, which is U(±1/√fanIn).
func TorchDefault() Initializer {
	return scaled(false, func(in, _ int) float64 { return 1 / math.Sqrt(float64(in)) })
}

// TorchBias is PyTorch's default for the bias of a layer whose weight has the
// given fan-in: U(±1/√fanIn).
func TorchBias(fanIn int) Initializer {
	b := 1 / math.Sqrt(float64(max(fanIn, 1)))
	return Uniform(-b, b)
}
