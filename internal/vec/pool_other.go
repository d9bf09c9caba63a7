//go:build !amd64 || purego

package vec

// The pair kernels have no assembly here: the portable loops of pool.go
// do all of it.

func pairMaxAsm[T Float](dst []T, rows [][]T, n, m, ds, xs int, fast bool) int { return 0 }

func pairSumRowsAsm[T Float](dst []T, rows [][]T, n, m, ds, xs int, s T, fast bool) int { return 0 }

func pairSpreadAsm[T Float](dst, x []T, n, m, ds, xs int, s T, fast bool) int { return 0 }
