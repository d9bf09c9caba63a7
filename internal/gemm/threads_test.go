package gemm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// threadCase is a product to split, with operands drawn once.
type threadCase struct {
	transA, transB bool
	m, n, k        int
	a, b, c0       []float32
	lda, ldb, ldc  int
}

func newThreadCase(r *rand.Rand, transA, transB bool, m, n, k int) *threadCase {
	tc := &threadCase{transA: transA, transB: transB, m: m, n: n, k: k, lda: k, ldb: n, ldc: n}
	if transA {
		tc.lda = m
	}
	if transB {
		tc.ldb = k
	}
	tc.a, tc.b, tc.c0 = randSlice(r, m*k), randSlice(r, k*n), randSlice(r, m*n)
	return tc
}

func (tc *threadCase) String() string {
	return fmt.Sprintf("%s%s/%dx%dx%d", map[bool]string{false: "N", true: "T"}[tc.transA], map[bool]string{false: "N", true: "T"}[tc.transB], tc.m, tc.n, tc.k)
}

// serial is the product on one goroutine with the kernel Sgemm picks.
func (tc *threadCase) serial() []float32 {
	c := append([]float32(nil), tc.c0...)
	sgemm(defaultKernels.pick(tc.m, tc.n), 1, tc.transA, tc.transB, tc.m, tc.n, tc.k, 0.5, tc.a, tc.lda, tc.b, tc.ldb, 0.25, c, tc.ldc)
	return c
}

// public is the product through Sgemm.
func (tc *threadCase) public() []float32 {
	c := append([]float32(nil), tc.c0...)
	Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, 0.5, tc.a, tc.lda, tc.b, tc.ldb, 0.25, c, tc.ldc)
	return c
}

// firstDiff returns the index of the first element where got and want
// differ in their bits, or -1.
func firstDiff(got, want []float32) int {
	for i := range want {
		if got[i] != want[i] {
			return i
		}
	}
	return -1
}

// TestSgemmGOMAXPROCS checks that Sgemm reads GOMAXPROCS at each call and
// that splitting a product over goroutines leaves every bit of C as the
// serial product computes it (the same blocking and summation order).
func TestSgemmGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(21, 22))
	// 96×704×160 is 10.8·10⁶ multiply-adds: 5 goroutines' worth.
	const m, n, k = 96, 704, 160
	var cases []*threadCase
	for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
		cases = append(cases, newThreadCase(r, tr[0], tr[1], m, n, k), newThreadCase(r, tr[0], tr[1], n, m, k))
	}
	for _, procs := range []int{1, 2, 3, 4} {
		runtime.GOMAXPROCS(procs)
		kern := defaultKernels.pick(m, n)
		if got := splitThreads(0, m, n, k, kern.mr, kern.nr); got != procs {
			t.Errorf("GOMAXPROCS=%d: a %dx%dx%d product is split %d ways, want %d", procs, m, n, k, got, procs)
		}
		for _, tc := range cases {
			if i := firstDiff(tc.public(), tc.serial()); i >= 0 {
				t.Errorf("GOMAXPROCS=%d, %v: C[%d] differs from the serial product", procs, tc, i)
			}
		}
	}
}

// TestSgemmConcurrentSplit calls Sgemm from several goroutines at once on
// products that are split over goroutines (run it with -race): each result
// must equal the serial product bit for bit.
func TestSgemmConcurrentSplit(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	r := rand.New(rand.NewPCG(23, 24))
	var cases []*threadCase
	for _, s := range [][5]int{{0, 0, 128, 300, 120}, {0, 0, 300, 128, 120}, {0, 1, 64, 400, 200}, {1, 1, 200, 90, 300}, {0, 0, 17, 33, 5}} {
		cases = append(cases, newThreadCase(r, s[0] == 1, s[1] == 1, s[2], s[3], s[4]))
	}
	want := make([][]float32, len(cases))
	for i, tc := range cases {
		want[i] = tc.serial()
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range 6 {
				i := (g + it) % len(cases)
				if d := firstDiff(cases[i].public(), want[i]); d >= 0 {
					errs <- fmt.Sprintf("goroutine %d, %v: C[%d] differs from the serial product", g, cases[i], d)
					return
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

// TestSgemmSplitAllocs checks that a product split over goroutines
// allocates nothing once the workers and packing buffers exist: the parts
// go to the persistent workers without closures. (testing.AllocsPerRun
// runs at GOMAXPROCS 1, so the thread count is given explicitly.)
func TestSgemmSplitAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("-race: sync.Pool drops buffers at random")
	}
	r := rand.New(rand.NewPCG(25, 26))
	const m, n, k = 64, 256, 96
	a, b, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
	kern := defaultKernels.pick(m, n)
	runs := []struct {
		name string
		f    func()
	}{
		{"packed/2", func() { sgemm(kern, 2, false, false, m, n, k, 1, a, k, b, n, 0, c, n) }},
		{"packed/3", func() { sgemm(kern, 3, false, true, m, n, k, 1, a, k, b, k, 0, c, n) }},
	}
	var pa PackedA
	pa.PackPanels(a, k, 0, pa.Prepare(false, m, k, n))
	runs = append(runs, struct {
		name string
		f    func()
	}{"prepacked/2", func() { sgemmPacked(2, &pa, n, b, n, 0, c, n) }})
	if defaultDot != nil {
		runs = append(runs, struct {
			name string
			f    func()
		}{"dot/2", func() { sgemmDot(defaultDot, 2, m, n, k, 1, a, k, b, k, 0, c, n) }})
	}
	for _, ru := range runs {
		ru.f() // start the workers, size the buffers
		if allocs := testing.AllocsPerRun(50, ru.f); allocs != 0 {
			t.Errorf("%s: a split product allocated %v times per call, want 0", ru.name, allocs)
		}
	}
}

// TestSplit checks that split's sub-products tile the m×n product exactly
// once, cut at multiples of the register block along the longer side.
func TestSplit(t *testing.T) {
	for _, s := range [][3]int{{7, 200, 30}, {200, 7, 30}, {65, 99, 70}, {1, 1, 1}, {96, 704, 160}} {
		m, n, k := s[0], s[1], s[2]
		const mr, nr = 6, 16
		for _, threads := range []int{1, 2, 3, 4} {
			var mu sync.Mutex
			hits := make([]int, m*n)
			split(threads, m, n, k, mr, nr, func(ms, ns, rowA, colB int) {
				mu.Lock()
				defer mu.Unlock()
				if (n >= m && colB%nr != 0) || (n < m && rowA%mr != 0) {
					t.Errorf("%dx%d on %d: a part starts at (%d, %d), not at a register block", m, n, threads, rowA, colB)
				}
				for i := rowA; i < rowA+ms; i++ {
					for j := colB; j < colB+ns; j++ {
						hits[i*n+j]++
					}
				}
			})
			for i, h := range hits {
				if h != 1 {
					t.Fatalf("%dx%d on %d threads: C[%d][%d] computed %d times, want 1", m, n, threads, i/n, i%n, h)
				}
			}
		}
	}
}
