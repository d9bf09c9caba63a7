package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBiasReLU checks BiasReLU against the plain Go loop for lengths
// around the vector widths, in place and not, with NaN, ±Inf and values
// that cross zero after the bias.
func TestBiasReLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 40, 63, 64, 65, 1000} {
		for _, inPlace := range []bool{false, true} {
			for _, b := range []float32{0, 0.25, -0.5} {
				src := make([]float32, n)
				for i := range src {
					src[i] = float32(rng.NormFloat64())
				}
				for i, v := range []float32{nan, inf, -inf, -b, 0} {
					if i*7 < n {
						src[i*7] = v
					}
				}
				want := make([]float32, n)
				biasReLUGo(want, src, b)
				dst := make([]float32, n+1)
				dst[n] = 42 // past the end: untouched
				if inPlace {
					copy(dst, src)
					BiasReLU(dst[:n], dst[:n], b)
				} else {
					BiasReLU(dst[:n], src, b)
				}
				for i := range want {
					g, w := dst[i], want[i]
					if g != w && !(g != g && w != w) {
						t.Fatalf("n=%d b=%v inPlace=%v: dst[%d] = %v, want %v (src %v)", n, b, inPlace, i, g, w, src[i])
					}
				}
				if dst[n] != 42 {
					t.Fatalf("n=%d: wrote past the end", n)
				}
			}
		}
	}
}

// TestMaxPool2 checks MaxPool2 against Go's max on output rows of 0 to 40
// (the vector blocks, the overlapping last block, the Go loop), with NaN
// in any of a window's four places, ±Inf, zeros of both signs and ties,
// and that it writes nothing past the row.
func TestMaxPool2(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	negZero := float32(math.Copysign(0, -1))
	for n := range 41 {
		r0, r1 := make([]float32, 2*n+1), make([]float32, 2*n+1)
		for i := range r0 {
			r0[i], r1[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			switch rng.IntN(12) {
			case 0:
				r0[i] = nan
			case 1:
				r1[i] = nan
			case 2:
				r0[i], r1[i] = -inf, inf
			case 3:
				r0[i], r1[i] = negZero, 0
			case 4:
				r0[i], r1[i] = 0, negZero
			case 5:
				r0[i], r1[i] = negZero, negZero
			case 6:
				r1[i] = r0[i]
			}
		}
		dst := make([]float32, n+1)
		dst[n] = 7
		MaxPool2(dst[:n], r0, r1)
		for i := range n {
			w := max(max(r0[2*i], r0[2*i+1]), max(r1[2*i], r1[2*i+1]))
			g := dst[i]
			if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
				t.Fatalf("n=%d: dst[%d] = %v (%#x), want %v (%#x) from %v %v %v %v", n, i, g, math.Float32bits(g), w, math.Float32bits(w),
					r0[2*i], r0[2*i+1], r1[2*i], r1[2*i+1])
			}
		}
		if dst[n] != 7 {
			t.Fatalf("n=%d: wrote past the end", n)
		}
	}
}
