//go:build linux && amd64 && !purego

package gemm

// Tuning tools, skipped unless GEMM_TUNE is set. They time with the calling
// thread's CPU clock (CLOCK_THREAD_CPUTIME_ID) and take medians, which stays
// meaningful on a machine shared with other jobs, where wall-clock times of
// the benchmarks swing by 2× or more. All run single-threaded.
//
//	GEMM_TUNE=micro go test -run TestTune -v ./internal/gemm/
//	    every micro-kernel on L1-resident panels (kc = 16, 64, 256)
//	GEMM_TUNE=shapes GEMM_SHAPES="1024 conv-64x1024x576" GEMM_KERNEL="avx512-12x32:kc=256:nc=384" go test -run TestTune -v ./internal/gemm/
//	    the benchmark shapes, optionally with one kernel and block sizes
//	GEMM_TUNE=ab GEMM_AB="avx512-12x32:kc=192 avx512-12x32:kc=320" go test -run TestTune -v ./internal/gemm/
//	    two variants alternated run by run, with the median time ratio
//	GEMM_TUNE=small go test -run TestTune -v ./internal/gemm/
//	    Sgemm against gonum on small products
//	GEMM_TUNE=threads go test -run TestTune -v ./internal/gemm/
//	    the shapes on 1 and 2 goroutines: wall-clock GFLOP/s and GFLOP per
//	    second of process CPU time (which shows the cost of splitting even
//	    when the other core is busy with other jobs)
//	GEMM_TUNE=pack go test -run TestTune -v ./internal/gemm/
//	    the transposing packs, in ns per element
//	GEMM_TUNE=dot go test -run TestTune -v ./internal/gemm/
//	    the dot-product path against the packed path on A·Bᵀ shapes

import (
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	"gonum.org/v1/gonum/blas/gonum"
)

func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Duration(ts.Nano())
}

// medianCPU returns the median thread CPU time of reps runs of f.
func medianCPU(reps int, f func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ts := make([]time.Duration, reps)
	for i := range ts {
		t := threadCPU()
		f()
		ts[i] = threadCPU() - t
	}
	slices.Sort(ts)
	return ts[reps/2]
}

// tunedKernel parses "name[:kc=N][:mc=N][:nc=N][:direct=N]".
func tunedKernel(t *testing.T, spec string) *kernel {
	parts := strings.Split(spec, ":")
	for _, k := range allKernels() {
		if k.name != parts[0] {
			continue
		}
		v := *k
		for _, f := range parts[1:] {
			key, val, _ := strings.Cut(f, "=")
			x, err := strconv.Atoi(val)
			if err != nil {
				t.Fatalf("bad kernel option %q", f)
			}
			switch key {
			case "kc":
				v.kc = x
			case "mc":
				v.mc = x
			case "nc":
				v.nc = x
			case "direct":
				v.directMaxM = x
			default:
				t.Fatalf("unknown kernel option %q", key)
			}
		}
		return &v
	}
	t.Fatalf("no kernel %q", parts[0])
	return nil
}

// tuneShapes returns the benchmark shapes named in GEMM_SHAPES (all if unset).
func tuneShapes() []benchShape {
	only := strings.Fields(os.Getenv("GEMM_SHAPES"))
	var ss []benchShape
	for _, s := range benchShapes {
		if len(only) == 0 || slices.Contains(only, s.name) {
			ss = append(ss, s)
		}
	}
	return ss
}

func gflops(s benchShape, d time.Duration) float64 {
	return 2 * float64(s.m) * float64(s.n) * float64(s.k) / d.Seconds() / 1e9
}

func TestTune(t *testing.T) {
	switch os.Getenv("GEMM_TUNE") {
	case "micro":
		tuneMicro(t)
	case "shapes":
		tuneShapesRun(t)
	case "ab":
		tuneAB(t)
	case "small":
		tuneSmall(t)
	case "threads":
		tuneThreads(t)
	case "pack":
		tunePack(t)
	case "dot":
		tuneDot(t)
	default:
		t.Skip("set GEMM_TUNE to micro, shapes, ab, small, threads, pack or dot")
	}
}

func tuneMicro(t *testing.T) {
	for _, kern := range allKernels() {
		for _, kc := range []int{16, 64, 256} {
			a := make([]float32, kern.mr*kc)
			b := make([]float32, kern.nr*kc)
			c := make([]float32, kern.mr*kern.nr)
			calls := max(1, 1000000/(kern.mr*kern.nr*kc))
			d := medianCPU(2000, func() {
				for range calls {
					kern.micro(kc, &a[0], &b[0], kern.nr, &c[0], kern.nr, 0)
				}
			})
			fl := float64(calls) * 2 * float64(kern.mr*kern.nr*kc)
			t.Logf("%-14s kc=%3d: %6.1f GFLOP/s", kern.name, kc, fl/d.Seconds()/1e9)
		}
	}
}

func tuneShapesRun(t *testing.T) {
	var kern *kernel
	if spec := os.Getenv("GEMM_KERNEL"); spec != "" {
		kern = tunedKernel(t, spec)
	}
	for _, s := range tuneShapes() {
		k := kern
		if k == nil {
			k = defaultKernels.pick(s.m, s.n)
		}
		a, lda, b, ldb, c := benchOperands(s)
		reps := max(5, min(200, int(4e9/(2*float64(s.m*s.n*s.k)))))
		d := medianCPU(reps, func() {
			sgemm(k, 1, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n)
		})
		t.Logf("%-22s %-14s kc=%d mc=%d nc=%d: %6.1f GFLOP/s", s.name, k.name, k.kc, k.mc, k.nc, gflops(s, d))
	}
}

func tuneAB(t *testing.T) {
	spec := strings.Fields(os.Getenv("GEMM_AB"))
	if len(spec) != 2 {
		t.Fatal(`GEMM_AB must name two kernels, e.g. "avx512-12x32:kc=192 avx512-12x32"`)
	}
	ka, kb := tunedKernel(t, spec[0]), tunedKernel(t, spec[1])
	for _, s := range tuneShapes() {
		a, lda, b, ldb, c := benchOperands(s)
		reps := max(5, min(200, int(4e9/(2*float64(s.m*s.n*s.k)))))
		var ratios []float64
		var ta, tb []time.Duration
		for range reps {
			da := medianCPU(1, func() { sgemm(ka, 1, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n) })
			db := medianCPU(1, func() { sgemm(kb, 1, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n) })
			ratios = append(ratios, float64(da)/float64(db))
			ta, tb = append(ta, da), append(tb, db)
		}
		slices.Sort(ratios)
		slices.Sort(ta)
		slices.Sort(tb)
		t.Logf("%-22s A %.1f, B %.1f GFLOP/s; time A/B median %.3f (quartiles %.3f, %.3f)",
			s.name, gflops(s, ta[reps/2]), gflops(s, tb[reps/2]), ratios[reps/2], ratios[reps/4], ratios[3*reps/4])
	}
}

func tuneSmall(t *testing.T) {
	for _, s := range []benchShape{
		{m: 4, n: 4, k: 4}, {m: 8, n: 8, k: 8}, {m: 16, n: 16, k: 16}, {m: 32, n: 32, k: 32}, {m: 64, n: 64, k: 64},
		{m: 64, n: 10, k: 128, transB: true}, {m: 64, n: 84, k: 120, transB: true}, {m: 1, n: 512, k: 512},
		{m: 512, n: 1, k: 512}, {m: 6, n: 784, k: 25},
		// LeNet-5 on MNIST, one image: conv1 forward, weight and input
		// gradients; conv2 likewise.
		{m: 6, n: 576, k: 25}, {m: 6, n: 25, k: 576, transB: true}, {m: 25, n: 576, k: 6, transA: true},
		{m: 16, n: 64, k: 150}, {m: 16, n: 150, k: 64, transB: true}, {m: 150, n: 64, k: 16, transA: true},
	} {
		a, lda, b, ldb, c := benchOperands(s)
		fl := 2 * float64(s.m*s.n*s.k)
		calls := max(1, int(2e5/fl))
		d1 := medianCPU(2000, func() {
			for range calls {
				sgemmAuto(defaultKernels, defaultDot, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n)
			}
		})
		d2 := medianCPU(2000, func() {
			for range calls {
				gonum.Implementation{}.Sgemm(trans(s.transA), trans(s.transB), s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n)
			}
		})
		us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(calls) }
		t.Logf("%4d×%4d×%4d T%-5v N%-5v: Sgemm %7.2f µs (%5.1f GFLOP/s), gonum %7.2f µs", s.m, s.n, s.k, s.transA, s.transB, us(d1), fl/us(d1)/1e3, us(d2))
	}
}

func tuneThreads(t *testing.T) {
	for _, s := range tuneShapes() {
		a, lda, b, ldb, c := benchOperands(s)
		k := defaultKernels.pick(s.m, s.n)
		reps := max(5, min(200, int(4e9/(2*float64(s.m*s.n*s.k)))))
		for _, threads := range []int{1, 2} {
			walls := make([]time.Duration, reps)
			cpu0, _ := processCPU()
			for i := range walls {
				t0 := time.Now()
				sgemm(k, threads, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n)
				walls[i] = time.Since(t0)
			}
			cpu1, _ := processCPU()
			cpu := (cpu1 - cpu0) / time.Duration(reps)
			slices.Sort(walls)
			t.Logf("%-22s %d thread(s): wall median %6.1f GFLOP/s (best %6.1f), %6.1f GFLOP per CPU-second",
				s.name, threads, gflops(s, walls[reps/2]), gflops(s, walls[0]), gflops(s, cpu))
		}
	}
}

func tunePack(t *testing.T) {
	for _, sz := range [][2]int{{2048, 2048}, {512, 1600}, {576, 1024}} {
		n, k := sz[0], sz[1]
		b := make([]float32, n*k)
		dst := make([]float32, 320*576)
		for _, nr := range []int{48, 32} {
			d := medianCPU(30, func() {
				for pc := 0; pc < k; pc += 320 {
					kb := min(320, k-pc)
					for jc := 0; jc < n; jc += 528 {
						packB(asmTransposer, true, b, k, pc, jc, kb, min(528, n-jc), nr, dst)
					}
				}
			})
			t.Logf("packB NT %dx%d nr=%d: %.3f ns/element", n, k, nr, float64(d.Nanoseconds())/float64(n*k))
		}
		a := make([]float32, n*k)
		dstA := make([]float32, 1920*320)
		for _, mr := range []int{12, 8, 6} {
			d := medianCPU(30, func() {
				for ic := 0; ic < n; ic += 1920 {
					mb := min(1920, n-ic)
					for pc := 0; pc < k; pc += 320 {
						kb := min(320, k-pc)
						packA(asmTransposer, false, 1, a, k, ic, pc, mb, kb, mr, dstA)
					}
				}
			})
			t.Logf("packA NN %dx%d mr=%d: %.3f ns/element", n, k, mr, float64(d.Nanoseconds())/float64(n*k))
		}
	}
}

func tuneDot(t *testing.T) {
	for _, s := range []benchShape{
		{m: 6, n: 25, k: 576}, {m: 16, n: 150, k: 64}, {m: 16, n: 150, k: 256}, {m: 64, n: 10, k: 128},
		{m: 32, n: 288, k: 1024}, {m: 64, n: 576, k: 1024}, {m: 64, n: 512, k: 1600}, {m: 128, n: 1152, k: 256},
		{m: 512, n: 1, k: 512}, {m: 2, n: 512, k: 512}, {m: 8, n: 64, k: 64}, {m: 33, n: 33, k: 256}, {m: 48, n: 300, k: 128},
	} {
		s.transB = true
		a, lda, b, ldb, c := benchOperands(s)
		fl := 2 * float64(s.m*s.n*s.k)
		calls := max(1, int(2e6/fl))
		reps := max(20, min(2000, int(2e9/fl)))
		k := defaultKernels.pick(s.m, s.n)
		dPacked := medianCPU(reps, func() {
			for range calls {
				sgemm(k, 1, false, true, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n)
			}
		})
		dDot := medianCPU(reps, func() {
			for range calls {
				sgemmDot(defaultDot, 1, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n)
			}
		})
		t.Logf("%4d×%4d×%4d: packed (%s) %6.1f GFLOP/s, dot %6.1f GFLOP/s, useDot=%v", s.m, s.n, s.k, k.name,
			fl*float64(calls)/dPacked.Seconds()/1e9, fl*float64(calls)/dDot.Seconds()/1e9, useDot(k, defaultDot, s.m, s.n, s.k))
	}
}
