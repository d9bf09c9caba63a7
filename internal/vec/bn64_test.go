package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBN64 checks BatchNorm's float64 kernels, assembly and loops, over
// lengths 0..67: the sums against sequential sums (to rounding), NaN and
// Inf propagating; the affine map bit for bit against the scalar formula,
// with ReLU turning -0 into +0 and keeping NaN.
func TestBN64(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, fast := range []bool{true, false} {
		for n := 0; n <= 67; n++ {
			for _, special := range []bool{false, true} {
				x := make([]float64, n)
				for i := range x {
					x[i] = 3 + rng.NormFloat64()
				}
				if special && n > 0 {
					x[rng.IntN(n)] = []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[rng.IntN(3)]
				}
				k, m := 3.0, 2.5
				var ws, wq float64
				for _, v := range x {
					ws += v - k
					wq += (v - k) * (v - k)
				}
				s, q := bnSums64With(x, k, fast)
				for _, c := range []struct {
					name      string
					got, want float64
				}{{"Σ(x-k)", s, ws}, {"Σ(x-k)²", q, wq}} {
					if math.IsNaN(c.want) || math.IsInf(c.want, 0) {
						if !(math.IsNaN(c.got) && math.IsNaN(c.want)) && c.got != c.want {
							t.Fatalf("fast=%v n=%d: %s = %v, want %v", fast, n, c.name, c.got, c.want)
						}
						continue
					}
					if math.Abs(c.got-c.want) > 1e-12*(1+math.Abs(c.want)) {
						t.Fatalf("fast=%v n=%d: %s = %v, want %v", fast, n, c.name, c.got, c.want)
					}
				}
				for _, relu := range []bool{false, true} {
					a, b := 1.5, -0.75
					if special && n > 0 {
						// x = m: (x-m)·a = -0 for a < 0, and -0 + -0 = -0
						x[rng.IntN(n)] = m
						a, b = -1.5, math.Copysign(0, -1)
					}
					y := make([]float64, n+1)
					y[n] = 7
					bnAffine64With(y, x, m, a, b, relu, fast)
					if y[n] != 7 {
						t.Fatalf("fast=%v n=%d: wrote past dst", fast, n)
					}
					for i, v := range x {
						w := float64((v-m)*a) + b
						if relu {
							w = max(w, 0)
						}
						if !(math.IsNaN(w) && math.IsNaN(y[i])) && (y[i] != w || math.Signbit(y[i]) != math.Signbit(w)) {
							t.Fatalf("fast=%v n=%d relu=%v: y[%d] = %v for x = %v, want %v", fast, n, relu, i, y[i], v, w)
						}
					}
				}
			}
		}
	}
}
