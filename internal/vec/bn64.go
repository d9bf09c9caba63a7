package vec

// BatchNorm's float64 passes over one channel plane: on amd64 with AVX2
// the generated kernels of bn64_amd64.s (gen_bn64.go) in eight partial
// sums, elsewhere and for the tails the loops below.

// BNSums64 returns Σ(x[i]-k) and Σ(x[i]-k)².
func BNSums64(x []float64, k float64) (sum, sq float64) { return bnSums64With(x, k, true) }

func bnSums64With(x []float64, k float64, fast bool) (sum, sq float64) {
	i, acc := bnSums64Asm(x, k, fast)
	sum, sq = acc[0], acc[1]
	for _, v := range x[i:] {
		d := v - k
		sum += d
		sq += d * d
	}
	return sum, sq
}

// BNAffine64 sets dst[i] = (x[i]-m)·a + b, rounded after each operation
// (no fused multiply-add), then with relu max(·, 0) as Go's max (NaN
// stays NaN, -0 becomes +0); dst is at least as long as x.
func BNAffine64(dst, x []float64, m, a, b float64, relu bool) {
	bnAffine64With(dst, x, m, a, b, relu, true)
}

func bnAffine64With(dst, x []float64, m, a, b float64, relu, fast bool) {
	dst = dst[:len(x)]
	i := bnAffine64Asm(dst, x, m, a, b, relu, fast)
	for ; i < len(x); i++ {
		v := float64((x[i]-m)*a) + b // the conversion keeps the product rounded (no FMA)
		if relu {
			v = max(v, 0)
		}
		dst[i] = v
	}
}
