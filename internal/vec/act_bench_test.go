package vec

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkAct64 times the float64 activation kernels on 32K float64 (256
// KB, in L2), the assembly next to the portable code:
//
//	go test ./internal/vec -run XXX -bench Act64
func BenchmarkAct64(b *testing.B) {
	const n = 1 << 15
	rng := rand.New(rand.NewPCG(1, 2))
	x, y, d := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range x {
		x[i], y[i] = rng.NormFloat64()*3, rng.Float64()
	}
	cases := []struct {
		name string
		run  func(ks *kernelSet64)
	}{
		{"sigmoid", func(ks *kernelSet64) { sigmoid64(ks, d, x) }},
		{"elu", func(ks *kernelSet64) { elu64(ks, d, x, 1) }},
		{"softplus", func(ks *kernelSet64) { softplus64(ks, d, x) }},
		{"leakyReLU", func(ks *kernelSet64) { leakyReLU64(ks, d, x, 0.01) }},
		{"leakyReLUGrad", func(ks *kernelSet64) { leakyReLUGrad64(ks, d, x, y, 0.01) }},
		{"softsign", func(ks *kernelSet64) { softsign64(ks, d, x) }},
		{"softsignGrad", func(ks *kernelSet64) { softsignGrad64(ks, d, x, y) }},
		{"sigmoidGrad", func(ks *kernelSet64) { sigmoidGrad64(ks, d, y, x) }},
	}
	for _, c := range cases {
		for _, s := range []struct {
			name string
			ks   *kernelSet64
		}{{"asm", &asm64}, {"portable", &kernelSet64{}}} {
			b.Run(c.name+"/"+s.name, func(b *testing.B) {
				b.SetBytes(8 * n)
				for range b.N {
					c.run(s.ks)
				}
			})
		}
	}
}
