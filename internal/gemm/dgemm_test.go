package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refDgemm is C = alpha·op(A)·op(B) + beta·C by plain loops; bound gets
// Σ|alpha·a·b| + |beta·c| per element, the scale of its rounding error.
func refDgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) (want, bound []float64) {
	want, bound = make([]float64, m*n), make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s, sa float64
			for p := range k {
				ai, bi := i*lda+p, p*ldb+j
				if transA {
					ai = p*lda + i
				}
				if transB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += av * bv
				sa += math.Abs(av * bv)
			}
			w, wb := alpha*s, math.Abs(alpha)*sa
			if beta != 0 {
				w += beta * c[i*ldc+j]
				wb += math.Abs(beta * c[i*ldc+j])
			}
			want[i*n+j], bound[i*n+j] = w, wb
		}
	}
	return want, bound
}

// TestDgemmKernels checks every float64 path (each assembly kernel this
// CPU has, on one and two goroutines, and gonum's) against plain loops over
// shapes with edge tiles in every dimension, cache-block splits in k, m and
// n, the four transpose cases and beta 0 (C full of NaNs, which must not
// leak), 1 and another value.
func TestDgemmKernels(t *testing.T) {
	kerns := append([]*dKernel{nil}, availableDKernels()...)
	shapes := [][3]int{{1, 1, 1}, {6, 8, 1}, {7, 9, 3}, {13, 17, 29}, {1, 100, 64}, {100, 1, 64}, {64, 121, 288}, {37, 300, 300}, {1000, 19, 70}}
	if testing.Short() {
		shapes = shapes[:7]
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kern := range kerns {
		name := "gonum"
		if kern != nil {
			name = kern.name
		}
		for _, threads := range []int{1, 2} {
			if kern == nil && threads == 2 {
				continue // gonum chooses its own goroutines
			}
			for _, sh := range shapes {
				m, n, k := sh[0], sh[1], sh[2]
				for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
					for _, ab := range [][2]float64{{1, 0}, {-0.5, 1}, {2, 0.25}, {0, 0.5}} {
						alpha, beta := ab[0], ab[1]
						lda, ldb, ldc := k+1, n+2, n+3
						if tr[0] {
							lda = m + 1
						}
						if tr[1] {
							ldb = k + 2
						}
						rowsA, rowsB := m, k
						if tr[0] {
							rowsA = k
						}
						if tr[1] {
							rowsB = n
						}
						a, b, c := make([]float64, rowsA*lda), make([]float64, rowsB*ldb), make([]float64, m*ldc)
						for i := range a {
							a[i] = rng.NormFloat64()
						}
						for i := range b {
							b[i] = rng.NormFloat64()
						}
						for i := range c {
							if beta == 0 {
								c[i] = math.NaN()
							} else {
								c[i] = rng.NormFloat64()
							}
						}
						want, bound := refDgemm(tr[0], tr[1], m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
						dgemmAuto(kern, threads, tr[0], tr[1], m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
						label := fmt.Sprintf("%s threads=%d %dx%dx%d trans=%v alpha=%g beta=%g", name, threads, m, n, k, tr, alpha, beta)
						for i := range m {
							for j := range n {
								got, w := c[i*ldc+j], want[i*n+j]
								if !(math.Abs(got-w) <= 1e-13*bound[i*n+j]+1e-300) {
									t.Fatalf("%s: C[%d][%d] = %v, want %v", label, i, j, got, w)
								}
							}
							for j := n; j < ldc; j++ {
								if g := c[i*ldc+j]; beta == 0 && !math.IsNaN(g) {
									t.Fatalf("%s: C[%d][%d] past the %d columns was written: %v", label, i, j, n, g)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestDgemmDefault checks that Dgemm uses the fastest float64 kernel of the
// CPU and gonum only without one.
func TestDgemmDefault(t *testing.T) {
	ks := availableDKernels()
	if len(ks) == 0 {
		if defaultDKernel != nil {
			t.Fatalf("defaultDKernel = %s with no kernel available", defaultDKernel.name)
		}
		t.Log("no float64 assembly kernel: Dgemm uses gonum")
		return
	}
	if defaultDKernel != ks[0] {
		t.Fatalf("defaultDKernel is not the first available kernel %s", ks[0].name)
	}
}

// BenchmarkDgemm times a square float64 product on gonum's Dgemm and on
// each float64 assembly kernel, one goroutine.
func BenchmarkDgemm(b *testing.B) {
	for _, n := range []int{64, 256} {
		a, bb, c := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
		for i := range a {
			a[i], bb[i] = float64(i%7)-3, float64(i%5)-2
		}
		for _, kern := range append([]*dKernel{nil}, availableDKernels()...) {
			name := "gonum"
			if kern != nil {
				name = kern.name
			}
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				b.SetBytes(int64(2 * n * n * n)) // "MB/s" reads as Mflop/s
				for range b.N {
					dgemmAuto(kern, 1, false, false, n, n, n, 1, a, n, bb, n, 0, c, n)
				}
			})
		}
	}
}
