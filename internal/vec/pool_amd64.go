//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

//go:generate go run gen_pool.go

// pairAVX2 is whether this CPU runs the pair kernels of pool_amd64.s.
var pairAVX2 = cpu.X86.HasAVX2

// pairBlock is the number of outputs a row of the pair kernels takes in
// one step for T: 8 in float32, 4 in float64, 0 for other types (named
// float types run the portable loops).
func pairBlock[T Float](fast bool) int {
	if !fast || !pairAVX2 {
		return 0
	}
	switch any(T(0)).(type) {
	case float32:
		return 8
	case float64:
		return 4
	}
	return 0
}

// rowPtrs returns the first element of rows 0..3 of rows (repeating the
// last: the kernels read only their own count).
func rowPtrs[E any](rows [][]E) (p [4]*E) {
	for i := range p {
		p[i] = &rows[min(i, len(rows)-1)][0]
	}
	return p
}

// pairMaxAsm runs the pair-max kernel of len(rows) rows (1, 2 or 4) on
// the first n·block outputs of every row and returns how many that is
// (0: the caller does it all).
func pairMaxAsm[T Float](dst []T, rows [][]T, n, m, ds, xs int, fast bool) int {
	b := pairBlock[T](fast)
	if b == 0 || n < b || m == 0 || len(rows) == 3 || len(rows) > 4 {
		return 0
	}
	k := n &^ (b - 1)
	switch d := any(dst).(type) {
	case []float32:
		r := rowPtrs(any(rows).([][]float32))
		[3]func(dst, a, b, c, d *float32, n, m, ds, xs int){pairMax1_32AVX2, pairMax2_32AVX2, pairMax4_32AVX2}[len(rows)/2](&d[0], r[0], r[1], r[2], r[3], k, m, ds, xs)
	case []float64:
		r := rowPtrs(any(rows).([][]float64))
		[3]func(dst, a, b, c, d *float64, n, m, ds, xs int){pairMax1_64AVX2, pairMax2_64AVX2, pairMax4_64AVX2}[len(rows)/2](&d[0], r[0], r[1], r[2], r[3], k, m, ds, xs)
	}
	return k
}

// pairSumRowsAsm is pairMaxAsm for the pair-sum kernels.
func pairSumRowsAsm[T Float](dst []T, rows [][]T, n, m, ds, xs int, s T, fast bool) int {
	b := pairBlock[T](fast)
	if b == 0 || n < b || m == 0 || len(rows) == 3 || len(rows) > 4 {
		return 0
	}
	k := n &^ (b - 1)
	switch d := any(dst).(type) {
	case []float32:
		r := rowPtrs(any(rows).([][]float32))
		[3]func(dst, a, b, c, d *float32, n, m, ds, xs int, s float32){pairSum1_32AVX2, pairSum2_32AVX2, pairSum4_32AVX2}[len(rows)/2](&d[0], r[0], r[1], r[2], r[3], k, m, ds, xs, float32(s))
	case []float64:
		r := rowPtrs(any(rows).([][]float64))
		[3]func(dst, a, b, c, d *float64, n, m, ds, xs int, s float64){pairSum1_64AVX2, pairSum2_64AVX2, pairSum4_64AVX2}[len(rows)/2](&d[0], r[0], r[1], r[2], r[3], k, m, ds, xs, float64(s))
	}
	return k
}

// pairSpreadAsm runs the pair-spread kernel on the first n·block inputs
// of every row and returns how many that is.
func pairSpreadAsm[T Float](dst, x []T, n, m, ds, xs int, s T, fast bool) int {
	b := pairBlock[T](fast)
	if b == 0 || n < b || m == 0 {
		return 0
	}
	k := n &^ (b - 1)
	switch d := any(dst).(type) {
	case []float32:
		pairSpread32AVX2(&d[0], &any(x).([]float32)[0], k, m, ds, xs, float32(s))
	case []float64:
		pairSpread64AVX2(&d[0], &any(x).([]float64)[0], k, m, ds, xs, float64(s))
	}
	return k
}
