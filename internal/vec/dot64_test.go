package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestDotRows64 checks DotRows64, kernel and loops, against sums in row
// order: lengths 0..67 (tails of the 8-element steps), 1..9 rows (groups
// of four and the rest), padded row strides, added onto dst, and NaN or
// Inf in x or w giving NaN or Inf.
func TestDotRows64(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, fast := range []bool{true, false} {
		for k := 0; k <= 67; k++ {
			for m := 1; m <= 9; m++ {
				ldw := k + rng.IntN(3)
				x := make([]float64, k)
				w := make([]float64, m*ldw)
				for i := range x {
					x[i] = rng.NormFloat64()
				}
				for i := range w {
					w[i] = rng.NormFloat64()
				}
				special := k > 0 && m%3 == 0
				if special {
					x[rng.IntN(k)] = math.Inf(1)
					w[rng.IntN(m)*ldw+rng.IntN(k)] = math.NaN()
				}
				dst := make([]float64, m+1)
				want := make([]float64, m+1)
				for j := range dst {
					dst[j] = float64(j)
					want[j] = float64(j)
				}
				for j := 0; j < m; j++ {
					s := 0.0
					for i := range x {
						s += x[i] * w[j*ldw+i]
					}
					want[j] += s
				}
				dotRows64With(dst[:m], x, w, ldw, fast)
				what := fmt.Sprintf("fast=%v k=%d m=%d ldw=%d", fast, k, m, ldw)
				if dst[m] != float64(m) {
					t.Fatalf("%s: wrote past dst", what)
				}
				for j := 0; j < m; j++ {
					if math.IsNaN(want[j]) || math.IsInf(want[j], 0) {
						if !(math.IsNaN(dst[j]) || dst[j] == want[j]) {
							t.Fatalf("%s: dst[%d] = %v, want %v", what, j, dst[j], want[j])
						}
						continue
					}
					if d := math.Abs(dst[j] - want[j]); d > 1e-12*(1+math.Abs(want[j])) {
						t.Fatalf("%s: dst[%d] = %v, want %v", what, j, dst[j], want[j])
					}
				}
			}
		}
	}
}
