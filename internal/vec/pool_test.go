package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// pairInput returns 2n+extra values from rng with NaN, ±Inf and zeros of
// both signs sprinkled in when special.
func pairInput(rng *rand.Rand, n int, special bool) []float64 {
	x := make([]float64, 2*n+3)
	for i := range x {
		x[i] = rng.NormFloat64()
		if special {
			switch rng.IntN(8) {
			case 0:
				x[i] = math.NaN()
			case 1:
				x[i] = math.Inf(1 - 2*rng.IntN(2))
			case 2:
				x[i] = math.Copysign(0, float64(1-2*rng.IntN(2)))
			}
		}
	}
	return x
}

func narrow(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

// pairMaxWant is the maximum of a pair by definition: NaN if either is,
// +0 for zeros of both signs, else the larger.
func pairMaxWant(a, b float64) float64 {
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return math.NaN()
	case a == 0 && b == 0:
		return math.Copysign(0, float64(1-2*b2i(math.Signbit(a) && math.Signbit(b))))
	case a > b:
		return a
	}
	return b
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sameBits reports whether got is want, NaN matching any NaN and zeros
// matching by sign.
func sameBits(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return got == want && math.Signbit(got) == math.Signbit(want)
}

func TestPairMax(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, fast := range []bool{true, false} {
		for _, special := range []bool{false, true} {
			for n := 0; n <= 67; n++ {
				x := pairInput(rng, n, special)
				x32 := narrow(x)
				d64, d32 := make([]float64, n+1), make([]float32, n+1)
				d64[n], d32[n] = 7, 7
				pairMaxWith(d64[:n], x, fast)
				pairMaxWith(d32[:n], x32, fast)
				for i := 0; i < n; i++ {
					if w := pairMaxWant(x[2*i], x[2*i+1]); !sameBits(d64[i], w) {
						t.Fatalf("fast=%v n=%d: float64 dst[%d] = max(%v, %v) = %v, want %v", fast, n, i, x[2*i], x[2*i+1], d64[i], w)
					}
					if w := pairMaxWant(float64(x32[2*i]), float64(x32[2*i+1])); !sameBits(float64(d32[i]), w) {
						t.Fatalf("fast=%v n=%d: float32 dst[%d] = max(%v, %v) = %v, want %v", fast, n, i, x32[2*i], x32[2*i+1], d32[i], w)
					}
				}
				if d64[n] != 7 || d32[n] != 7 {
					t.Fatalf("fast=%v n=%d: wrote past dst", fast, n)
				}
			}
		}
	}
}

func TestPairSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, fast := range []bool{true, false} {
		for _, nr := range []int{1, 2, 3, 4} {
			for _, special := range []bool{false, true} {
				for n := 0; n <= 67; n++ {
					rows := make([][]float64, nr)
					rows32 := make([][]float32, nr)
					for k := range rows {
						rows[k] = pairInput(rng, n, special)
						rows32[k] = narrow(rows[k])
					}
					s := 0.25 + rng.Float64()
					d64, d32 := make([]float64, n+1), make([]float32, n+1)
					d64[n], d32[n] = 7, 7
					pairSumWith(d64[:n], rows, s, fast)
					pairSumWith(d32[:n], rows32, float32(s), fast)
					for i := 0; i < n; i++ {
						p64 := make([]float64, nr)
						p32 := make([]float32, nr)
						for k := range rows {
							p64[k] = rows[k][2*i] + rows[k][2*i+1]
							p32[k] = rows32[k][2*i] + rows32[k][2*i+1]
						}
						var w64 float64
						var w32 float32
						switch nr {
						case 1:
							w64, w32 = p64[0], p32[0]
						case 2:
							w64, w32 = p64[0]+p64[1], p32[0]+p32[1]
						case 3:
							w64, w32 = p64[0]+p64[1]+p64[2], p32[0]+p32[1]+p32[2]
						case 4:
							w64, w32 = (p64[0]+p64[1])+(p64[2]+p64[3]), (p32[0]+p32[1])+(p32[2]+p32[3])
						}
						w64 *= s
						w32 *= float32(s)
						if !sameBits(d64[i], w64) || !sameBits(float64(d32[i]), float64(w32)) {
							t.Fatalf("fast=%v rows=%d n=%d: dst[%d] = %v / %v, want %v / %v", fast, nr, n, i, d64[i], d32[i], w64, w32)
						}
					}
					if d64[n] != 7 || d32[n] != 7 {
						t.Fatalf("fast=%v rows=%d n=%d: wrote past dst", fast, nr, n)
					}
				}
			}
		}
	}
}

func TestPairSpread(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, fast := range []bool{true, false} {
		for n := 0; n <= 67; n++ {
			x := pairInput(rng, n, true)[:n]
			x32 := narrow(x)
			s := 0.125 + rng.Float64()
			d64, d32 := make([]float64, 2*n+1), make([]float32, 2*n+1)
			d64[2*n], d32[2*n] = 7, 7
			pairSpreadWith(d64, x, s, fast)
			pairSpreadWith(d32, x32, float32(s), fast)
			for i := 0; i < 2*n; i++ {
				w64, w32 := x[i/2]*s, x32[i/2]*float32(s)
				if !sameBits(d64[i], w64) || !sameBits(float64(d32[i]), float64(w32)) {
					t.Fatalf("fast=%v n=%d: dst[%d] = %v / %v, want %v / %v", fast, n, i, d64[i], d32[i], w64, w32)
				}
			}
			if d64[2*n] != 7 || d32[2*n] != 7 {
				t.Fatalf("fast=%v n=%d: wrote past dst", fast, n)
			}
		}
	}
}
