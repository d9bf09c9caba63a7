//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

//go:generate go run gen_kernels.go

// asm is the kernel set of this CPU: the AVX2+FMA kernels of
// kernels_amd64.s (declared in kernel_decl_amd64.go) when it has both,
// none otherwise.
var asm = func() kernelSet {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return kernelSet{}
	}
	return kernelSet{
		name:        "avx2",
		lanes:       8,
		expShift:    expShiftAVX2,
		expSub:      expSubAVX2,
		sigmoid:     sigmoidExpAVX2, // act_amd64.s
		tanh:        tanhAVX2,
		softplus:    softplusAVX2,
		log:         logAVX2,
		elu:         eluExpAVX2, // act_amd64.s
		relu:        reluAVX2,
		reluGrad:    reluGradAVX2,
		add:         addAVX2,
		mul:         mulAVX2,
		div:         divAVX2,
		maxOf:       maxAVX2,
		axpy:        axpyAVX2,
		scale:       scaleAVX2,
		addScalar:   addScalarAVX2,
		sigmoidGrad: sigmoidGradAVX2,
		tanhGrad:    tanhGradAVX2,
		eluGrad:     eluGradAVX2,
		leaky:       leakyReLUAVX2,
		leakyGrad:   leakyReLUGradAVX2,
		softsign:    softsignAVX2,
		softsignGrd: softsignGradAVX2,
		fill:        fillAVX2,
		sum:         sumAVX2,
		dot:         dotAVX2,
		max:         maxReduceAVX2,
		relu64:      relu64AVX2,
		reluGrad64:  reluGrad64AVX2,
		add64:       add64AVX2,
		scale64:     scale64AVX2,
		sum64:       sum64AVX2,
	}
}()
