package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps is the number of float64s between a and b (0 when both are the same
// NaN class or equal, MaxInt64 when only one is a NaN or the signs differ
// on non-zero values).
func ulps(a, b float64) int64 {
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		if math.IsNaN(a) && math.IsNaN(b) {
			return 0
		}
		return math.MaxInt64
	case a == b:
		if a == 0 && math.Signbit(a) != math.Signbit(b) {
			return math.MaxInt64
		}
		return 0
	}
	ord := func(x float64) int64 {
		b := int64(math.Float64bits(x))
		if b < 0 {
			return math.MinInt64 - b
		}
		return b
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return d
}

// grid64 is x values for the float64 kernels: a dense grid over [lo, hi],
// random values of every magnitude, and the special cases.
func grid64(lo, hi float64) []float64 {
	var xs []float64
	for i := 0; i <= 40000; i++ {
		xs = append(xs, lo+(hi-lo)*float64(i)/40000)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		xs = append(xs, math.Ldexp(rng.Float64()*2-1, rng.IntN(40)-30))
	}
	xs = append(xs, 0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), -math.NaN(),
		5e-324, -5e-324, 1e-310, -1e-310, 2.2250738585072014e-308, 1e-300, -1e-300, 1e-17, -1e-17,
		709.782712893384, 709.7827128933841, 709.78, 709.79, 710, 711, -708.39, -708.4, -744.44, -745.13, -745.1332191019411, -745.1332191019412, -745.2, -746, -800,
		20, -20, 22, -22, 37, -37, 40, -40, 1e300, -1e300, 0.34657359027997264, -0.34657359027997264, 0.5, -0.5)
	// a length that is not a multiple of 4, so the tails run too
	for len(xs)%4 != 3 {
		xs = append(xs, 1)
	}
	return xs
}

// TestKernels64 measures the float64 exponential family, the assembly
// kernels and the portable path (the math package) alike, against math in
// ulps over wide grids and edge cases.
func TestKernels64(t *testing.T) {
	sets := map[string]*kernelSet64{"portable": {}, "asm": &asm64}
	// math.Exp overflows early on amd64 (+Inf from 709.44 on): the
	// reference for the last band below the true overflow point 709.78 is
	// e^(x-1)·e (within 1.5 ulps).
	exp := func(x float64) float64 {
		if x > 709 && x < 710 {
			return math.Exp(x-1) * math.E
		}
		return math.Exp(x)
	}
	sig := func(x float64) float64 {
		if x < 0 {
			return math.Exp(x) / (1 + math.Exp(x))
		}
		return 1 / (1 + math.Exp(-x))
	}
	// math.Log is wrong for subnormal x on amd64 (log(5e-324) = -709.09):
	// the reference scales them by 2^52 (within 1 ulp).
	logRef := func(x float64) float64 {
		if x > 0 && x < 0x1p-1022 {
			return math.Log(x*0x1p52) - 52*math.Ln2
		}
		return math.Log(x)
	}
	tests := []struct {
		name    string
		lo, hi  float64
		maxUlps int64
		run     func(ks *kernelSet64, dst, x []float64)
		want    func(x float64) float64
	}{
		{"ExpShift64", -750, 715, 2, func(ks *kernelSet64, d, x []float64) { expShift64(ks, d, x, 0) }, exp},
		{"ExpShift64/c=3.5", -750, 715, 2, func(ks *kernelSet64, d, x []float64) { expShift64(ks, d, x, 3.5) }, func(x float64) float64 { return exp(x - 3.5) }},
		{"Sigmoid64", -750, 750, 3, sigmoid64, sig},
		{"Tanh64", -25, 25, 3, tanh64, math.Tanh},
		{"Log64", 0, 1e6, 2, log64, logRef},
		{"Log64/near1", 0.5, 2, 2, log64, logRef},
		{"Log64/tiny", 0, 1e-300, 2, log64, logRef},
		{"Softplus64", -750, 750, 4, softplus64, func(x float64) float64 {
			if x != x {
				return x
			}
			return math.Max(x, 0) + math.Log1p(exp(-math.Abs(x)))
		}},
		{"Softplus64/near0", -3, 3, 4, softplus64, func(x float64) float64 {
			if x != x {
				return x
			}
			return math.Max(x, 0) + math.Log1p(exp(-math.Abs(x)))
		}},
		{"ELU64/1", -50, 5, 2, func(ks *kernelSet64, d, x []float64) { elu64(ks, d, x, 1) }, func(x float64) float64 {
			if x < 0 {
				return math.Expm1(x)
			}
			return x
		}},
		{"ELU64/0.7", -50, 5, 3, func(ks *kernelSet64, d, x []float64) { elu64(ks, d, x, 0.7) }, func(x float64) float64 {
			if x < 0 {
				return 0.7 * math.Expm1(x)
			}
			return x
		}},
	}
	for _, tc := range tests {
		for sname, ks := range sets {
			xs := grid64(tc.lo, tc.hi)
			dst := make([]float64, len(xs))
			tc.run(ks, dst, xs)
			var worst int64
			var worstX float64
			for i, x := range xs {
				if u := ulps(dst[i], tc.want(x)); u > worst {
					worst, worstX = u, x
				}
			}
			if worst > tc.maxUlps {
				t.Errorf("%s (%s): %d ulps from math at x = %v: got %v, want %v", tc.name, sname, worst, worstX, dst[slicesIndex(xs, worstX)], tc.want(worstX))
			} else {
				t.Logf("%s (%s): at most %d ulps from math", tc.name, sname, worst)
			}
			// in place
			cp := append([]float64(nil), xs...)
			tc.run(ks, cp, cp)
			for i := range cp {
				if ulps(cp[i], dst[i]) != 0 {
					t.Fatalf("%s (%s) in place: x = %v gives %v, not %v", tc.name, sname, xs[i], cp[i], dst[i])
				}
			}
		}
	}
}

func slicesIndex(xs []float64, x float64) int {
	for i, v := range xs {
		if ulps(v, x) == 0 {
			return i
		}
	}
	return 0
}
