//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

//go:generate go run gen_bn64.go

// bn64AVX2 is whether this CPU runs the kernels of bn64_amd64.s.
var bn64AVX2 = cpu.X86.HasAVX2

func bnSums64Asm(x []float64, k float64, fast bool) (n int, out [2]float64) {
	if n = len(x) &^ 7; !fast || !bn64AVX2 || n == 0 {
		return 0, out
	}
	bnSums64AVX2(&out, &x[0], n, k)
	return n, out
}

func bnAffine64Asm(dst, x []float64, m, a, b float64, relu, fast bool) int {
	n := len(x) &^ 7
	if !fast || !bn64AVX2 || n == 0 {
		return 0
	}
	if relu {
		bnAffineReLU64AVX2(&dst[0], &x[0], n, m, a, b)
	} else {
		bnAffine64AVX2(&dst[0], &x[0], n, m, a, b)
	}
	return n
}
