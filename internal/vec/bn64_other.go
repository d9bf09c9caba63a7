//go:build !amd64 || purego

package vec

// The BatchNorm float64 kernels have no assembly here: the loops of
// bn64.go do all of it.

func bnSums64Asm(x []float64, k float64, fast bool) (n int, out [2]float64) { return 0, out }

func bnAffine64Asm(dst, x []float64, m, a, b float64, relu, fast bool) int { return 0 }
