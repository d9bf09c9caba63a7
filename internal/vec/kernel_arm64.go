//go:build arm64 && !purego

package vec

import "golang.org/x/sys/cpu"

//go:generate go run gen_kernels_arm64.go
//go:generate go run gen_vec64_arm64.go

// asm is the kernel set of this CPU: the NEON kernels of kernels_arm64.s
// (declared in kernel_decl_arm64.go) for the exponential family, ReLU and
// the arithmetic, and the float64 kernels of vec64_arm64.s
// (gen_vec64_arm64.go) for ReLU, its mask, add, scale, fill and the sum; the
// float32 sums, maxima and the other kernels run the portable code. ASIMD
// is part of the arm64 baseline, but the choice is still made from
// cpu.ARM64.HasASIMD. Tested under qemu-user-static only: nothing is tuned
// on arm64 hardware.
var asm = func() kernelSet {
	if !cpu.ARM64.HasASIMD {
		return kernelSet{}
	}
	return kernelSet{
		name:     "neon",
		lanes:    4,
		expShift: expShiftNEON,
		expSub:   expSubNEON,
		sigmoid:  sigmoidNEON,
		tanh:     tanhNEON,
		elu:      eluNEON,
		relu:     reluNEON,
		reluGrad: reluGradNEON,
		add:      addNEON,
		mul:      mulNEON,
		scale:    scaleNEON,
		axpy:     axpyNEON,

		relu64:     relu64NEON,
		reluGrad64: reluGrad64NEON,
		add64:      add64NEON,
		scale64:    scale64NEON,
		sum64:      sum64NEON,
		fill64:     fill64NEON,
	}
}()
