//go:build !amd64 || purego

package vec

// The pair kernels have no assembly here: the portable loops of pool.go
// do all of it.

func pairMaxAsm[T Float](dst, x []T, fast bool) int { return 0 }

func pairSumAsm[T Float](dst []T, rows [][]T, s T, fast bool) int { return 0 }

func pairSpreadAsm[T Float](dst, x []T, s T, fast bool) int { return 0 }
