//go:build !amd64 || purego

package gemm

// biasReLUBulk does nothing here: BiasReLU runs the Go loop.
func biasReLUBulk(dst, src []float32, b float32) int { return 0 }

// maxBulk does nothing here: Max runs the Go loop.
func maxBulk(dst, a, b []float32) int { return 0 }
