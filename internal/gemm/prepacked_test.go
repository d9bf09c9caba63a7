package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestSgemmPacked checks products with a pre-packed A against the float64
// reference, and bit for bit against Sgemm when the packed kernel is the one
// Sgemm picks: sizes around the register and cache blocks, both layouts of
// A, beta 0 (NaNs in C ignored) and not, padded strides, one packed A used
// for several B, packing in one call or in pieces, and 1 or 2 goroutines.
func TestSgemmPacked(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	cases := []struct {
		m, n, k int
		transA  bool
		beta    float32
		pad     int
	}{
		{1, 1, 1, false, 0, 0},
		{3, 17, 5, false, 0, 1},
		{16, 64, 48, false, 0, 0},
		{16, 64, 48, true, 1, 3},
		{32, 1156, 48, false, 0.5, 0},
		{64, 256, 576, false, 0, 0},
		{128, 64, 1152, false, 1, 2},
		{256, 16, 2304, false, 0, 0},
		{256, 33, 700, true, -1, 1},
		{13, 129, 641, false, 0, 0},
		{300, 7, 330, true, 0.25, 0},
	}
	for _, tc := range cases {
		for _, procs := range []int{1, 2} {
			name := fmt.Sprintf("%dx%dx%d/transA=%v/beta=%g/procs=%d", tc.m, tc.n, tc.k, tc.transA, tc.beta, procs)
			t.Run(name, func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				rowsA, colsA := tc.m, tc.k
				if tc.transA {
					rowsA, colsA = tc.k, tc.m
				}
				lda, ldb, ldc := colsA+tc.pad, tc.n+tc.pad, tc.n+tc.pad
				a := randSlice(r, rowsA*lda)
				var p PackedA
				panels := p.Prepare(tc.transA, tc.m, tc.k, tc.n)
				// in two pieces, the second first
				p.PackPanels(a, lda, panels/2, panels)
				p.PackPanels(a, lda, 0, panels/2)
				for range 2 { // one packed A, several B
					b := randSlice(r, tc.k*ldb)
					c0 := randSlice(r, tc.m*ldc)
					if tc.beta == 0 {
						for i := range tc.m {
							c0[i*ldc] = float32(math.NaN())
						}
					}
					want, scale := naive(tc.transA, false, tc.m, tc.n, tc.k, 1, a, lda, b, ldb, tc.beta, c0, ldc)
					got := append([]float32(nil), c0...)
					SgemmPacked(&p, tc.n, b, ldb, tc.beta, got, ldc)
					ref := append([]float32(nil), c0...)
					sgemm(defaultKernels.pick(tc.m, tc.n), 0, tc.transA, false, tc.m, tc.n, tc.k, 1, a, lda, b, ldb, tc.beta, ref, ldc)
					const eps = 1.0 / (1 << 23)
					for i := range tc.m {
						for j := range ldc {
							g := got[i*ldc+j]
							if j >= tc.n {
								if g != c0[i*ldc+j] {
									t.Fatalf("C[%d][%d] outside the result was overwritten", i, j)
								}
								continue
							}
							w := want[i*tc.n+j]
							tol := 2*float64(tc.k+2)*eps*scale[i*tc.n+j] + 1e-30
							if !(math.Abs(float64(g)-w) <= tol) {
								t.Fatalf("C[%d][%d] = %g, want %g (tolerance %.2g)", i, j, g, w, tol)
							}
							if g != ref[i*ldc+j] {
								t.Fatalf("C[%d][%d] = %g, Sgemm's kernel gives %g", i, j, g, ref[i*ldc+j])
							}
						}
					}
				}
			})
		}
	}
}
