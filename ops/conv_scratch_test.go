package ops

import (
	"runtime"
	"testing"
	"weak"
)

// TestConvScratchShared: convolutions of different ops that run one after
// the other use one scratch set from the shared pool, grown to the larger
// call, and hold none between calls. Each op used to keep its own set, so
// a graph held the im2col matrices of every layer at once (W2, ResNet-18
// training: 324 MB of its 952 MB heap).
func TestConvScratchShared(t *testing.T) {
	geoms := []convGeom{
		{n: 4, c: 3, k: 8, in: [3]int{1, 9, 9}, out: [3]int{1, 4, 4}, ker: [3]int{1, 3, 3}, stride: [3]int{1, 2, 2}, dil: [3]int{1, 1, 1}},
		{n: 4, c: 8, k: 16, in: [3]int{1, 12, 12}, out: [3]int{1, 5, 5}, ker: [3]int{1, 3, 3}, stride: [3]int{1, 2, 2}, dil: [3]int{1, 1, 1}},
	}
	engines := make([]convEngine, len(geoms))
	run := func(i int) {
		g := &geoms[i]
		x := make([]float32, g.n*g.c*g.inSize())
		w := make([]float32, g.k*g.colRows())
		y := make([]float32, g.n*g.k*g.outSize())
		dx := make([]float32, len(x))
		dw := make([]float32, len(w))
		convForward(&engines[i], g, x, w, nil, false, y)
		convBackwardData(&engines[i], g, y, w, nil, false, dx)
		convBackwardFilter(&engines[i], g, y, x, dw)
		if engines[i].s != nil || engines[i].depth != 0 {
			t.Fatalf("op %d holds its scratch after the call", i)
		}
	}
	top := func() (*convScratch, int) {
		convScratches.mu.Lock()
		defer convScratches.mu.Unlock()
		n := len(convScratches.free)
		if n == 0 {
			return nil, 0
		}
		return convScratches.free[n-1].Value(), n
	}
	run(0)
	s, n := top()
	if s == nil {
		t.Fatal("no scratch set returned to the pool")
	}
	for range 3 {
		for i := range geoms {
			run(i)
			if s2, n2 := top(); s2 != s || n2 != n {
				t.Fatalf("op %d: the pool's first set changed (%p, %d sets) from %p, %d sets: calls in turn do not share one set", i, s2, n2, s, n)
			}
		}
	}
}

// TestConvScratchFreedWithOps: the pool keeps its idle scratch only through
// weak pointers, so once the ops that used a set are gone the garbage
// collector frees it (a dropped model does not leave its largest im2col
// matrix behind, as a pool of strong references did: 28 MB after one
// Conv2D on a 512x512 image).
func TestConvScratchFreedWithOps(t *testing.T) {
	g := &convGeom{n: 2, c: 3, k: 8, in: [3]int{1, 64, 64}, out: [3]int{1, 62, 62}, ker: [3]int{1, 3, 3}, stride: [3]int{1, 1, 1}, dil: [3]int{1, 1, 1}}
	used := func() weak.Pointer[convScratch] {
		e := new(convEngine)
		x := make([]float32, g.n*g.c*g.inSize())
		w := make([]float32, g.k*g.colRows())
		y := make([]float32, g.n*g.k*g.outSize())
		convForward(e, g, x, w, nil, false, y)
		if e.keep == nil {
			t.Fatal("the engine keeps no reference to the scratch it used")
		}
		return weak.Make(e.keep)
	}()
	runtime.GC()
	if used.Value() != nil {
		t.Fatal("the scratch of a dropped op is still alive after a garbage collection")
	}
	// A live op keeps its scratch across collections.
	e := new(convEngine)
	x := make([]float32, g.n*g.c*g.inSize())
	w := make([]float32, g.k*g.colRows())
	y := make([]float32, g.n*g.k*g.outSize())
	convForward(e, g, x, w, nil, false, y)
	kept := weak.Make(e.keep)
	runtime.GC()
	if kept.Value() == nil {
		t.Fatal("the scratch of a live op was freed")
	}
	runtime.KeepAlive(e)
}
