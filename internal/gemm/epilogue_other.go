//go:build !amd64 || purego

package gemm

// biasReLUBulk does nothing here: BiasReLU runs the Go loop.
func biasReLUBulk(dst, src []float32, b float32) int { return 0 }

// maxPool2Bulk does nothing here: MaxPool2 runs the Go loop.
func maxPool2Bulk(dst, r0, r1 []float32) int { return 0 }
