package workers

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// counter counts the calls of each part.
type counter struct {
	calls []atomic.Int32
	inner int // > 1: each part runs a nested Run with this many parts
	pool  *pool
	sub   []*counter
}

func newCounter(parts int) *counter { return &counter{calls: make([]atomic.Int32, parts)} }

func (c *counter) RunPart(p int) {
	c.calls[p].Add(1)
	if c.inner > 1 {
		c.pool.run(c.inner, c.sub[p], nil, 0, 0)
	}
}

// check reports parts not called exactly once.
func (c *counter) check(t *testing.T, what string) {
	t.Helper()
	for p := range c.calls {
		if n := c.calls[p].Load(); n != 1 {
			t.Errorf("%s: part %d ran %d times, want 1", what, p, n)
		}
	}
}

// testPool is a pool for the tests: runs may occupy threads goroutines
// whatever GOMAXPROCS is.
func testPool(idle, spin time.Duration, threads int) *pool {
	pl := newPool(idle, spin)
	pl.threads = threads
	return pl
}

func TestRunEveryPartOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8, maxLocal + 10} {
		for _, spin := range []time.Duration{0, SpinTime} {
			pl := testPool(time.Second, spin, threads)
			for _, parts := range []int{0, 1, 2, 3, 8, maxLocal + 1, maxLocal + 5} {
				c := newCounter(parts)
				pl.run(parts, c, nil, 0, 0)
				c.check(t, fmt.Sprintf("threads=%d spin=%v parts=%d", threads, spin, parts))
			}
		}
	}
	Run(0, newCounter(0)) // nothing to do, nothing called
	c := newCounter(4)
	Run(4, c)
	c.check(t, "process pool")
}

// items counts the calls of each item of a For.
type items struct{ calls []atomic.Int32 }

func (it *items) Range(lo, hi int) {
	for i := lo; i < hi; i++ {
		it.calls[i].Add(1)
	}
}

func TestForEveryItemOnce(t *testing.T) {
	for _, s := range [][2]int{{0, 1}, {1, 1}, {5, 1}, {10, 3}, {10, 10}, {10, 20}, {100, 7}, {1000, 9}} {
		n, chunk := s[0], s[1]
		it := &items{calls: make([]atomic.Int32, n)}
		For(n, chunk, it)
		for i := range it.calls {
			if c := it.calls[i].Load(); c != 1 {
				t.Errorf("n=%d chunk=%d: item %d ran %d times, want 1", n, chunk, i, c)
			}
		}
	}
}

// TestRunConcurrent runs several callers at once, each with nested runs
// (a parallel loop whose parts split again): run it with -race.
func TestRunConcurrent(t *testing.T) {
	pl := testPool(time.Second, SpinTime, 8)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range 20 {
				parts := 1 + (g+it)%4
				c := newCounter(parts)
				c.inner, c.pool = 3, pl
				for range parts {
					c.sub = append(c.sub, newCounter(3))
				}
				pl.run(parts, c, nil, 0, 0)
				c.check(t, fmt.Sprintf("goroutine %d, iteration %d", g, it))
				for i, s := range c.sub {
					s.check(t, fmt.Sprintf("goroutine %d, iteration %d, nested run %d", g, it, i))
				}
			}
		}()
	}
	wg.Wait()
}

// TestRunCallerPanics checks that a panic in the caller's part reaches the
// caller after the workers' parts have returned, and that the workers are
// idle again.
func TestRunCallerPanics(t *testing.T) {
	pl := testPool(time.Second, SpinTime, 8)
	var ran atomic.Int32
	task := taskFunc(func(p int) {
		if p == 2 {
			panic("part 2")
		}
		time.Sleep(10 * time.Millisecond)
		ran.Add(1)
	})
	func() {
		defer func() {
			if r := recover(); r != "part 2" {
				t.Errorf("recovered %v, want the panic of part 2", r)
			}
		}()
		pl.run(3, task, nil, 0, 0)
	}()
	if n := ran.Load(); n != 2 {
		t.Errorf("%d worker parts had returned when Run panicked, want 2", n)
	}
	if n := pl.idleCount(); n != 2 {
		t.Errorf("%d idle workers after the panic, want 2", n)
	}
}

type taskFunc func(p int)

func (f taskFunc) RunPart(p int) { f(p) }

// TestRunAllocs checks that a run whose workers are idle allocates nothing.
func TestRunAllocs(t *testing.T) {
	pl := testPool(time.Minute, SpinTime, 4)
	c := newCounter(4)
	pl.run(4, c, nil, 0, 0) // start the workers
	allocs := testing.AllocsPerRun(100, func() { pl.run(4, c, nil, 0, 0) })
	if allocs != 0 {
		t.Errorf("a run with idle workers allocated %v times, want 0", allocs)
	}
}

// TestForAllocs checks that a split loop whose workers are idle allocates
// nothing: the bounds travel with the parts.
func TestForAllocs(t *testing.T) {
	it := &items{calls: make([]atomic.Int32, 40)}
	For(40, 10, it)
	allocs := testing.AllocsPerRun(100, func() { For(40, 10, it) })
	if allocs != 0 {
		t.Errorf("a split loop with idle workers allocated %v times, want 0", allocs)
	}
}

// TestWorkersExit checks that workers exit once idle for the timeout: the
// goroutine count returns to where it was.
func TestWorkersExit(t *testing.T) {
	for _, spin := range []time.Duration{0, 5 * time.Millisecond} {
		t.Run(fmt.Sprintf("spin=%v", spin), func(t *testing.T) { testWorkersExit(t, spin) })
	}
}

func testWorkersExit(t *testing.T, spin time.Duration) {
	base := runtime.NumGoroutine()
	pl := testPool(20*time.Millisecond, spin, 6)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				pl.run(5, newCounter(5), nil, 0, 0)
			}
		}()
	}
	wg.Wait()
	if pl.idleCount() == 0 {
		t.Fatal("no idle workers after the runs")
	}
	waitGoroutines(t, base, 5*time.Second)
	if n := pl.idleCount(); n != 0 {
		t.Errorf("%d workers still idle, want 0", n)
	}
	// The pool starts workers again when needed.
	c := newCounter(3)
	pl.run(3, c, nil, 0, 0)
	c.check(t, "after the workers exited")
	waitGoroutines(t, base, 5*time.Second)
}

// TestProcessPoolExits checks the same for the process-wide pool, with its
// real timeout.
func TestProcessPoolExits(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for IdleTimeout")
	}
	// Other tests may have left workers: wait for them to exit first.
	deadline := time.Now().Add(IdleTimeout + 5*time.Second)
	for process.idleCount() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	base := runtime.NumGoroutine()
	c := newCounter(3)
	Run(3, c)
	c.check(t, "process pool")
	if n, want := process.idleCount(), min(2, runtime.GOMAXPROCS(0)-1); n != want {
		t.Errorf("%d idle workers after a 3-part run with GOMAXPROCS %d, want %d", n, runtime.GOMAXPROCS(0), want)
	}
	waitGoroutines(t, base, IdleTimeout+5*time.Second)
}

// waitGoroutines waits until at most want goroutines run, failing after
// limit.
func waitGoroutines(t *testing.T, want int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after %v, want at most %d (idle workers did not exit)", runtime.NumGoroutine(), limit, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// occupancy tracks how many goroutines run parts at the same time.
type occupancy struct {
	now, peak atomic.Int32
}

func (o *occupancy) enter() {
	n := o.now.Add(1)
	for {
		p := o.peak.Load()
		if n <= p || o.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (o *occupancy) leave() { o.now.Add(-1) }

// TestRunNestedStaysWithinThreads checks that a split nested in the parts
// of another, and splits started by several goroutines at once, never
// occupy more than the pool's threads: the nested parts run on the
// goroutine that split them once the workers are taken. The busy count is
// zero again after the runs. (The idle list may briefly hold more workers
// than threads-1: a worker counts as free before its caller puts it back.)
func TestRunNestedStaysWithinThreads(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 4} {
		pl := testPool(time.Second, SpinTime, threads)
		var o occupancy
		leaf := taskFunc(func(int) {
			o.enter()
			time.Sleep(200 * time.Microsecond)
			o.leave()
		})
		outer := taskFunc(func(int) { pl.run(3, leaf, nil, 0, 0) })
		pl.run(threads+1, outer, nil, 0, 0)
		if p := o.peak.Load(); p > int32(threads) || p < 1 {
			t.Errorf("threads=%d: %d goroutines ran nested parts at once, want 1 to %d", threads, p, threads)
		}
		if b := pl.busy.Load(); b != 0 {
			t.Errorf("threads=%d: busy is %d after the runs, want 0", threads, b)
		}
	}
}

// TestBusyWorkerStays checks that a worker does not retire at once when
// it parks after a stretch of parts that reached it while it spun: its
// idle time counts from when it parks. Back-to-back runs for longer than
// the idle timeout, a pause longer than the spin time but far below the
// idle timeout, and more runs: one worker is started, no more.
func TestBusyWorkerStays(t *testing.T) {
	const idle, spin = 100 * time.Millisecond, 20 * time.Millisecond
	pl := testPool(idle, spin, 2)
	c := taskFunc(func(int) {})
	for range 2 {
		for start := time.Now(); time.Since(start) < 2*idle; {
			pl.run(2, c, nil, 0, 0)
		}
		time.Sleep(spin + 10*time.Millisecond) // the worker parks
		pl.run(2, c, nil, 0, 0)
	}
	if n := pl.started.Load(); n != 1 {
		t.Errorf("%d workers started, want 1", n)
	}
}
