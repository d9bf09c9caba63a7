//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// hasAVX2 selects the vector epilogue.
var hasAVX2 = cpu.X86.HasAVX2

// biasReLUAVX2 is BiasReLU on n values, n a multiple of 8.
//
//go:noescape
func biasReLUAVX2(dst, src *float32, n int, b float32)

// biasReLUBulk runs BiasReLU on the largest multiple of 8 values it can
// and returns how many it did (0 without AVX2).
func biasReLUBulk(dst, src []float32, b float32) int {
	n := len(src) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_ = dst[n-1]
	biasReLUAVX2(&dst[0], &src[0], n, b)
	return n
}

// maxAVX2 is Max on n values, n a multiple of 8.
//
//go:noescape
func maxAVX2(dst, a, b *float32, n int)

// maxBulk runs Max on the largest multiple of 8 values it can and returns
// how many it did (0 without AVX2).
func maxBulk(dst, a, b []float32) int {
	n := len(a) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _ = dst[n-1], b[n-1]
	maxAVX2(&dst[0], &a[0], &b[0], n)
	return n
}
