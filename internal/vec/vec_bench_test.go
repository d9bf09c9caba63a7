package vec

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkKernels times the main kernels on 64K float32 (256 KB, in L2),
// this machine's set next to the portable code:
//
//	go test ./internal/vec -run XXX -bench Kernels
func BenchmarkKernels(b *testing.B) {
	const n = 1 << 16
	rng := rand.New(rand.NewPCG(1, 2))
	x, y, d := randSlice(rng, n, 3), randSlice(rng, n, 3), make([]float32, n)
	cases := []struct {
		name string
		run  func(ks *kernelSet)
	}{
		{"exp", func(ks *kernelSet) { expShift(ks, d, x, 0) }},
		{"sigmoid", func(ks *kernelSet) { sigmoid(ks, d, x) }},
		{"tanh", func(ks *kernelSet) { tanh(ks, d, x) }},
		{"elu", func(ks *kernelSet) { elu(ks, d, x, 1) }},
		{"softplus", func(ks *kernelSet) { softplus(ks, d, x) }},
		{"relu", func(ks *kernelSet) { relu(ks, d, x) }},
		{"reluGrad", func(ks *kernelSet) { reluGrad(ks, d, x, y) }},
		{"add", func(ks *kernelSet) { add(ks, d, x, y) }},
		{"sum", func(ks *kernelSet) { _ = sum(ks, x) }},
		{"max", func(ks *kernelSet) { _ = maxReduce(ks, x) }},
	}
	for _, c := range cases {
		for _, s := range kernelSets() {
			b.Run(c.name+"/"+s.name, func(b *testing.B) {
				b.SetBytes(4 * n)
				for range b.N {
					c.run(s.ks)
				}
			})
		}
	}
}
