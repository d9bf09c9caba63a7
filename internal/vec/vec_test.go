package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// kernelSets are the sets under test: this machine's (assembly where it
// has it) and the portable code.
func kernelSets() []struct {
	name string
	ks   *kernelSet
} {
	return []struct {
		name string
		ks   *kernelSet
	}{{"asm-" + Name(), &asm}, {"portable", &kernelSet{}}}
}

var (
	inf32  = float32(math.Inf(1))
	nan32  = float32(math.NaN())
	negZ32 = float32(math.Copysign(0, -1))
)

// grid returns float32 points from lo to hi in steps of step.
func grid(lo, hi, step float64) []float32 {
	var x []float32
	for v := lo; v <= hi; v += step {
		x = append(x, float32(v))
	}
	return x
}

// relErr is |got - want| / |want|, or |got - want| when want is 0.
func relErr(got float32, want float64) float64 {
	d := math.Abs(float64(got) - want)
	if want == 0 {
		return d
	}
	return d / math.Abs(want)
}

// same reports whether got is want, NaN for NaN and with zero's sign.
func same(got, want float32) bool {
	if want != want {
		return got != got
	}
	return math.Float32bits(got) == math.Float32bits(want)
}

type unaryCase struct {
	name  string
	run   func(ks *kernelSet, dst, x []float32)
	ref   func(x float64) float64
	lo    float64
	hi    float64
	tol   float64 // relative
	edges []struct{ x, want float32 }
}

func unaryCases() []unaryCase {
	type e = struct{ x, want float32 }
	return []unaryCase{
		{name: "exp", run: func(ks *kernelSet, d, x []float32) { expShift(ks, d, x, 0) }, ref: math.Exp,
			lo: -87.33, hi: 88.72, tol: 2e-7,
			edges: []e{{0, 1}, {negZ32, 1}, {1e-45, 1}, {89, inf32}, {inf32, inf32}, {-inf32, 0}, {-88, 0}, {nan32, nan32},
				{exp32Max, float32(math.Exp(float64(float32(exp32Max))))}, {exp32Min, float32(math.Exp(float64(float32(exp32Min))))}}},
		{name: "sigmoid", run: sigmoid, ref: func(x float64) float64 { return 1 / (1 + math.Exp(-x)) },
			lo: -88, hi: 40, tol: 3e-7,
			edges: []e{{0, 0.5}, {inf32, 1}, {-inf32, 0}, {-100, 0}, {100, 1}, {nan32, nan32}}},
		{name: "tanh", run: tanh, ref: math.Tanh, lo: -12, hi: 12, tol: 3e-7,
			edges: []e{{0, 0}, {negZ32, negZ32}, {1e-45, 1e-45}, {-1e-45, -1e-45}, {1e-20, 1e-20}, {inf32, 1}, {-inf32, -1},
				{50, 1}, {-50, -1}, {nan32, nan32}}},
		{name: "softplus", run: softplus, ref: func(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) },
			lo: -80, hi: 40, tol: 5e-7,
			edges: []e{{0, float32(math.Ln2)}, {inf32, inf32}, {-inf32, 0}, {-200, 0}, {200, 200}, {nan32, nan32}}},
		{name: "log", run: logSlice, ref: math.Log, lo: 1e-4, hi: 200, tol: 2e-7,
			edges: []e{{1, 0}, {0, -inf32}, {negZ32, -inf32}, {-1, nan32}, {-inf32, nan32}, {inf32, inf32}, {nan32, nan32},
				{1e-45, float32(math.Log(float64(float32(1e-45))))}, {1e-40, float32(math.Log(float64(float32(1e-40))))},
				{3e38, float32(math.Log(3e38))}, {float32(math.E), 1}}},
		{name: "elu", run: func(ks *kernelSet, d, x []float32) { elu(ks, d, x, 0.7) },
			ref: func(x float64) float64 {
				if x > 0 {
					return x
				}
				return 0.7 * math.Expm1(x)
			}, lo: -100, hi: 10, tol: 3e-7,
			edges: []e{{0, 0}, {1e-45, 1e-45}, {inf32, inf32}, {-inf32, -0.7}, {-1e4, -0.7}, {nan32, nan32}, {3, 3}}},
	}
}

// TestUnaryAccuracy measures the relative error of the exponential
// kernels against math's float64 functions on a fine grid (and on small
// arguments, where tanh and e^x-1 must not cancel) and checks the edges.
func TestUnaryAccuracy(t *testing.T) {
	for _, c := range unaryCases() {
		x := grid(c.lo, c.hi, 0.000731)
		for v := 1e-30; v < 1; v *= 1.21 {
			x = append(x, float32(v), float32(-v))
		}
		for _, s := range kernelSets() {
			t.Run(c.name+"/"+s.name, func(t *testing.T) {
				y := make([]float32, len(x))
				c.run(s.ks, y, x)
				worst, at := 0.0, float32(0)
				for i, v := range x {
					want := c.ref(float64(v))
					if float64(float32(want)) == 0 && want != 0 && math.Abs(float64(y[i])) < 1e-37 {
						continue // the true value is subnormal in float32
					}
					if e := relErr(y[i], want); e > worst {
						worst, at = e, v
					}
				}
				t.Logf("worst relative error %.3g at x = %v (%d points)", worst, at, len(x))
				if worst > c.tol {
					t.Errorf("worst relative error %.3g at x = %v, want <= %.3g", worst, at, c.tol)
				}
				// every edge at every position of a 19-element slice
				for _, e := range c.edges {
					for pos := 0; pos < 19; pos++ {
						xs := make([]float32, 19)
						for i := range xs {
							xs[i] = 0.5
						}
						xs[pos] = e.x
						ys := make([]float32, 19)
						c.run(s.ks, ys, xs)
						if !same(ys[pos], e.want) && relErr(ys[pos], float64(e.want)) > c.tol {
							t.Errorf("f(%v) = %v at position %d, want %v", e.x, ys[pos], pos, e.want)
							break
						}
					}
				}
			})
		}
	}
}

// TestExpShiftSub checks e^(x-c) and e^(a-b) against e^ of the difference.
func TestExpShiftSub(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range kernelSets() {
		for n := 0; n < 40; n++ {
			a, b := randSlice(rng, n, 10), randSlice(rng, n, 10)
			y, z := make([]float32, n), make([]float32, n)
			expShift(s.ks, y, a, 1.5)
			expSub(s.ks, z, a, b)
			for i := range a {
				if e := relErr(y[i], math.Exp(float64(a[i]-1.5))); e > 2e-7 {
					t.Fatalf("%s: exp(%v - 1.5) = %v (rel %.3g)", s.name, a[i], y[i], e)
				}
				if e := relErr(z[i], math.Exp(float64(a[i]-b[i]))); e > 2e-7 {
					t.Fatalf("%s: exp(%v - %v) = %v (rel %.3g)", s.name, a[i], b[i], z[i], e)
				}
			}
		}
	}
}

func randSlice(rng *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * scale)
	}
	return x
}

// specials are mixed into the inputs of the exact kernels.
var specials = []float32{0, negZ32, 1, -1, inf32, -inf32, nan32, 1e-45, -3e38}

func withSpecials(rng *rand.Rand, n int) []float32 {
	x := randSlice(rng, n, 3)
	for i := range x {
		if rng.IntN(4) == 0 {
			x[i] = specials[rng.IntN(len(specials))]
		}
	}
	return x
}

// TestExact checks the kernels that round like scalar Go code against
// that code, bit for bit (NaN for NaN), at every length up to 70 and one
// long one, so that both the vectors and the tails are covered.
func TestExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type bin = func(a, b float32) float32
	cases := []struct {
		name string
		run  func(ks *kernelSet, d, a, b []float32)
		ref  bin
	}{
		{"relu", func(ks *kernelSet, d, a, _ []float32) { relu(ks, d, a) }, func(a, _ float32) float32 {
			if a < 0 {
				return 0
			}
			return a
		}},
		{"reluGrad", func(ks *kernelSet, d, a, b []float32) { reluGrad(ks, d, a, b) }, func(a, b float32) float32 {
			if a > 0 {
				return b
			}
			return 0
		}},
		{"add", func(ks *kernelSet, d, a, b []float32) { add(ks, d, a, b) }, func(a, b float32) float32 { return a + b }},
		{"mul", mul, func(a, b float32) float32 { return a * b }},
		{"div", div, func(a, b float32) float32 { return a / b }},
		{"maxOf", maxOf, func(a, b float32) float32 {
			if a != a || b != b {
				return nan32
			}
			return max(a, b)
		}},
		{"scale", func(ks *kernelSet, d, a, _ []float32) { scale(ks, d, a, -2.5) }, func(a, _ float32) float32 { return -2.5 * a }},
		{"addScalar", func(ks *kernelSet, d, a, _ []float32) { addScalar(ks, d, a, 0.3) }, func(a, _ float32) float32 { return a + 0.3 }},
		{"sigmoidGrad", sigmoidGrad, func(y, dy float32) float32 { return y * (1 - y) * dy }},
		{"eluGrad", func(ks *kernelSet, d, a, b []float32) { eluGrad(ks, d, a, b, 0.7) }, func(y, dy float32) float32 {
			if y > 0 {
				return dy
			}
			return (y + 0.7) * dy
		}},
		{"leakyReLU", func(ks *kernelSet, d, a, _ []float32) { leakyReLU(ks, d, a, 0.1) }, func(x, _ float32) float32 {
			if math.Signbit(float64(x)) {
				return 0.1 * x
			}
			return x
		}},
		{"leakyReLUGrad", func(ks *kernelSet, d, a, b []float32) { leakyReLUGrad(ks, d, a, b, 0.1) }, func(x, dy float32) float32 {
			if x > 0 {
				return dy
			}
			return 0.1 * dy
		}},
		{"softsign", func(ks *kernelSet, d, a, _ []float32) { softsign(ks, d, a) }, func(x, _ float32) float32 {
			return x / (1 + float32(math.Abs(float64(x))))
		}},
		{"softsignGrad", softsignGrad, func(x, dy float32) float32 {
			d := 1 + float32(math.Abs(float64(x)))
			return dy / (d * d)
		}},
		{"fill", func(ks *kernelSet, d, a, _ []float32) { fill(ks, d, float32(-1.25)) }, func(_, _ float32) float32 { return -1.25 }},
	}
	for _, s := range kernelSets() {
		for _, c := range cases {
			for _, n := range append(lengths(), 1003) {
				a, b := withSpecials(rng, n), withSpecials(rng, n)
				d := make([]float32, n)
				c.run(s.ks, d, a, b)
				for i := range d {
					want := c.ref(a[i], b[i])
					if !same(d[i], want) && !(c.name == "maxOf" && d[i] == want) { // max(0, -0) may be either zero
						t.Fatalf("%s/%s n=%d: f(%v, %v) = %v, want %v", s.name, c.name, n, a[i], b[i], d[i], want)
					}
				}
			}
		}
	}
}

func lengths() []int {
	var ns []int
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	return ns
}

// TestFused checks axpy and tanhGrad, which the assembly rounds once (a
// fused multiply-add), against float64 arithmetic.
func TestFused(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range kernelSets() {
		for _, n := range append(lengths(), 1003) {
			a, b := randSlice(rng, n, 2), randSlice(rng, n, 2)
			d, g := make([]float32, n), make([]float32, n)
			axpy(s.ks, d, a, b, 0.75)
			tanhGrad(s.ks, g, a, b)
			for i := range d {
				want := float64(a[i]) + 0.75*float64(b[i])
				if math.Abs(float64(d[i])-want) > 1.2e-7*(math.Abs(float64(a[i]))+math.Abs(0.75*float64(b[i]))) {
					t.Fatalf("%s: axpy(%v, %v) = %v, want %v", s.name, a[i], b[i], d[i], want)
				}
				wg := (1 - float64(a[i])*float64(a[i])) * float64(b[i])
				if math.Abs(float64(g[i])-wg) > 2.4e-7*(1+float64(a[i])*float64(a[i]))*math.Abs(float64(b[i])) {
					t.Fatalf("%s: tanhGrad(%v, %v) = %v, want %v", s.name, a[i], b[i], g[i], wg)
				}
			}
		}
	}
}

// TestFloat64 checks the float64 kernels against scalar code, bit for bit.
func TestFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range kernelSets() {
		for _, n := range append(lengths(), 1001) {
			a, b := make([]float64, n), make([]float64, n)
			for i := range a {
				a[i], b[i] = rng.NormFloat64(), rng.NormFloat64()
				if rng.IntN(5) == 0 {
					a[i] = float64(specials[rng.IntN(len(specials))])
				}
			}
			r, g, ad, sc := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
			relu(s.ks, r, a)
			reluGrad(s.ks, g, a, b)
			add(s.ks, ad, a, b)
			scale(s.ks, sc, a, 1.5)
			for i, v := range a {
				wr, wg := v, 0.0
				if v < 0 {
					wr = 0
				}
				if v > 0 {
					wg = b[i]
				}
				for _, p := range [][2]float64{{r[i], wr}, {g[i], wg}, {ad[i], v + b[i]}, {sc[i], 1.5 * v}} {
					if math.Float64bits(p[0]) != math.Float64bits(p[1]) && !(p[0] != p[0] && p[1] != p[1]) {
						t.Fatalf("%s n=%d x=%v: got %v, want %v", s.name, n, v, p[0], p[1])
					}
				}
			}
			want := 0.0
			for _, v := range b {
				want += v
			}
			if got := sum(s.ks, b); math.Abs(got-want) > 1e-12*float64(n+1) {
				t.Fatalf("%s: sum of %d = %v, want %v", s.name, n, got, want)
			}
		}
	}
}

// TestReductions checks Sum, Dot and Max against float64 loops.
func TestReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range kernelSets() {
		for _, n := range append(lengths(), 1003, 100000) {
			a, b := randSlice(rng, n, 1), randSlice(rng, n, 1)
			ws, wd, wm := 0.0, 0.0, math.Inf(-1)
			for i := range a {
				ws += float64(a[i])
				wd += float64(a[i]) * float64(b[i])
				wm = math.Max(wm, float64(a[i]))
			}
			if got := sum(s.ks, a); math.Abs(got-ws) > 1e-13*float64(n+1) {
				t.Fatalf("%s: sum n=%d = %v, want %v", s.name, n, got, ws)
			}
			if got := dot(s.ks, a, b); math.Abs(got-wd) > 1e-13*float64(n+1) {
				t.Fatalf("%s: dot n=%d = %v, want %v", s.name, n, got, wd)
			}
			if got := maxReduce(s.ks, a); float64(got) != wm {
				t.Fatalf("%s: max n=%d = %v, want %v", s.name, n, got, wm)
			}
			for pos := 0; pos < n && pos < 40; pos++ {
				c := append([]float32(nil), a...)
				c[pos] = nan32
				if got := maxReduce(s.ks, c); got == got {
					t.Fatalf("%s: max with a NaN at %d of %d = %v, want NaN", s.name, pos, n, got)
				}
			}
		}
	}
}

// TestKernelSet makes sure the assembly is in use where this machine has
// it, so that the tests above do not compare the portable code with
// itself unnoticed.
func TestKernelSet(t *testing.T) {
	t.Logf("kernels: %s", Name())
	if asm.name != "" && (asm.expShift == nil || asm.lanes == 0) {
		t.Fatalf("kernel set %q is incomplete", asm.name)
	}
}
