package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// act64Values is n inputs for the float64 activation kernels: random
// values of every magnitude and sign, with the special values (zeros of
// both signs, infinities, NaNs of both signs, subnormals, the extremes)
// spread over the positions so that both the kernel prefix and the tail
// see them.
func act64Values(rng *rand.Rand, n int) []float64 {
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(math.NaN(), -1),
		5e-324, -5e-324, 1e-310, -1e-310, math.MaxFloat64, -math.MaxFloat64, 1, -1, 1e154, -1e200}
	xs := make([]float64, n)
	for i := range xs {
		if rng.IntN(4) == 0 {
			xs[i] = special[rng.IntN(len(special))]
		} else {
			xs[i] = math.Ldexp(rng.Float64()*2-1, rng.IntN(60)-30)
		}
	}
	return xs
}

// TestAct64 checks every kernel of act64.go, the AVX2 path and the
// portable one, bit for bit against its rule written out here, on every
// length 0..67, at an aligned and a misaligned start, into a separate
// slice and in place.
func TestAct64(t *testing.T) {
	const alpha = 0.37
	sets := map[string]*kernelSet64{"portable": {}, "asm": &asm64}
	type un = func(ks *kernelSet64, dst, x []float64)
	type bin = func(ks *kernelSet64, dst, a, b []float64)
	tests := []struct {
		name string
		un   un
		bin  bin
		want func(a, b float64) float64
	}{
		{name: "LeakyReLU64", un: func(ks *kernelSet64, d, x []float64) { leakyReLU64(ks, d, x, alpha) }, want: func(x, _ float64) float64 {
			if math.Signbit(x) {
				return alpha * x
			}
			return x
		}},
		{name: "LeakyReLU64/alpha=0", un: func(ks *kernelSet64, d, x []float64) { leakyReLU64(ks, d, x, 0) }, want: func(x, _ float64) float64 {
			if math.Signbit(x) {
				return 0 * x
			}
			return x
		}},
		{name: "LeakyReLUGrad64", bin: func(ks *kernelSet64, d, x, dy []float64) { leakyReLUGrad64(ks, d, x, dy, alpha) }, want: func(x, dy float64) float64 {
			if x > 0 {
				return dy
			}
			return alpha * dy
		}},
		{name: "ELUGrad64", bin: func(ks *kernelSet64, d, y, dy []float64) { eluGrad64(ks, d, y, dy, alpha) }, want: func(y, dy float64) float64 {
			if y > 0 {
				return dy
			}
			return float64(y+alpha) * dy
		}},
		{name: "SigmoidGrad64", bin: sigmoidGrad64, want: func(y, dy float64) float64 { return float64(y*float64(1-y)) * dy }},
		{name: "TanhGrad64", bin: tanhGrad64, want: func(y, dy float64) float64 { return float64(1-float64(y*y)) * dy }},
		{name: "Softsign64", un: softsign64, want: func(x, _ float64) float64 { return x / (1 + math.Abs(x)) }},
		{name: "SoftsignGrad64", bin: softsignGrad64, want: func(x, dy float64) float64 {
			d := 1 + math.Abs(x)
			return dy / float64(d*d)
		}},
		{name: "Mul64", bin: mul64, want: func(a, b float64) float64 { return a * b }},
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range tests {
		for sname, ks := range sets {
			for n := 0; n <= 67; n++ {
				for _, off := range []int{0, 1} {
					a := act64Values(rng, n+off)[off:]
					b := act64Values(rng, n+off)[off:]
					run := func(dst []float64) {
						if tc.un != nil {
							tc.un(ks, dst, a)
						} else {
							tc.bin(ks, dst, a, b)
						}
					}
					dst := make([]float64, n+1)
					dst[n] = 42 // past the end: must stay
					run(dst[:n])
					if dst[n] != 42 {
						t.Fatalf("%s (%s) n=%d: wrote past the end", tc.name, sname, n)
					}
					for i := range n {
						if w := tc.want(a[i], b[i]); ulps(dst[i], w) != 0 {
							t.Fatalf("%s (%s) n=%d off=%d i=%d: f(%v, %v) = %v, want %v", tc.name, sname, n, off, i, a[i], b[i], dst[i], w)
						}
					}
					in := append([]float64(nil), a...)
					a0 := a
					a = in
					run(in) // dst = a
					a = a0
					for i := range n {
						if ulps(in[i], dst[i]) != 0 {
							t.Fatalf("%s (%s) n=%d in place: i=%d gives %v, not %v", tc.name, sname, n, i, in[i], dst[i])
						}
					}
				}
			}
		}
	}
}
