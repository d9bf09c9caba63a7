package vec

import "fmt"

// Pair kernels: the inner loops of pooling with windows two wide along the
// row at stride two (the common 2, 2x2 and 2x2x2 pools), in float32 and
// float64. Each works on a block of m rows of n outputs: output row j
// starts at dst[j·ds], input row j of each of the given rows at r[j·xs],
// and output i of a row reads the pair r[j·xs+2i], r[j·xs+2i+1]. On amd64
// with AVX2 they run the generated kernels of pool_amd64.s (gen_pool.go);
// the row tails, purego and other CPUs run the loops below.

// PairMax sets dst[j·ds+i] to the maximum of the pairs of every row in
// rows (1, 2 or 4 of them; more or 3 run the portable loop) for i < n,
// j < m: NaN when one of them is NaN, +0 for zeros of both signs (Go's
// max, applied row by row then across the pair).
func PairMax[T Float](dst []T, rows [][]T, n, m, ds, xs int) {
	pairMaxWith(dst, rows, n, m, ds, xs, true)
}

func pairMaxWith[T Float](dst []T, rows [][]T, n, m, ds, xs int, fast bool) {
	if !pairBounds("PairMax", len(dst), rows, n, m, ds, xs, 2) {
		return
	}
	k := pairMaxAsm(dst, rows, n, m, ds, xs, fast)
	for j := range m {
		y := dst[j*ds : j*ds+n]
		for i := k; i < n; i++ {
			o := j*xs + 2*i
			v := max(rows[0][o], rows[0][o+1])
			for _, r := range rows[1:] {
				v = max(v, max(r[o], r[o+1]))
			}
			y[i] = v
		}
	}
}

// PairSumRows sets dst[j·ds+i] to s times the sum of the pairs of every row in
// rows for i < n, j < m, added as a balanced tree for 2 and 4 rows,
// ((a0+a1) + (b0+b1)) + ((c0+c1) + (d0+d1)), in row order otherwise.
func PairSumRows[T Float](dst []T, rows [][]T, n, m, ds, xs int, s T) {
	pairSumRowsWith(dst, rows, n, m, ds, xs, s, true)
}

func pairSumRowsWith[T Float](dst []T, rows [][]T, n, m, ds, xs int, s T, fast bool) {
	if !pairBounds("PairSumRows", len(dst), rows, n, m, ds, xs, 2) {
		return
	}
	k := pairSumRowsAsm(dst, rows, n, m, ds, xs, s, fast)
	for j := range m {
		y := dst[j*ds : j*ds+n]
		o := j * xs
		switch len(rows) {
		case 2:
			a, b := rows[0][o:], rows[1][o:]
			for i := k; i < n; i++ {
				y[i] = ((a[2*i] + a[2*i+1]) + (b[2*i] + b[2*i+1])) * s
			}
		case 4:
			a, b, c, d := rows[0][o:], rows[1][o:], rows[2][o:], rows[3][o:]
			for i := k; i < n; i++ {
				y[i] = (((a[2*i] + a[2*i+1]) + (b[2*i] + b[2*i+1])) + ((c[2*i] + c[2*i+1]) + (d[2*i] + d[2*i+1]))) * s
			}
		default:
			for i := k; i < n; i++ {
				t := rows[0][o+2*i] + rows[0][o+2*i+1]
				for _, r := range rows[1:] {
					t += r[o+2*i] + r[o+2*i+1]
				}
				y[i] = t * s
			}
		}
	}
}

// PairSpread sets dst[j·ds+2i] = dst[j·ds+2i+1] = x[j·xs+i]·s for i < n,
// j < m: the gradient of a pair average.
func PairSpread[T Float](dst, x []T, n, m, ds, xs int, s T) {
	pairSpreadWith(dst, x, n, m, ds, xs, s, true)
}

func pairSpreadWith[T Float](dst, x []T, n, m, ds, xs int, s T, fast bool) {
	if !pairBounds("PairSpread", len(x), [][]T{dst}, n, m, xs, ds, 2) {
		return
	}
	k := pairSpreadAsm(dst, x, n, m, ds, xs, s, fast)
	for j := range m {
		d, r := dst[j*ds:j*ds+2*n], x[j*xs:j*xs+n]
		for i := k; i < n; i++ {
			v := r[i] * s
			d[2*i], d[2*i+1] = v, v
		}
	}
}

// pairBounds checks that a block of m rows of n outputs fits: the narrow
// side (outputs, ds apart, in a slice of length nd) and every wide row
// (w·n elements, xs apart). It reports whether there is any work and
// panics, as an index out of range would, when a slice is too short or a
// stride negative: the assembly does not check.
func pairBounds[T Float](name string, nd int, rows [][]T, n, m, ds, xs, w int) bool {
	if n < 0 || m < 0 || ds < 0 || xs < 0 || len(rows) == 0 {
		panic(fmt.Sprintf("vec.%s: n=%d m=%d ds=%d xs=%d with %d rows", name, n, m, ds, xs, len(rows)))
	}
	if n == 0 || m == 0 {
		return false
	}
	if need := (m-1)*ds + n; nd < need {
		panic(fmt.Sprintf("vec.%s: narrow side has %d elements, needs %d", name, nd, need))
	}
	for k, r := range rows {
		if need := (m-1)*xs + w*n; len(r) < need {
			panic(fmt.Sprintf("vec.%s: row %d has %d elements, needs %d", name, k, len(r), need))
		}
	}
	return true
}
