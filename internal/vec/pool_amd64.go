//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

//go:generate go run gen_pool.go

// pairAVX2 is whether this CPU runs the pair kernels of pool_amd64.s.
var pairAVX2 = cpu.X86.HasAVX2

// pairMaxAsm runs the pair-max kernel on the longest prefix of dst it
// takes and returns its length (0 without AVX2 or when fast is false).
func pairMaxAsm[T Float](dst, x []T, fast bool) int {
	switch d := any(dst).(type) {
	case []float32:
		if n := len(d) &^ 7; fast && pairAVX2 && n > 0 {
			pairMax32AVX2(&d[0], &any(x).([]float32)[0], n)
			return n
		}
	case []float64:
		if n := len(d) &^ 3; fast && pairAVX2 && n > 0 {
			pairMax64AVX2(&d[0], &any(x).([]float64)[0], n)
			return n
		}
	}
	return 0
}

// pairSumAsm runs the pair-sum kernel of len(rows) rows (1, 2 or 4) on
// the longest prefix of dst it takes and returns its length.
func pairSumAsm[T Float](dst []T, rows [][]T, s T, fast bool) int {
	if !fast || !pairAVX2 {
		return 0
	}
	switch d := any(dst).(type) {
	case []float32:
		n := len(d) &^ 7
		if n == 0 {
			return 0
		}
		var r [4]*float32
		for i := range r {
			r[i] = &any(rows[min(i, len(rows)-1)]).([]float32)[0]
		}
		v := float32(s)
		switch len(rows) {
		case 1:
			pairSum1_32AVX2(&d[0], r[0], r[1], r[2], r[3], n, v)
		case 2:
			pairSum2_32AVX2(&d[0], r[0], r[1], r[2], r[3], n, v)
		case 4:
			pairSum4_32AVX2(&d[0], r[0], r[1], r[2], r[3], n, v)
		default:
			return 0
		}
		return n
	case []float64:
		n := len(d) &^ 3
		if n == 0 {
			return 0
		}
		var r [4]*float64
		for i := range r {
			r[i] = &any(rows[min(i, len(rows)-1)]).([]float64)[0]
		}
		v := float64(s)
		switch len(rows) {
		case 1:
			pairSum1_64AVX2(&d[0], r[0], r[1], r[2], r[3], n, v)
		case 2:
			pairSum2_64AVX2(&d[0], r[0], r[1], r[2], r[3], n, v)
		case 4:
			pairSum4_64AVX2(&d[0], r[0], r[1], r[2], r[3], n, v)
		default:
			return 0
		}
		return n
	}
	return 0
}

// pairSpreadAsm runs the pair-spread kernel on the longest prefix of x it
// takes and returns its length.
func pairSpreadAsm[T Float](dst, x []T, s T, fast bool) int {
	switch v := any(x).(type) {
	case []float32:
		if n := len(v) &^ 7; fast && pairAVX2 && n > 0 {
			pairSpread32AVX2(&any(dst).([]float32)[0], &v[0], n, float32(s))
			return n
		}
	case []float64:
		if n := len(v) &^ 3; fast && pairAVX2 && n > 0 {
			pairSpread64AVX2(&any(dst).([]float64)[0], &v[0], n, float64(s))
			return n
		}
	}
	return 0
}
