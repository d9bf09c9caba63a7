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

// TestMax checks Max against Go's max for lengths around the vector width,
// with NaN in either input, ±Inf and equal values, in place and not.
func TestMax(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	for _, n := range []int{0, 1, 7, 8, 9, 16, 17, 100} {
		for _, inPlace := range []bool{false, true} {
			a, b := make([]float32, n), make([]float32, n)
			for i := range a {
				a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
				switch i % 9 {
				case 1:
					a[i] = nan
				case 2:
					b[i] = nan
				case 3:
					a[i], b[i] = -inf, inf
				case 4:
					b[i] = a[i]
				}
			}
			dst := make([]float32, n)
			if inPlace {
				copy(dst, a)
				Max(dst, dst, b)
			} else {
				Max(dst, a, b)
			}
			for i := range n {
				w := max(a[i], b[i])
				if g := dst[i]; g != w && !(g != g && w != w) {
					t.Fatalf("n=%d inPlace=%v: Max(%v, %v) = %v, want %v", n, inPlace, a[i], b[i], g, w)
				}
			}
		}
	}
}
