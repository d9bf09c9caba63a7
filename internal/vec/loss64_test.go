package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// loss64Sets are the kernel sets the loss64 tests run: the portable loops
// and the assembly (the same loops where the build has none).
func loss64Sets() map[string]*kernelSet64 {
	return map[string]*kernelSet64{"portable": {}, "asm": &asm64}
}

// loss64Data returns n random values in [-4, 4) and n more, from seed.
func loss64Data(n int, seed uint64) (a, b []float64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	a, b = make([]float64, n), make([]float64, n)
	for i := range a {
		a[i] = rng.Float64()*8 - 4
		b[i] = rng.Float64()*8 - 4
	}
	return a, b
}

// close64 reports whether got is want within tol·scale (NaN matches NaN,
// infinities must match exactly).
func close64(got, want, tol, scale float64) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return math.IsNaN(got) && math.IsNaN(want) || got == want
	}
	return math.Abs(got-want) <= tol*scale
}

// TestLoss64Reductions checks Max64, Sum64, Dot64 and SqDiffSum64 against plain
// loops for every length 0..67 (whole blocks and tails), on both sets.
func TestLoss64Reductions(t *testing.T) {
	for name, ks := range loss64Sets() {
		for n := 0; n <= 67; n++ {
			a, b := loss64Data(n, uint64(n))
			wantMax, wantSum, wantDot, wantSq, scale := math.Inf(-1), 0.0, 0.0, 0.0, 1.0
			for i := range a {
				wantSum += a[i]
				wantMax = math.Max(wantMax, a[i])
				wantDot += a[i] * b[i]
				wantSq += (a[i] - b[i]) * (a[i] - b[i])
				scale += math.Abs(a[i]*b[i]) + (a[i]-b[i])*(a[i]-b[i])
			}
			cases := []struct {
				op        string
				got, want float64
			}{
				{"Max64", max64(ks, a), wantMax},
				{"Sum64", sumRow64(ks, a), wantSum},
				{"Dot64", dot64(ks, a, b), wantDot},
				{"SqDiffSum64", sqDiffSum64(ks, a, b), wantSq},
			}
			for _, c := range cases {
				if !close64(c.got, c.want, 1e-15, scale) || c.op == "Max64" && c.got != c.want {
					t.Errorf("%s: %s n=%d: got %v, want %v", name, c.op, n, c.got, c.want)
				}
			}
		}
	}
}

// TestMax64Special puts NaN, ±Inf and the maximum at every position of
// slices of lengths 1..40, in the kernel's blocks and in the tail.
func TestMax64Special(t *testing.T) {
	for name, ks := range loss64Sets() {
		for n := 1; n <= 40; n++ {
			for pos := 0; pos < n; pos++ {
				for _, c := range []struct {
					v, fill, want float64
				}{
					{math.NaN(), -1, math.NaN()},
					{math.NaN(), math.Inf(-1), math.NaN()},
					{math.Inf(1), 3, math.Inf(1)},
					{math.Inf(-1), math.Inf(-1), math.Inf(-1)},
					{7, 6.5, 7},
					{-2, -3, -2},
				} {
					x := make([]float64, n)
					for i := range x {
						x[i] = c.fill
					}
					x[pos] = c.v
					if got := max64(ks, x); !close64(got, c.want, 0, 1) {
						t.Errorf("%s: Max64 n=%d, %v at %d among %v: got %v, want %v", name, n, c.v, pos, c.fill, got, c.want)
					}
				}
			}
		}
		if got := max64(ks, nil); !math.IsInf(got, -1) {
			t.Errorf("%s: Max64 of nothing = %v, want -Inf", name, got)
		}
	}
}

// TestLoss64Elementwise checks ScaleAdd64, Axpby64, AddMul64, MaxOf64,
// Add64 and Sub64 against plain loops for every length 0..67, with NaN and ±Inf in
// some inputs, on both sets; dst aliasing its first input is tested too.
func TestLoss64Elementwise(t *testing.T) {
	const ca, cb = 0.75, -1.25
	type op struct {
		name string
		run  func(ks *kernelSet64, dst, a, b []float64)
		ref  func(a, b float64) float64
	}
	ops := []op{
		{"ScaleAdd64", func(ks *kernelSet64, dst, a, _ []float64) { scaleAdd64(ks, dst, a, ca, cb) },
			func(a, _ float64) float64 { return ca*a + cb }},
		{"Axpby64", func(ks *kernelSet64, dst, a, b []float64) { axpby64(ks, dst, a, b, ca, cb) },
			func(a, b float64) float64 { return ca*a + cb*b }},
		{"AddMul64", func(ks *kernelSet64, dst, a, b []float64) { addMul64(ks, dst, a, b, cb) },
			func(a, b float64) float64 { return (a + cb) * b }},
		{"MaxOf64", func(ks *kernelSet64, dst, a, b []float64) { maxOf64(ks, dst, a, b) },
			func(a, b float64) float64 { return max(a, b) }},
		{"Add64", func(ks *kernelSet64, dst, a, b []float64) { addRow64(ks, dst, a, b) },
			func(a, b float64) float64 { return a + b }},
		{"Sub64", func(ks *kernelSet64, dst, a, b []float64) { sub64(ks, dst, a, b) },
			func(a, b float64) float64 { return a - b }},
	}
	for name, ks := range loss64Sets() {
		for _, o := range ops {
			for n := 0; n <= 67; n++ {
				for _, alias := range []bool{false, true} {
					a, b := loss64Data(n, uint64(100+n))
					if n > 5 {
						a[n/2], b[n/3], a[n-1], b[1] = math.NaN(), math.Inf(1), math.Inf(-1), math.NaN()
					}
					want := make([]float64, n)
					for i := range want {
						want[i] = o.ref(a[i], b[i])
					}
					dst := make([]float64, n)
					if alias {
						dst = a
					}
					o.run(ks, dst, a, b)
					for i := range want {
						if !close64(dst[i], want[i], 4e-16, 1+math.Abs(want[i])) {
							t.Errorf("%s: %s n=%d alias=%v: [%d] = %v, want %v", name, o.name, n, alias, i, dst[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestSum64MatchesSum checks that Sum64 adds in Sum's order: the same bits
// for float64 rows of every length 0..67.
func TestSum64MatchesSum(t *testing.T) {
	for n := 0; n <= 67; n++ {
		a, _ := loss64Data(n, uint64(200+n))
		if got, want := Sum64(a), Sum(a); got != want {
			t.Errorf("n=%d: Sum64 = %v, Sum = %v", n, got, want)
		}
	}
}

// TestExpShiftSum64 checks that ExpShiftSum64 writes ExpShift64's values
// bit for bit, over the float64 exponential grid shifted by several c and
// in every length 0..67 (blocks and tails), and returns their sum.
func TestExpShiftSum64(t *testing.T) {
	xs := grid64(-760, 720)
	for name, ks := range loss64Sets() {
		for _, c := range []float64{0, 1.5, -3, math.Inf(1)} {
			want := make([]float64, len(xs))
			expShift64(ks, want, xs, c)
			got := make([]float64, len(xs))
			expShiftSum64(ks, got, xs, c)
			for i := range want {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
					t.Errorf("%s: ExpShiftSum64 c=%v: e^(%v - c) = %v, ExpShift64 %v", name, c, xs[i], got[i], want[i])
				}
			}
		}
		for n := 0; n <= 67; n++ {
			a, _ := loss64Data(n, uint64(300+n))
			want := make([]float64, n)
			expShift64(ks, want, a, 0.5)
			sum, scale := 0.0, 1.0
			for _, v := range want {
				sum += v
				scale += v
			}
			got := make([]float64, n)
			s := expShiftSum64(ks, got, a, 0.5)
			if !close64(s, sum, 1e-15, scale) {
				t.Errorf("%s: ExpShiftSum64 n=%d: sum %v, want %v", name, n, s, sum)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("%s: ExpShiftSum64 n=%d: [%d] = %v, want %v", name, n, i, got[i], want[i])
				}
			}
		}
	}
}

// ExampleMax64 shows the maximum of a row and the NaN rule.
func ExampleMax64() {
	fmt.Println(Max64([]float64{1, 5, -2}), Max64([]float64{1, math.NaN()}), Max64(nil))
	// Output: 5 NaN -Inf
}
