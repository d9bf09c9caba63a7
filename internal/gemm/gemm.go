// Package gemm multiplies row-major matrices: C = alpha·op(A)·op(B) + beta·C,
// where op(X) is X or its transpose. Every convolution, transposed
// convolution and dense layer of convnet ends up here.
//
// # Float32
//
// Sgemm is a blocked, packed matrix multiply in the style of Goto and BLIS
// (see driver.go for the blocking). Its innermost loop is a micro-kernel
// that keeps an mr×nr block of C in vector registers:
//
//   - AVX-512 (amd64 with AVX512F): 12×32, 8×48, 6×64 ... in ZMM registers,
//   - AVX2+FMA (amd64 with AVX2 and FMA): 6×16, 4×24 ... in YMM registers,
//   - portable Go (every other CPU, and all CPUs under the purego build tag).
//
// The kernel family is chosen once from the CPU features
// (golang.org/x/sys/cpu); within it, each call takes the register block that
// tiles its m×n best.
// Large products are split over GOMAXPROCS goroutines; Sgemm is safe to call
// from many goroutines at once.
//
// # Float64
//
// Dgemm is only used by tests and gradient checks; it calls gonum's pure-Go
// BLAS.
//
// # Panics
//
// Like BLAS, both functions panic with a "gemm: " message when a size or
// stride is negative or too small, or a slice is too short for the matrix it
// holds: these are programming errors of the caller, not user input.
package gemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C in float32. op(A) is m×k,
// op(B) is k×n and C is m×n; lda, ldb and ldc are the row strides of a, b
// and c as stored (a is m×k, or k×m when transA). When beta is zero C is
// overwritten without being read (NaNs in C do not propagate); when alpha is
// zero or k is zero, A and B are not read.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmAuto(defaultKernels, defaultDot, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// Dgemm computes C = alpha·op(A)·op(B) + beta·C in float64 (see Sgemm).
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	gonum.Implementation{}.Dgemm(trans(transA), trans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
