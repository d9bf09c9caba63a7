//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

//go:generate go run gen_dkernels.go

// avx512DKernel is Dgemm's AVX-512 kernel: a 12×16 block of float64 in 24
// ZMM accumulators; the A micro-panel (12×256 float64s, 24 KB) still fits
// L1d.
var avx512DKernel = dKernel{name: "avx512-d12x16", mr: 12, nr: 16, kc: 256, mc: 960, nc: 256, micro: dkernAvx512_12x16}

// avx2DKernel is Dgemm's AVX2+FMA kernel (dkernel_amd64.s): a 6×8
// block of float64 in 12 YMM accumulators. An A micro-panel (6×256
// float64s, 12 KB) stays in L1d, a packed B block (256×256, 512 KB) in L2.
var avx2DKernel = dKernel{name: "avx2-d6x8", mr: 6, nr: 8, kc: 256, mc: 960, nc: 256, micro: dkernAvx2_6x8}

// availableDKernels lists the float64 kernels this CPU can run, fastest
// first.
func availableDKernels() []*dKernel {
	var ks []*dKernel
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &avx512DKernel)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &avx2DKernel)
	}
	return ks
}
