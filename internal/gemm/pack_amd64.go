//go:build amd64 && !purego

package gemm

// transpose8x8 is the AVX implementation of transposeFunc (pack_amd64.s).
//
//go:noescape
func transpose8x8(n int, src *float32, lds int, dst *float32, ldd int, srcStep, dstStep int)

// transpose4x4 is transposeFunc for 4×4 blocks (pack_amd64.s).
//
//go:noescape
func transpose4x4(n int, src *float32, lds int, dst *float32, ldd int, srcStep, dstStep int)

// asmTransposer is the block transposer of the assembly kernels.
var asmTransposer = transposer{t8: transpose8x8, t4: transpose4x4}
