//go:build (!amd64 && !arm64) || purego

package gemm

// availableDKernels lists the float64 kernels this build can run: none,
// Dgemm uses gonum's pure-Go Dgemm.
func availableDKernels() []*dKernel { return nil }
