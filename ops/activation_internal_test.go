package ops

import (
	"math"
	"testing"
)

// TestReLUGradSpecialValues checks the branch-free ReLU gradient against
// the rule dx = dy where x > 0, else 0, on zeros of both signs, the
// smallest and largest numbers, infinities and NaNs of both signs.
func TestReLUGradSpecialValues(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 5e-324, -5e-324, 1e-45, -1e-45, 1.5e-38, math.MaxFloat64, -math.MaxFloat64,
		math.MaxFloat32, -math.MaxFloat32, math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(math.NaN(), -1), 3.5, -2.25}
	x64 := append([]float64(nil), vals...)
	x32 := make([]float32, len(vals))
	for i, v := range vals {
		x32[i] = float32(v)
	}
	dy64, dx64 := make([]float64, len(vals)), make([]float64, len(vals))
	dy32, dx32 := make([]float32, len(vals)), make([]float32, len(vals))
	for i := range dy64 {
		dy64[i], dy32[i] = float64(i+1), float32(i+1)
	}
	reluGrad(x64, dy64, dx64)
	reluGrad(x32, dy32, dx32)
	for i := range vals {
		want64, want32 := 0.0, float32(0)
		if x64[i] > 0 {
			want64 = dy64[i]
		}
		if x32[i] > 0 {
			want32 = dy32[i]
		}
		if math.Float64bits(dx64[i]) != math.Float64bits(want64) {
			t.Errorf("float64 x=%v: dx=%v, want %v", x64[i], dx64[i], want64)
		}
		if math.Float32bits(dx32[i]) != math.Float32bits(want32) {
			t.Errorf("float32 x=%v: dx=%v, want %v", x32[i], dx32[i], want32)
		}
	}
}
