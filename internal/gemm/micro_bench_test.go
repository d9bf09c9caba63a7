package gemm

import (
	"fmt"
	"golang.org/x/sys/unix"
	"gonum.org/v1/gonum/blas/gonum"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func threadCPU() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

// minTime returns the median thread CPU time of reps runs of f.
func minTime(reps int, f func()) time.Duration {
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

func TestTuneMicro(t *testing.T) {
	if os.Getenv("GEMM_TUNE") == "" {
		t.Skip()
	}
	ks := allKernels()
	for _, kern := range ks {
		for _, kc := range []int{16, 64, 256} {
			a := make([]float32, kern.mr*kc)
			bb := make([]float32, kern.nr*kc)
			c := make([]float32, kern.mr*kern.nr)
			d := minTime(2000, func() {
				for range 10 {
					kern.micro(kc, &a[0], &bb[0], kern.nr, &c[0], kern.nr, 0)
				}
			})
			fl := 10 * 2 * float64(kern.mr*kern.nr*kc)
			t.Logf("%s micro kc=%d: %.1f GFLOP/s", kern.name, kc, fl/d.Seconds()/1e9)
		}
	}
}

// GEMM_TUNE="12x32 kc mc nc" style sweeps over block sizes.
func TestTuneBlocks(t *testing.T) {
	spec := os.Getenv("GEMM_BLOCKS")
	if spec == "" {
		t.Skip()
	}
	kern := *defaultKernels[0]
	_ = kern
	name := os.Getenv("GEMM_KERNEL")
	for _, f := range strings.Fields(spec) {
		kv := strings.SplitN(f, "=", 2)
		v, _ := strconv.Atoi(kv[1])
		switch kv[0] {
		case "kc":
			kern.kc = v
		case "mc":
			kern.mc = v
		case "nc":
			kern.nc = v
		}
	}
	only := os.Getenv("GEMM_SHAPES")
	for _, s := range benchShapes {
		if only != "" && !strings.Contains(" "+only+" ", " "+s.name+" ") {
			continue
		}
		kern := kern
		if name == "" {
			kern = *defaultKernels.pick(s.m, s.n)
		} else {
			for _, k := range allKernels() {
				if k.name == name {
					kern = *k
				}
			}
		}
		for _, f := range strings.Fields(spec) {
			kv := strings.SplitN(f, "=", 2)
			v, _ := strconv.Atoi(kv[1])
			switch kv[0] {
			case "kc":
				kern.kc = v
			case "mc":
				kern.mc = v
			case "nc":
				kern.nc = v
			}
		}
		a, lda, bb, ldb, c := benchOperands(s)
		reps := max(5, min(200, int(4e9/(2*float64(s.m*s.n*s.k)))))
		d := minTime(reps, func() {
			sgemm(&kern, 1, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
		})
		t.Logf("%-22s %-14s %s: %.1f GFLOP/s", s.name, kern.name, fmt.Sprint(kern.kc, kern.mc, kern.nc), 2*float64(s.m*s.n*s.k)/d.Seconds()/1e9)
	}
}

// TestTuneAB alternates two variants of a kernel (GEMM_AB="name1 name2")
// and reports the median ratio of their times.
func TestTuneAB(t *testing.T) {
	spec := strings.Fields(os.Getenv("GEMM_AB"))
	if len(spec) != 2 {
		t.Skip()
	}
	variants := map[string]*kernel{}
	for _, name := range spec {
		parts := strings.Split(name, ":")
		for _, k := range allKernels() {
			if k.name == parts[0] {
				v := *k
				for _, f := range parts[1:] {
					kv := strings.SplitN(f, "=", 2)
					x, _ := strconv.Atoi(kv[1])
					switch kv[0] {
					case "kc":
						v.kc = x
					case "mc":
						v.mc = x
					case "nc":
						v.nc = x
					case "direct":
						v.directMaxM = x
					}
				}
				variants[name] = &v
			}
		}
	}
	only := os.Getenv("GEMM_SHAPES")
	for _, s := range benchShapes {
		if only != "" && !strings.Contains(" "+only+" ", " "+s.name+" ") {
			continue
		}
		a, lda, bb, ldb, c := benchOperands(s)
		reps := max(5, min(200, int(4e9/(2*float64(s.m*s.n*s.k)))))
		var ratios []float64
		var ta, tb []time.Duration
		for range reps {
			da := minTime(1, func() {
				sgemm(variants[spec[0]], 1, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			})
			db := minTime(1, func() {
				sgemm(variants[spec[1]], 1, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			})
			ratios = append(ratios, float64(da)/float64(db))
			ta, tb = append(ta, da), append(tb, db)
		}
		slices.Sort(ratios)
		slices.Sort(ta)
		slices.Sort(tb)
		fl := 2 * float64(s.m*s.n*s.k)
		t.Logf("%-22s %s %.1f  %s %.1f GFLOP/s  time ratio A/B median %.3f (q1 %.3f q3 %.3f)", s.name, spec[0], fl/ta[reps/2].Seconds()/1e9, spec[1], fl/tb[reps/2].Seconds()/1e9, ratios[reps/2], ratios[reps/4], ratios[3*reps/4])
	}
}

// TestTuneMicroL2 runs a micro-kernel over B panels that stream from L2,
// with the A panel resident, as in the macro-kernel.
func TestTuneMicroL2(t *testing.T) {
	if os.Getenv("GEMM_TUNE") == "" {
		t.Skip()
	}
	for _, kern := range allKernels()[:4] {
		kc := 320
		panels := 16
		a := make([]float32, kern.mr*kc)
		bb := make([]float32, kern.nr*kc*panels)
		c := make([]float32, kern.mr*kern.nr*panels)
		for i := range a {
			a[i] = 1
		}
		for i := range bb {
			bb[i] = 1
		}
		d := minTime(500, func() {
			for p := range panels {
				kern.micro(kc, &a[0], &bb[p*kern.nr*kc], kern.nr, &c[p*kern.mr*kern.nr], kern.nr, 0)
			}
		})
		fl := float64(panels) * 2 * float64(kern.mr*kern.nr*kc)
		t.Logf("%s micro, B from L2 (%d KB): %.1f GFLOP/s", kern.name, len(bb)*4/1024, fl/d.Seconds()/1e9)
	}
}

// TestTuneSmall compares Sgemm and gonum on small products (thread CPU time).
func TestTuneSmall(t *testing.T) {
	if os.Getenv("GEMM_TUNE") == "" {
		t.Skip()
	}
	for _, s := range []benchShape{
		{m: 4, n: 4, k: 4}, {m: 8, n: 8, k: 8}, {m: 16, n: 16, k: 16}, {m: 32, n: 32, k: 32}, {m: 64, n: 64, k: 64},
		{m: 64, n: 10, k: 128, transB: true}, {m: 64, n: 120, k: 400, transB: true}, {m: 1, n: 512, k: 512},
		{m: 512, n: 1, k: 512}, {m: 6, n: 784, k: 25}, {m: 64, n: 84, k: 120, transB: true},
	} {
		a, lda, bb, ldb, c := benchOperands(s)
		fl := 2 * float64(s.m*s.n*s.k)
		reps := 2000
		inner := max(1, int(2e5/fl))
		d1 := minTime(reps, func() {
			for range inner {
				Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			}
		})
		d2 := minTime(reps, func() {
			for range inner {
				gonum.Implementation{}.Sgemm(trans(s.transA), trans(s.transB), s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			}
		})
		t.Logf("%4dx%4dx%4d T%v%v: Sgemm %.2f µs (%.1f GFLOP/s), gonum %.2f µs (%.1f GFLOP/s)", s.m, s.n, s.k, s.transA, s.transB,
			float64(d1.Nanoseconds())/1e3/float64(inner), fl*float64(inner)/d1.Seconds()/1e9,
			float64(d2.Nanoseconds())/1e3/float64(inner), fl*float64(inner)/d2.Seconds()/1e9)
	}
}
