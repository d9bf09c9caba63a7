package gemm

// BiasReLU sets dst[i] = max(src[i] + b, 0) for every i < len(src), the
// epilogue of a convolution with a fused ReLU; dst and src may be the same
// slice. A NaN stays NaN. On amd64 with AVX2 the bulk runs 8 lanes at a
// time (epilogue_amd64.s); elsewhere, and for the last len(src) mod 8
// values, it is the plain Go loop biasReLUGo.
func BiasReLU(dst, src []float32, b float32) {
	dst = dst[:len(src)]
	n := biasReLUBulk(dst, src, b)
	biasReLUGo(dst[n:], src[n:], b)
}

// biasReLUGo is BiasReLU in plain Go.
func biasReLUGo(dst, src []float32, b float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = max(v+b, 0)
	}
}

// MaxPool2 sets dst[i] to the maximum of r0[2i], r0[2i+1], r1[2i] and
// r1[2i+1] for every i < len(dst), as Go's max gives it (NaN if one is,
// +0 over -0): one output row of a 2x2, stride-2 max pool from its two
// input rows, which must hold at least 2·len(dst) values. On amd64 with
// AVX2 it runs 8 outputs at a time (a row of 8 or more ends with a block
// overlapping the one before); elsewhere, and for rows of fewer than 8,
// it is the plain Go loop.
func MaxPool2(dst, r0, r1 []float32) {
	n := len(dst)
	r0, r1 = r0[:2*n], r1[:2*n]
	i := maxPool2Bulk(dst, r0, r1)
	for ; i+2 <= n; i += 2 { // two outputs a step, one bounds check each
		a, b, v := (*[4]float32)(r0[2*i:]), (*[4]float32)(r1[2*i:]), (*[2]float32)(dst[i:])
		v[0] = max(max(a[0], a[1]), max(b[0], b[1]))
		v[1] = max(max(a[2], a[3]), max(b[2], b[3]))
	}
	if i < n {
		dst[i] = max(max(r0[2*i], r0[2*i+1]), max(r1[2*i], r1[2*i+1]))
	}
}
