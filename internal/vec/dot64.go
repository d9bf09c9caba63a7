package vec

// DotRows64 adds to dst[j] the dot product of x and row j of w (rows ldw
// apart, each at least len(x) long) for j < len(dst): the matrix-vector
// product of a thin float64 Dense layer, dst += W·x. On amd64 with AVX2
// and FMA four rows go at once through the generated kernel of
// dot64_amd64.s (gen_dot64.go), in eight partial sums a row; the other
// rows, the tail of x, purego and other CPUs run the loop below. The
// rounding differs from a sequential sum by the order of the additions.
func DotRows64(dst, x, w []float64, ldw int) { dotRows64With(dst, x, w, ldw, true) }

func dotRows64With(dst, x, w []float64, ldw int, fast bool) {
	k, m := len(x), len(dst)
	if m == 0 || k == 0 {
		return
	}
	_ = w[(m-1)*ldw+k-1]
	// groups of four rows; the last rows (m mod 4) as the last four rows
	// when there are four (adding only the new ones), else one at a time
	// through the kernel with a stride of 0 (the same row four times)
	for j := 0; j < m; j += 4 {
		first, stride, take := j, ldw, 4
		if j+4 > m {
			first, take = m-4, m-j
			if m < 4 {
				first, stride, take = j, 0, 1
			}
		}
		var acc [4]float64
		done := dotRows4Asm(&acc, x, w[first*ldw:], stride, fast)
		for t := range take {
			r := first + 4 - take + t // the row acc[4-take+t] holds
			a := acc[4-take+t]
			if stride == 0 {
				r, a = first, acc[0]
			}
			row := w[r*ldw : r*ldw+k]
			for i := done; i < k; i++ {
				a += x[i] * row[i]
			}
			dst[r] += a
		}
		if stride == 0 {
			j -= 3 // one row a step
		}
	}
}
