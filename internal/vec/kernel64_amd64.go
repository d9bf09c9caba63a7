//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

//go:generate go run gen_kernels64.go

// asm64 is the float64 kernel set of this CPU: the AVX2+FMA kernels of
// kernels64_amd64.s when it has both, none otherwise.
var asm64 = func() kernelSet64 {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return kernelSet64{}
	}
	return kernelSet64{
		expShift: expShift64AVX2,
		sigmoid:  sigmoid64AVX2,
		tanh:     tanh64AVX2,
		elu:      elu64AVX2,
		log:      log64AVX2,
		softplus: softplus64AVX2,
	}
}()
