package gemm

import (
	"gonum.org/v1/gonum/blas"
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

// Dgemm computes C = alpha·op(A)·op(B) + beta·C in float64 (see Sgemm): with
// dgemm.go's generated kernels where the CPU has one (the AVX-512 12×16
// kernel first, else the AVX2+FMA 6×8 one; the NEON 6×8 one on arm64),
// gonum's pure-Go Dgemm elsewhere
// and for tiny products.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	dgemmAuto(defaultDKernel, 0, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// defaultDKernel is the float64 kernel Dgemm uses: nil means gonum.
var defaultDKernel = func() *dKernel {
	if ks := availableDKernels(); len(ks) > 0 {
		return ks[0]
	}
	return nil
}()
