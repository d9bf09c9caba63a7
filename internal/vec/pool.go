package vec

// Pair kernels: the inner loops of pooling with windows two wide along the
// row and stride two (the common 2, 2x2 and 2x2x2 pools), in float32 and
// float64. On amd64 with AVX2 they run the generated kernels of
// pool_amd64.s (gen_pool.go), elsewhere and for the tails the loops below.

// PairMax sets dst[i] = max(x[2i], x[2i+1]) for i < len(dst): NaN when
// either is NaN, +0 for a pair of zeros of both signs (Go's max). x must
// hold at least 2·len(dst) elements.
func PairMax[T Float](dst, x []T) { pairMaxWith(dst, x, true) }

func pairMaxWith[T Float](dst, x []T, fast bool) {
	x = x[:2*len(dst)]
	for i := pairMaxAsm(dst, x, fast); i < len(dst); i++ {
		dst[i] = max(x[2*i], x[2*i+1])
	}
}

// PairSum sets dst[i] to the sum of the pairs (r[2i], r[2i+1]) of every
// row r in rows (1, 2 or 4 of them, each at least 2·len(dst) long) times
// s, added as a balanced tree: ((a0+a1) + (b0+b1)) + ((c0+c1) + (d0+d1)).
// Other row counts are added in row order.
func PairSum[T Float](dst []T, rows [][]T, s T) { pairSumWith(dst, rows, s, true) }

func pairSumWith[T Float](dst []T, rows [][]T, s T, fast bool) {
	n := len(dst)
	for k := range rows {
		rows[k] = rows[k][:2*n]
	}
	i := pairSumAsm(dst, rows, s, fast)
	switch len(rows) {
	case 1:
		a := rows[0]
		for ; i < n; i++ {
			dst[i] = (a[2*i] + a[2*i+1]) * s
		}
	case 2:
		a, b := rows[0], rows[1]
		for ; i < n; i++ {
			dst[i] = ((a[2*i] + a[2*i+1]) + (b[2*i] + b[2*i+1])) * s
		}
	case 4:
		a, b, c, d := rows[0], rows[1], rows[2], rows[3]
		for ; i < n; i++ {
			dst[i] = (((a[2*i] + a[2*i+1]) + (b[2*i] + b[2*i+1])) + ((c[2*i] + c[2*i+1]) + (d[2*i] + d[2*i+1]))) * s
		}
	default:
		for ; i < n; i++ {
			var t T
			for _, r := range rows {
				t += r[2*i] + r[2*i+1]
			}
			dst[i] = t * s
		}
	}
}

// PairSpread sets dst[2i] = dst[2i+1] = x[i]·s for i < len(x); dst must
// hold at least 2·len(x) elements.
func PairSpread[T Float](dst, x []T, s T) { pairSpreadWith(dst, x, s, true) }

func pairSpreadWith[T Float](dst, x []T, s T, fast bool) {
	dst = dst[:2*len(x)]
	for i := pairSpreadAsm(dst, x, s, fast); i < len(x); i++ {
		v := x[i] * s
		dst[2*i], dst[2*i+1] = v, v
	}
}
