package gemm

import (
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestFreeListOrder checks that the list hands back the value put back
// last first, whichever goroutine asks, and a new zero value when empty.
func TestFreeListOrder(t *testing.T) {
	var l freeList[[4]int]
	a, b := l.get(), l.get()
	if a == b {
		t.Fatal("two gets from an empty list returned the same value")
	}
	a[0], b[0] = 1, 2
	l.put(a)
	l.put(b)
	done := make(chan *[4]int)
	go func() { done <- l.get() }()
	if got := <-done; got != b {
		t.Errorf("get on another goroutine returned %v, want the value put back last (%v)", got, b)
	}
	if got := l.get(); got != a {
		t.Errorf("second get returned %v, want the value put back first (%v)", got, a)
	}
	if got := l.get(); got == a || got == b || *got != [4]int{} {
		t.Errorf("get from the emptied list returned %v, want a new zero value", got)
	}
}

// waitCollection runs a garbage collection and waits for the sentinel's
// cleanup (which demotes the lists) to have run after it.
func waitCollection(t *testing.T) {
	t.Helper()
	c := gcCycles.Load()
	runtime.GC()
	for deadline := time.Now().Add(5 * time.Second); gcCycles.Load() == c; {
		if time.Now().After(deadline) {
			t.Fatal("the collection sentinel's cleanup did not run within 5 s of runtime.GC")
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// TestFreeListCollections checks the lifetime of idle values: kept
// strongly until a collection, weakly after it (still handed out if
// alive), and freed when idle through the next collection.
func TestFreeListCollections(t *testing.T) {
	var l freeList[[1024]float32]
	v := l.get()
	v[0] = 7
	l.put(v)
	if all, strong := l.idle(); all != 1 || strong != 1 {
		t.Fatalf("after put: %d idle, %d strong; want 1, 1", all, strong)
	}
	// l is not registered in demoteAll: demote by hand after the collection.
	waitCollection(t)
	l.demote()
	if all, strong := l.idle(); all != 1 || strong != 0 {
		t.Fatalf("after a collection: %d idle, %d strong; want 1, 0 (weak only)", all, strong)
	}
	// still alive: v is referenced here
	if got := l.get(); got != v {
		t.Fatalf("get after one collection returned %p, want the weakly held %p", got, v)
	}
	l.put(v)
	l.demote()
	v = nil
	runtime.GC()
	runtime.GC()
	if got := l.get(); got[0] != 0 {
		t.Errorf("get after the idle value's collection returned the old value (v[0] = %v), want a new zero value", got[0])
	}
	if all, _ := l.idle(); all != 0 {
		t.Errorf("%d values left in the list, want 0", all)
	}
}

// TestFreeListDemoteAll checks that the package's lists are demoted by
// the collection sentinel: a workspace idle through two collections is
// freed.
func TestFreeListDemoteAll(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	const m, n, k = 40, 50, 60
	a, b, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
	sgemm(defaultKernels.pick(m, n), 1, false, false, m, n, k, 1, a, k, b, n, 0, c, n)
	if _, strong := workspaces.idle(); strong == 0 {
		t.Fatal("no strongly held workspace after a product")
	}
	waitCollection(t)
	if _, strong := workspaces.idle(); strong != 0 {
		t.Errorf("%d workspaces still held strongly after a collection, want 0", strong)
	}
	waitCollection(t)
	if all, _ := workspaces.idle(); all != 0 {
		t.Errorf("%d workspaces left after two idle collections, want 0 (freed)", all)
	}
}

// TestSgemmSplitAllocsProcs checks that products split over two
// goroutines allocate no workspaces once warm at GOMAXPROCS 2, where the
// caller may resume on another processor after waiting for its workers (a
// per-processor pool then misses). Counted in bytes with runtime.MemStats
// and no collection during the runs: the runtime's own allocations when
// goroutines block on channels (sudogs, about 100 bytes each; their caches
// are emptied by every collection) are allowed, a workspace of these
// products (at least 70 KB) is not.
func TestSgemmSplitAllocsProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	r := rand.New(rand.NewPCG(29, 30))
	// two products of different sizes in turn, as the layers of a network
	shapes := [][3]int{{64, 1024, 288}, {128, 256, 576}}
	type prod struct{ a, b, c []float32 }
	var ps []prod
	for _, s := range shapes {
		ps = append(ps, prod{randSlice(r, s[0]*s[2]), randSlice(r, s[2]*s[1]), make([]float32, s[0]*s[1])})
	}
	step := func() {
		for i, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			p := ps[i]
			sgemm(defaultKernels.pick(m, n), 2, false, false, m, n, k, 1, p.a, k, p.b, n, 0, p.c, n)
			sgemm(defaultKernels.pick(m, n), 0, false, false, m, n, k, 1, p.a, k, p.b, n, 0, p.c, n)
		}
	}
	step()
	const runs = 50
	best := uint64(math.MaxUint64)
	for range 3 {
		runtime.GC()
		step() // re-take the workspaces demoted by the collection
		gc := debug.SetGCPercent(-1)
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		for range runs {
			step()
		}
		runtime.ReadMemStats(&m1)
		debug.SetGCPercent(gc)
		best = min(best, m1.TotalAlloc-m0.TotalAlloc)
	}
	if best > 8<<10 {
		t.Errorf("%d bytes allocated in %d runs of 4 split products, want at most 8 KB (none of ours)", best, runs)
	}
}
