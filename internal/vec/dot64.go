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
	k := len(x)
	if len(dst) == 0 || k == 0 {
		return
	}
	_ = w[(len(dst)-1)*ldw+k-1]
	j := 0
	for ; j+4 <= len(dst); j += 4 {
		var acc [4]float64
		done := dotRows4Asm(&acc, x, w[j*ldw:], ldw, fast)
		for r := range 4 {
			row := w[(j+r)*ldw : (j+r)*ldw+k]
			s := acc[r]
			for i := done; i < k; i++ {
				s += x[i] * row[i]
			}
			dst[j+r] += s
		}
	}
	for ; j < len(dst); j++ {
		row := w[j*ldw : j*ldw+k]
		var s float64
		for i, v := range x {
			s += v * row[i]
		}
		dst[j] += s
	}
}
