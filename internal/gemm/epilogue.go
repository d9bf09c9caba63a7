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

// Max sets dst[i] = max(a[i], b[i]) for every i < len(a), NaN where either
// is NaN (as Go's max); dst may be a or b. b must be at least as long as
// a. On amd64 with AVX2 the bulk runs 8 lanes at a time.
func Max(dst, a, b []float32) {
	dst, b = dst[:len(a)], b[:len(a)]
	n := maxBulk(dst, a, b)
	for i := n; i < len(a); i++ {
		dst[i] = max(a[i], b[i])
	}
}
