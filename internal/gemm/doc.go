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
