//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

//go:generate go run gen_kernels64.go

// asm64 runs the float64 AVX2+FMA kernels of kernels64_amd64.s when the CPU
// has both.
var asm64 = kernelSet64{asm: cpu.X86.HasAVX2 && cpu.X86.HasFMA}
