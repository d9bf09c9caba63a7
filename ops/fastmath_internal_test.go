package ops

import (
	"math"
	"testing"
)

// TestExp32 compares exp32 with math.Exp over the whole float32 range of
// useful arguments, on a fine grid, and checks the edges.
func TestExp32(t *testing.T) {
	worst := 0.0
	for x := float32(-87.3); x < 88.7; x += 0.000731 {
		want := math.Exp(float64(x))
		got := float64(exp32(x))
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 2e-7 {
		t.Errorf("exp32: worst relative error %.3g, want <= 2e-7", worst)
	}
	edges := []struct{ x, want float32 }{
		{0, 1}, {89, float32(math.Inf(1))}, {float32(math.Inf(1)), float32(math.Inf(1))},
		{-88, 0}, {float32(math.Inf(-1)), 0},
	}
	for _, e := range edges {
		if got := exp32(e.x); got != e.want {
			t.Errorf("exp32(%v) = %v, want %v", e.x, got, e.want)
		}
	}
	if v := exp32(float32(math.NaN())); v == v {
		t.Errorf("exp32(NaN) = %v, want NaN", v)
	}
}

// TestLog1p32 compares log1p32 with math.Log1p on [0, 1], small arguments
// included.
func TestLog1p32(t *testing.T) {
	worst := 0.0
	check := func(x float32) {
		want := math.Log1p(float64(x))
		got := float64(log1p32(x))
		if want == 0 {
			if got != 0 {
				t.Errorf("log1p32(0) = %v", got)
			}
			return
		}
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	for x := float32(0); x <= 1; x += 0.0000917 {
		check(x)
	}
	for x := float32(1e-30); x < 1e-3; x *= 1.37 {
		check(x)
	}
	check(1)
	if worst > 4e-7 {
		t.Errorf("log1p32: worst relative error %.3g, want <= 4e-7", worst)
	}
}

// TestSigmoidSoftplusT checks the float32 forms against float64 ones over
// a range wide enough to overflow a naive e^x.
func TestSigmoidSoftplusT(t *testing.T) {
	for x0 := -120.0; x0 <= 120; x0 += 0.0137 {
		x := float64(float32(x0)) // both sides see the same argument
		s64, s32 := sigmoidT(x), float64(sigmoidT(float32(x)))
		if math.Abs(s32-s64) > 2e-7*math.Max(s64, 1e-30) && math.Abs(s32-s64) > 1e-37 {
			t.Fatalf("sigmoid(%v): float32 %v, float64 %v", x, s32, s64)
		}
		p64, p32 := softplusT(x), float64(softplusT(float32(x)))
		if math.Abs(p32-p64) > 5e-7*p64 && math.Abs(p32-p64) > 1e-37 {
			t.Fatalf("softplus(%v): float32 %v, float64 %v", x, p32, p64)
		}
	}
}

func BenchmarkExp32(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%200) - 100
	}
	b.Run("exp32", func(b *testing.B) {
		for range b.N {
			for i, v := range x {
				x[i] = exp32(v) * 0
			}
		}
	})
	b.Run("math.Exp", func(b *testing.B) {
		for range b.N {
			for i, v := range x {
				x[i] = float32(math.Exp(float64(v))) * 0
			}
		}
	})
}
