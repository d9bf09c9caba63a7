package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// naive computes alpha·op(A)·op(B) + beta·C with float64 accumulation, and
// for each entry the error scale alpha·Σ|a||b| + |beta·c| that bounds the
// rounding error of any float32 evaluation order.
func naive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, scale []float64) {
	opA := func(i, p int) float64 {
		if transA {
			return float64(a[p*lda+i])
		}
		return float64(a[i*lda+p])
	}
	opB := func(p, j int) float64 {
		if transB {
			return float64(b[j*ldb+p])
		}
		return float64(b[p*ldb+j])
	}
	want = make([]float64, m*n)
	scale = make([]float64, m*n)
	for i := range m {
		for j := range n {
			var sum, abs float64
			for p := range k {
				x, y := opA(i, p), opB(p, j)
				sum += x * y
				abs += math.Abs(x * y)
			}
			w := float64(alpha) * sum
			s := math.Abs(float64(alpha)) * abs
			if beta != 0 {
				w += float64(beta) * float64(c[i*ldc+j])
				s += math.Abs(float64(beta) * float64(c[i*ldc+j]))
			}
			want[i*n+j], scale[i*n+j] = w, s
		}
	}
	return want, scale
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*r.Float32() - 1
	}
	return s
}

// gemmCase is one product to check.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	pad            int // extra row stride of A, B and C beyond the minimum
	alpha, beta    float32
	nanC           bool // fill C with NaN (only with beta == 0)
}

func (tc gemmCase) String() string {
	t := func(x bool) string {
		if x {
			return "T"
		}
		return "N"
	}
	s := fmt.Sprintf("%s%s/m%d-n%d-k%d/a%g-b%g", t(tc.transA), t(tc.transB), tc.m, tc.n, tc.k, tc.alpha, tc.beta)
	if tc.pad > 0 {
		s += fmt.Sprintf("-ld+%d", tc.pad)
	}
	if tc.nanC {
		s += "-nanC"
	}
	return s
}

// run is one way of computing a product: a kernel on a number of
// goroutines, or Sgemm itself when kern is nil.
type run struct {
	kern    *kernel
	dot     *dotKernel // the dot-product path instead of kern (A·Bᵀ only)
	threads int        // 0: automatic
}

func (r run) String() string {
	switch {
	case r.dot != nil:
		return fmt.Sprintf("%s/t%d", r.dot.name, r.threads)
	case r.kern == nil:
		return "Sgemm"
	}
	return fmt.Sprintf("%s/t%d", r.kern.name, r.threads)
}

// check draws operands for tc, computes the naive reference once and checks
// every run against it. It also checks that C outside its m×n window is
// untouched.
func (tc gemmCase) check(t *testing.T, r *rand.Rand, runs ...run) {
	t.Helper()
	m, n, k := tc.m, tc.n, tc.k
	rowsA, colsA := m, k
	if tc.transA {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if tc.transB {
		rowsB, colsB = n, k
	}
	lda, ldb, ldc := colsA+tc.pad, colsB+tc.pad, n+tc.pad
	a := randSlice(r, max(0, rowsA*lda))
	b := randSlice(r, max(0, rowsB*ldb))
	c0 := randSlice(r, m*ldc)
	const sentinel = 12345
	for i := range m {
		for j := n; j < ldc; j++ {
			c0[i*ldc+j] = sentinel
		}
		if tc.nanC {
			for j := range n {
				c0[i*ldc+j] = float32(math.NaN())
			}
		}
	}
	want, scale := naive(tc.transA, tc.transB, m, n, k, tc.alpha, a, lda, b, ldb, tc.beta, c0, ldc)
	c := make([]float32, len(c0))
	for _, ru := range runs {
		copy(c, c0)
		if ru.dot != nil {
			sgemmDot(ru.dot, ru.threads, m, n, k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
		} else if ru.kern == nil {
			Sgemm(tc.transA, tc.transB, m, n, k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
		} else {
			sgemm(ru.kern, ru.threads, tc.transA, tc.transB, m, n, k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
		}
		const eps = 1.0 / (1 << 23) // float32 machine epsilon
		bad := 0
		for i := range m {
			for j := range n {
				got, w := float64(c[i*ldc+j]), want[i*n+j]
				tol := 2*float64(k+2)*eps*scale[i*n+j] + 1e-30
				if !(math.Abs(got-w) <= tol) {
					if bad++; bad <= 3 {
						t.Errorf("%v: C[%d][%d] = %g, want %g (tolerance %.2g)", ru, i, j, got, w, tol)
					}
				}
			}
			for j := n; j < ldc; j++ {
				if c[i*ldc+j] != sentinel {
					t.Fatalf("%v: C[%d][%d] outside the %d×%d result was overwritten: %g", ru, i, j, m, n, c[i*ldc+j])
				}
			}
		}
		if bad > 3 {
			t.Errorf("%v: ... %d wrong entries in all", ru, bad)
		}
	}
}

// runsOf returns a run of every kernel on the given number of goroutines.
func runsOf(kernels []*kernel, threads int) []run {
	var rs []run
	for _, k := range kernels {
		rs = append(rs, run{kern: k, threads: threads})
	}
	return rs
}

// testKernels returns every kernel this CPU can run, each also in a variant
// with tiny cache blocks so that small matrices cross every block boundary
// (several kc, mc and nc blocks, partial blocks at each edge) and that
// always packs B (the default reads an untransposed B in place for m ≤ 256).
func testKernels(t *testing.T) []*kernel {
	var ks []*kernel
	var names []string
	for _, k := range allKernels() {
		small := *k
		small.name += "-smallblocks"
		small.kc, small.mc, small.nc = 5, 2*k.mr, 2*k.nr
		small.directMaxM = 0
		small.directBadStride = 0
		ks = append(ks, k, &small)
		names = append(names, k.name)
	}
	t.Logf("kernels: %s (default set starts with %s)", strings.Join(names, ", "), defaultKernels[0].name)
	return ks
}

// allKernels lists every kernel of every set this CPU can run.
func allKernels() []*kernel {
	var ks []*kernel
	for _, set := range availableKernelSets() {
		ks = append(ks, set...)
	}
	return ks
}

var transCombos = [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}

// TestSgemmSizes checks many shapes, odd and tiny ones included, for every
// kernel and transpose combination.
func TestSgemmSizes(t *testing.T) {
	dims := []int{1, 2, 3, 5, 7, 13, 16, 17, 31, 33, 64, 65}
	alphaBeta := [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.3}, {1, 1}, {-2, 0}, {0.5, 0.3}}
	var cases []gemmCase
	i := 0
	for _, tr := range transCombos {
		for _, m := range dims {
			for _, n := range dims {
				for _, k := range []int{1, 3, 17, 33} {
					ab := alphaBeta[i%len(alphaBeta)]
					cases = append(cases, gemmCase{transA: tr[0], transB: tr[1], m: m, n: n, k: k, pad: 3 * (i % 2), alpha: ab[0], beta: ab[1]})
					i++
				}
			}
		}
		for _, s := range [][3]int{{100, 129, 65}, {129, 100, 300}, {65, 257, 129}, {200, 33, 513}, {1, 300, 100}, {300, 1, 100}} {
			ab := alphaBeta[i%len(alphaBeta)]
			cases = append(cases, gemmCase{transA: tr[0], transB: tr[1], m: s[0], n: s[1], k: s[2], pad: 5 * (i % 2), alpha: ab[0], beta: ab[1]})
			i++
		}
	}
	runs := runsOf(testKernels(t), 1)
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range cases {
		t.Run(tc.String(), func(t *testing.T) { tc.check(t, r, runs...) })
	}
}

// TestSgemmDot checks the dot-product path for A·Bᵀ (every dot kernel this
// CPU can run, also with tiny blocks so that small products cross k and n
// block boundaries) on 1, 2 and 3 goroutines.
func TestSgemmDot(t *testing.T) {
	var runs []run
	for _, dk := range availableDotKernels() {
		small := *dk
		small.name += "-smallblocks"
		small.kc, small.nc = 16, 2*dk.nr
		for _, threads := range []int{1, 2, 3} {
			runs = append(runs, run{dot: dk, threads: threads}, run{dot: &small, threads: threads})
		}
	}
	if len(runs) == 0 {
		t.Skip("no dot-product kernel on this CPU")
	}
	alphaBeta := [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.3}}
	r := rand.New(rand.NewPCG(13, 14))
	i := 0
	for _, m := range []int{1, 2, 5, 6, 7, 13, 33} {
		for _, n := range []int{1, 3, 4, 5, 9, 31} {
			for _, k := range []int{1, 5, 16, 17, 31, 33, 100, 600} {
				ab := alphaBeta[i%len(alphaBeta)]
				tc := gemmCase{transB: true, m: m, n: n, k: k, pad: 3 * (i % 2), alpha: ab[0], beta: ab[1], nanC: ab[1] == 0}
				i++
				t.Run(tc.String(), func(t *testing.T) { tc.check(t, r, runs...) })
			}
		}
	}
}

// TestSgemmTiny checks the plain loops used for the smallest products, for
// every transpose combination.
func TestSgemmTiny(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, tr := range transCombos {
		for _, s := range [][3]int{{1, 1, 1}, {2, 3, 4}, {4, 4, 4}, {7, 1, 5}, {1, 8, 8}, {4, 4, 8}} {
			for _, beta := range []float32{0, 0.5} {
				tc := gemmCase{transA: tr[0], transB: tr[1], m: s[0], n: s[1], k: s[2], pad: 1, alpha: -2, beta: beta, nanC: beta == 0}
				if s[0]*s[1]*s[2] > tinyWork {
					t.Fatalf("%v is not a tiny product", tc)
				}
				t.Run(tc.String(), func(t *testing.T) { tc.check(t, r, run{}) })
			}
		}
	}
}

// TestSgemmAlphaBeta checks every alpha and beta of the task, NaN in C with
// beta = 0, and strides larger than the minimum.
func TestSgemmAlphaBeta(t *testing.T) {
	runs := runsOf(testKernels(t), 1)
	r := rand.New(rand.NewPCG(3, 4))
	for _, tr := range transCombos {
		for _, alpha := range []float32{1, 0.5, -2} {
			for _, beta := range []float32{0, 1, 0.3} {
				for _, s := range [][3]int{{13, 35, 7}, {24, 64, 20}, {37, 70, 41}} {
					for _, pad := range []int{0, 7} {
						tc := gemmCase{transA: tr[0], transB: tr[1], m: s[0], n: s[1], k: s[2], pad: pad, alpha: alpha, beta: beta, nanC: beta == 0}
						t.Run(tc.String(), func(t *testing.T) { tc.check(t, r, runs...) })
					}
				}
			}
		}
	}
}

// TestSgemmNoProduct checks alpha = 0 and k = 0: C = beta·C, and with beta = 0
// C = 0 even where it held NaN; A and B are not read (NaN there is ignored).
func TestSgemmNoProduct(t *testing.T) {
	nan := float32(math.NaN())
	for _, beta := range []float32{0, 1, 0.5} {
		for _, k := range []int{0, 4} {
			m, n := 3, 5
			a := make([]float32, m*k)
			b := make([]float32, k*n)
			for i := range a {
				a[i] = nan
			}
			for i := range b {
				b[i] = nan
			}
			c := make([]float32, m*n)
			for i := range c {
				c[i] = float32(i)
				if beta == 0 {
					c[i] = nan
				}
			}
			alpha := float32(0)
			if k == 0 {
				alpha = 2
			}
			Sgemm(false, false, m, n, k, alpha, a, max(1, k), b, n, beta, c, n)
			for i, v := range c {
				want := beta * float32(i)
				if v != want {
					t.Errorf("beta=%g k=%d: C[%d] = %g, want %g", beta, k, i, v, want)
				}
			}
		}
	}
	// Empty results touch nothing.
	Sgemm(false, false, 0, 5, 3, 1, nil, 3, make([]float32, 15), 5, 0, nil, 5)
	Sgemm(false, false, 5, 0, 3, 1, make([]float32, 15), 3, nil, 1, 0, nil, 1)
}

// TestSgemmThreads forces the split over goroutines (along n and along m,
// into 2 and 3 uneven chunks) for every kernel.
func TestSgemmThreads(t *testing.T) {
	kernels := testKernels(t)
	runs := append(runsOf(kernels, 2), runsOf(kernels, 3)...)
	r := rand.New(rand.NewPCG(5, 6))
	for _, tr := range transCombos {
		for _, s := range [][3]int{{7, 200, 30}, {200, 7, 30}, {65, 99, 70}, {99, 65, 3}} {
			tc := gemmCase{transA: tr[0], transB: tr[1], m: s[0], n: s[1], k: s[2], pad: 2, alpha: 0.5, beta: 0.3}
			t.Run(tc.String(), func(t *testing.T) { tc.check(t, r, runs...) })
		}
	}
}

// TestSgemmDefault checks the public function (default kernel, automatic
// threading) on products big enough to be split over goroutines.
func TestSgemmDefault(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tr := range transCombos {
		for _, s := range [][4]int{{64, 676, 9}, {64, 1024, 576}, {300, 257, 260}, {64, 10, 128}, {6, 25, 576}, {512, 1, 300}, {1, 512, 300}, {37, 1, 5}, {2, 3, 4}, {512, 1, 300, 2}} {
			// s[3] is the padding of the strides. With n = 1 and ldb = 1 an
			// untransposed A takes the dot-product path; with ldc = 1 the
			// others run as the transposed 1×m product.
			tc := gemmCase{transA: tr[0], transB: tr[1], m: s[0], n: s[1], k: s[2], pad: s[3], alpha: 0.5, beta: 0.3}
			t.Run(tc.String(), func(t *testing.T) { tc.check(t, r, run{}) })
		}
	}
}

// TestSgemmConcurrent calls Sgemm from many goroutines at once (run it with
// -race): results must not depend on the other callers.
func TestSgemmConcurrent(t *testing.T) {
	type job struct {
		m, n, k    int
		a, b, want []float32
	}
	r := rand.New(rand.NewPCG(9, 10))
	var jobs []job
	for _, s := range [][3]int{{64, 300, 40}, {130, 70, 90}, {17, 33, 5}, {200, 200, 100}} {
		m, n, k := s[0], s[1], s[2]
		j := job{m: m, n: n, k: k, a: randSlice(r, m*k), b: randSlice(r, k*n), want: make([]float32, m*n)}
		sgemm(defaultKernels.pick(m, n), 1, false, false, m, n, k, 1, j.a, k, j.b, n, 0, j.want, n)
		jobs = append(jobs, j)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range 4 {
				j := jobs[(g+it)%len(jobs)]
				c := make([]float32, j.m*j.n)
				Sgemm(false, false, j.m, j.n, j.k, 1, j.a, j.k, j.b, j.n, 0, c, j.n)
				for i := range c {
					if c[i] != j.want[i] {
						errs <- fmt.Sprintf("goroutine %d: %dx%dx%d: C[%d] = %g, want %g", g, j.m, j.n, j.k, i, c[i], j.want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestSgemmBadArgs checks that invalid sizes, strides and short slices panic
// with a "gemm: " message instead of touching memory out of bounds.
func TestSgemmBadArgs(t *testing.T) {
	s := make([]float32, 12)
	cases := []struct {
		name string
		call func()
	}{
		{"negative-m", func() { Sgemm(false, false, -1, 3, 4, 1, s, 4, s, 3, 0, s, 3) }},
		{"lda-small", func() { Sgemm(false, false, 3, 3, 4, 1, s, 3, s, 3, 0, s, 3) }},
		{"ldb-small-trans", func() { Sgemm(false, true, 3, 3, 4, 1, s, 4, s, 3, 0, s, 3) }},
		{"ldc-small", func() { Sgemm(false, false, 3, 3, 4, 1, s, 4, s, 3, 0, s, 2) }},
		{"a-short", func() { Sgemm(false, false, 3, 3, 4, 1, s[:11], 4, s, 3, 0, s, 3) }},
		{"b-short", func() { Sgemm(false, false, 3, 3, 4, 1, s, 4, s[:11], 3, 0, s, 3) }},
		{"c-short", func() { Sgemm(false, false, 3, 3, 4, 1, s, 4, s, 3, 0, s[:8], 3) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "gemm: ") {
					t.Errorf("got panic %q, want one starting with \"gemm: \"", msg)
				}
			}()
			tc.call()
		})
	}
}

// TestDgemm checks the float64 path against the naive loop.
func TestDgemm(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, tr := range transCombos {
		m, n, k := 13, 9, 7
		a64 := make([]float64, m*k)
		b64 := make([]float64, k*n)
		c64 := make([]float64, m*n)
		a32, b32, c32 := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		for i := range a64 {
			a32[i] = 2*r.Float32() - 1
			a64[i] = float64(a32[i])
		}
		for i := range b64 {
			b32[i] = 2*r.Float32() - 1
			b64[i] = float64(b32[i])
		}
		for i := range c64 {
			c32[i] = 2*r.Float32() - 1
			c64[i] = float64(c32[i])
		}
		lda, ldb := k, n
		if tr[0] {
			lda = m
		}
		if tr[1] {
			ldb = k
		}
		want, _ := naive(tr[0], tr[1], m, n, k, 0.5, a32, lda, b32, ldb, 0.25, c32, n)
		Dgemm(tr[0], tr[1], m, n, k, 0.5, a64, lda, b64, ldb, 0.25, c64, n)
		for i := range c64 {
			if math.Abs(c64[i]-want[i]) > 1e-12 {
				t.Errorf("trans=%v: C[%d] = %g, want %g", tr, i, c64[i], want[i])
			}
		}
	}
}

// TestKernelTables checks the block sizes of every kernel: packed blocks
// hold whole panels, and the pick weights are usable.
func TestKernelTables(t *testing.T) {
	for _, set := range availableKernelSets() {
		for _, k := range set {
			if k.mr < 1 || k.nr < 1 || k.kc < 1 || k.mc%k.mr != 0 || k.nc%k.nr != 0 || k.speed <= 0 || k.micro == nil {
				t.Errorf("%s: mr=%d nr=%d kc=%d mc=%d nc=%d speed=%g: mc and nc must be multiples of mr and nr", k.name, k.mr, k.nr, k.kc, k.mc, k.nc, k.speed)
			}
		}
	}
	// Shapes that the pick must send to the right kernel family member.
	// (The portable kernels have no single-row member.)
	if k := defaultKernels.pick(1, 1000); k.mr != 1 && !strings.HasPrefix(defaultKernels[0].name, "generic") {
		t.Errorf("pick(1, 1000) = %s, want a single-row kernel", k.name)
	}
}
