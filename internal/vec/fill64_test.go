package vec

import (
	"math"
	"testing"
)

// TestFill64 checks Fill on float64 slices (the NEON kernel on arm64, the
// portable loop elsewhere) for every length up to 70 and values whose bits
// must survive: ±0, ±Inf, a NaN with a payload and a subnormal. The slice
// is filled in the middle of a larger one, whose ends must stay unchanged.
func TestFill64(t *testing.T) {
	values := []float64{1.5, 0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.Float64frombits(0x7ff8000000000123), 5e-324}
	for _, s := range kernelSets() {
		for n := 0; n <= 70; n++ {
			for _, c := range values {
				buf := make([]float64, n+2)
				for i := range buf {
					buf[i] = -7
				}
				fill(s.ks, buf[1:n+1], c)
				for i, v := range buf {
					want := c
					if i == 0 || i == n+1 {
						want = -7
					}
					if math.Float64bits(v) != math.Float64bits(want) {
						t.Fatalf("%s n=%d c=%v: buf[%d] = %v (%#x), want %v", s.name, n, c, i, v, math.Float64bits(v), want)
					}
				}
			}
		}
	}
}
