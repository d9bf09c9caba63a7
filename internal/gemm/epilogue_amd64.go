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

// maxPool2AVX2 is MaxPool2 on n outputs, n a multiple of 8.
//
//go:noescape
func maxPool2AVX2(dst, r0, r1 *float32, n int)

// maxPool2Bulk runs MaxPool2 on all of dst when it holds at least 8
// outputs, the last block overlapping the one before when len(dst) is not
// a multiple of 8, and returns how many it did (0 without AVX2 or for
// shorter rows).
func maxPool2Bulk(dst, r0, r1 []float32) int {
	n := len(dst)
	if !hasAVX2 || n < 8 {
		return 0
	}
	_, _ = r0[2*n-1], r1[2*n-1]
	m := n &^ 7
	maxPool2AVX2(&dst[0], &r0[0], &r1[0], m)
	if m < n {
		maxPool2AVX2(&dst[n-8], &r0[2*n-16], &r1[2*n-16], 8)
	}
	return n
}
