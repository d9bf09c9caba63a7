//go:build amd64 && !purego

package gemm

// transpose8x8 is the AVX implementation of transposeFunc (pack_amd64.s).
//
//go:noescape
func transpose8x8(n int, src *float32, lds int, dst *float32, ldd int)
