package ops

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gorgonia.org/tensor"
)

// TestReduceSumIndependentOfGOMAXPROCS checks that reduceSum gives the
// same bits with 1 and 4 workers, for reductions that split the work over
// a kept axis behind reduced ones and for a full reduction in chunks.
func TestReduceSumIndependentOfGOMAXPROCS(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	shape := tensor.Shape{4, 64, 40, 40}
	x := make([]float32, shape.TotalSize())
	for i := range x {
		x[i] = float32(math.Ldexp(rng.NormFloat64(), rng.IntN(40)-20)) // wide exponents: float64 sums round
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, red := range [][]bool{{true, false, true, true}, {true, true, true, true}, {false, true, false, true}, {true, true, false, false}} {
		w := newAxisWalk(shape, red)
		outs := 1
		for i, d := range shape {
			if !red[i] {
				outs *= d
			}
		}
		var got [2][]float64
		for k, procs := range []int{1, 4} {
			runtime.GOMAXPROCS(procs)
			got[k] = make([]float64, outs)
			reduceSum(x, got[k], &w)
		}
		for i := range got[0] {
			if math.Float64bits(got[0][i]) != math.Float64bits(got[1][i]) {
				t.Fatalf("axes %v output %d: %v with 1 worker, %v with 4", red, i, got[0][i], got[1][i])
			}
		}
		// and against a float64 loop
		want := make([]float64, outs)
		idx := 0
		for a := 0; a < shape[0]; a++ {
			for b := 0; b < shape[1]; b++ {
				for c := 0; c < shape[2]; c++ {
					for d := 0; d < shape[3]; d++ {
						o, m := 0, 1
						co := []int{a, b, c, d}
						for ax := 3; ax >= 0; ax-- {
							if !red[ax] {
								o += co[ax] * m
								m *= shape[ax]
							}
						}
						want[o] += float64(x[idx])
						idx++
					}
				}
			}
		}
		for i := range want {
			if math.Abs(got[0][i]-want[i]) > 1e-9*math.Max(1, math.Abs(want[i])) {
				t.Fatalf("axes %v output %d: %v, want %v", red, i, got[0][i], want[i])
			}
		}
	}
}
