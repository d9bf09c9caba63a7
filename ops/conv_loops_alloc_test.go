package ops

import (
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"testing"
)

// convAllocCase is one call of a convolution kernel on warm scratch.
type convAllocCase struct {
	name string
	run  func()
}

// convAllocCases are the forward, input-gradient and filter-gradient
// kernels on the im2col, shifted, flipped, 1x1 and strided paths, the
// fused convolution and pooling, the bias gradient and the 3-D slabs.
func convAllocCases(r *rand.Rand) []convAllocCase {
	geom := func(n, c, k, hw, ker, stride, pad int) convGeom {
		out := (hw+2*pad-ker)/stride + 1
		return convGeom{n: n, c: c, k: k, in: [3]int{1, hw, hw}, out: [3]int{1, out, out},
			ker: [3]int{1, ker, ker}, stride: [3]int{1, stride, stride}, pad: [3]int{0, pad, pad}, dil: [3]int{1, 1, 1}}
	}
	rnd := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = r.Float32() - 0.5
		}
		return s
	}
	var cases []convAllocCase
	for _, c := range []struct {
		name string
		g    convGeom
	}{
		{"im2col", geom(8, 3, 8, 12, 3, 1, 1)},  // few channels: not shifted
		{"shift", geom(8, 16, 8, 12, 3, 1, 1)},  // stacked taps
		{"flip", geom(8, 4, 6, 10, 3, 1, 0)},    // small planes: flipped input gradient
		{"direct", geom(8, 8, 16, 8, 1, 1, 0)},  // 1x1
		{"strided", geom(8, 8, 8, 16, 3, 2, 1)}, // stride 2
		{"grouped", geom(16, 8, 8, 4, 3, 1, 1)}, // 4x4 maps: groups of images
	} {
		g := c.g
		var e convEngine
		x, w, b := rnd(g.n*g.c*g.inSize()), rnd(g.k*g.c*g.colRows()/g.c), rnd(g.k)
		y, dy := make([]float32, g.n*g.k*g.outSize()), rnd(g.n*g.k*g.outSize())
		dx, dw, db := make([]float32, len(x)), make([]float32, len(w)), make([]float32, g.k)
		cl := new(channelSumLoop[float32])
		cases = append(cases, convAllocCase{c.name, func() {
			convForward(&e, &g, x, w, b, true, y)
			convBackwardData(&e, &g, dy, w, nil, false, dx)
			convBackwardFilter(&e, &g, dy, x, dw)
			channelSums(cl, dy, g.n, g.outSize(), db)
		}})
	}
	// ConvMaxPool2D's kernel
	g := geom(16, 8, 8, 12, 3, 1, 1)
	cp := &convPoolRun{conv: &convRun{geom: g, bias: true, relu: true}}
	x, w, b := rnd(g.n*g.c*g.inSize()), rnd(g.k*g.colRows()), rnd(g.k)
	y := make([]float32, g.n*g.k*(g.out[1]/2)*(g.out[2]/2))
	cases = append(cases, convAllocCase{"convPool", func() { convPoolForward(cp, x, w, b, y) }})
	// 3-D convolution in depth slabs
	g3 := convGeom{n: 2, c: 4, k: 4, in: [3]int{8, 12, 12}, out: [3]int{8, 12, 12},
		ker: [3]int{3, 3, 3}, stride: [3]int{1, 1, 1}, pad: [3]int{1, 1, 1}, dil: [3]int{1, 1, 1}}
	var e3 convEngine
	x3, w3 := rnd(g3.n*g3.c*g3.inSize()), rnd(g3.k*g3.colRows())
	y3, dw3 := make([]float32, g3.n*g3.k*g3.outSize()), make([]float32, len(w3))
	cases = append(cases, convAllocCase{"slab3d", func() {
		convForward(&e3, &g3, x3, w3, nil, false, y3)
		convBackwardFilter(&e3, &g3, y3, x3, dw3)
	}})
	return cases
}

// TestConvKernelsAllocs checks that the convolution kernels allocate
// nothing per call once warm: their loops over the workers are reused
// values in the engine's scratch, not closures. At GOMAXPROCS 2 (split
// loops) the bytes are counted with runtime.MemStats and no collection
// during the runs, allowing the runtime's own (goroutines blocking on
// channels: about 100 bytes each); at GOMAXPROCS 1 testing.AllocsPerRun
// must count none.
func TestConvKernelsAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("-race: sync.Pool drops items at random")
	}
	r := rand.New(rand.NewPCG(61, 62))
	cases := convAllocCases(r)
	func() {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
		for _, c := range cases {
			c.run()
			const runs = 10
			best := uint64(math.MaxUint64)
			for range 3 {
				runtime.GC()
				c.run() // re-take what the collection demoted
				gc := debug.SetGCPercent(-1)
				var m0, m1 runtime.MemStats
				runtime.ReadMemStats(&m0)
				for range runs {
					c.run()
				}
				runtime.ReadMemStats(&m1)
				debug.SetGCPercent(gc)
				best = min(best, m1.TotalAlloc-m0.TotalAlloc)
			}
			if best > 2<<10 {
				t.Errorf("%s at GOMAXPROCS 2: %d bytes allocated in %d calls, want at most 2 KB (none of ours)", c.name, best, runs)
			}
		}
	}()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, c := range cases {
		c.run()
		if a := testing.AllocsPerRun(10, c.run); a != 0 {
			t.Errorf("%s at GOMAXPROCS 1: %v allocations per call, want 0", c.name, a)
		}
	}
}
