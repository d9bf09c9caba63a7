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

func TestRunEveryPartOnce(t *testing.T) {
	pl := newPool(time.Second)
	for _, parts := range []int{0, 1, 2, 3, 8, maxLocal + 1, maxLocal + 5} {
		c := newCounter(parts)
		pl.run(parts, c, nil, 0, 0)
		c.check(t, fmt.Sprintf("parts=%d", parts))
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
	pl := newPool(time.Second)
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
	pl := newPool(time.Second)
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
	pl := newPool(time.Minute)
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
	base := runtime.NumGoroutine()
	pl := newPool(20 * time.Millisecond)
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
	if n := process.idleCount(); n != 2 {
		t.Errorf("%d idle workers after a 3-part run, want 2", n)
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
