package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// bnKernelCase runs BatchNorm's three kernels directly on one input.
type bnKernelCase struct {
	p                       *bnParams
	shape                   tensor.Shape
	x, gamma, beta, dy      []float32
	y, sums, dx             []float32
	mean, invstd            []float64
	runMeanInit, runVarInit []float32
}

func newBNKernelCase(r *rand.Rand, training, relu bool, shape ...int) *bnKernelCase {
	_, c, _ := bnGeometry(shape)
	size := tensor.Shape(shape).TotalSize()
	rnd := func(n int, off float32) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(r.NormFloat64()) + off
		}
		return s
	}
	k := &bnKernelCase{
		shape: shape, x: rnd(size, 3), gamma: rnd(c, 1), beta: rnd(c, 0), dy: rnd(size, 0),
		runMeanInit: rnd(c, 0), runVarInit: rnd(c, 4),
	}
	k.p = &bnParams{
		training: training, hasGamma: true, hasBeta: true, momentum: 0.1, eps: 1e-5, relu: relu,
		runMean: tensor.New(tensor.WithShape(c), tensor.WithBacking(slices.Clone(k.runMeanInit))),
		runVar:  tensor.New(tensor.WithShape(c), tensor.WithBacking(slices.Clone(k.runVarInit))),
	}
	k.y, k.sums, k.dx = make([]float32, size), make([]float32, 2*c), make([]float32, size)
	k.mean, k.invstd = make([]float64, c), make([]float64, c)
	return k
}

// run runs the forward, the gradient sums and dx, from fresh running
// statistics.
func (k *bnKernelCase) run() {
	copy(k.p.runMean.Float32s(), k.runMeanInit)
	copy(k.p.runVar.Float32s(), k.runVarInit)
	st := bnStats{mean: k.mean, invstd: k.invstd}
	bnForward(k.p, st, k.x, k.gamma, k.beta, k.y, k.shape)
	var sums []float32
	if k.p.training {
		bnSums(k.p, st, k.x, k.y, k.dy, k.sums, k.shape)
		sums = k.sums
	}
	bnGradX(k.p, st, k.x, k.y, k.dy, sums, k.gamma, k.dx, k.shape)
}

// results are copies of everything the kernels wrote.
func (k *bnKernelCase) results() [][]float32 {
	return [][]float32{slices.Clone(k.y), slices.Clone(k.sums), slices.Clone(k.dx), slices.Clone(k.p.runMean.Float32s()), slices.Clone(k.p.runVar.Float32s())}
}

// TestBNKernelsThreads checks that BatchNorm's kernels, split over
// channels on 1 to 3 goroutines, write the same bits whatever the count,
// and that the fused ReLU's masked sums and dx equal the unfused kernels
// on a masked copy of dy.
func TestBNKernelsThreads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(41, 42))
	names := []string{"y", "sums", "dx", "running mean", "running var"}
	for _, training := range []bool{true, false} {
		for _, relu := range []bool{false, true} {
			// 4·30·30 values per plane set: grain 9 channels, so 24
			// channels split into up to 3 parts.
			k := newBNKernelCase(r, training, relu, 4, 24, 30, 30)
			var want [][]float32
			for _, procs := range []int{1, 2, 3} {
				runtime.GOMAXPROCS(procs)
				k.run()
				got := k.results()
				if want == nil {
					want = got
					continue
				}
				for i := range got {
					if !slices.Equal(got[i], want[i]) {
						t.Errorf("train=%v relu=%v: %s at GOMAXPROCS=%d differs from GOMAXPROCS=1", training, relu, names[i], procs)
					}
				}
			}
			if !relu {
				continue
			}
			// The unfused kernels on dy masked where y ≤ 0 give the same bits.
			masked := slices.Clone(k.dy)
			for i, v := range k.y {
				if !(v > 0) {
					masked[i] = 0
				}
			}
			k.p.relu, k.dy = false, masked
			k.run()
			got := k.results()
			for i := 1; i <= 2; i++ {
				if !slices.Equal(got[i], want[i]) {
					t.Errorf("train=%v: fused ReLU %s differs from the unfused kernel on the masked gradient", training, names[i])
				}
			}
		}
	}
}

// TestBNKernelsAllocs checks that BatchNorm's forward, gradient-sums and
// dx kernels allocate nothing per run once warm, with the channels split
// over goroutines (measured with runtime.MemStats, as testing.AllocsPerRun
// would run them at GOMAXPROCS 1, unsplit; and with AllocsPerRun too).
func TestBNKernelsAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("-race: sync.Pool drops items at random")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	r := rand.New(rand.NewPCG(43, 44))
	for _, training := range []bool{true, false} {
		for _, relu := range []bool{false, true} {
			k := newBNKernelCase(r, training, relu, 4, 24, 30, 30)
			k.run()
			// Mallocs counts the runtime's own allocations too (a new OS
			// thread when a worker wakes, the scavenger's timers, the
			// wait records of a goroutine parking on a channel, which
			// the spinning workers do only now and then): allow up to
			// one per run, and take the best of five tries. One
			// allocation per kernel call would be 3·runs in every try.
			// (The runtime's share reached 4 to 9 in 20 runs under qemu
			// and 23 in 20 runs at load 20.)
			const runs = 40
			best := uint64(math.MaxUint64)
			for range 5 {
				// no collection during the runs: its mark workers allocate
				runtime.GC()
				gc := debug.SetGCPercent(-1)
				var m0, m1 runtime.MemStats
				runtime.ReadMemStats(&m0)
				for range runs {
					k.run()
				}
				runtime.ReadMemStats(&m1)
				debug.SetGCPercent(gc)
				best = min(best, m1.Mallocs-m0.Mallocs)
			}
			if best > runs {
				t.Errorf("train=%v relu=%v: %d allocations in %d runs of the three kernels, want at most %d (none of ours)", training, relu, best, runs, runs)
			}
			if a := testing.AllocsPerRun(runs, k.run); a != 0 {
				t.Errorf("train=%v relu=%v: %v allocations per run at GOMAXPROCS 1, want 0", training, relu, a)
			}
		}
	}
}

func (k *bnKernelCase) String() string { return fmt.Sprint(k.shape) }
