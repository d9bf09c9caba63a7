package ops

import (
	"runtime"

	"github.com/convnet-go/convnet/internal/workers"
)

// parallelFor splits [0, n) into contiguous chunks of at least grain items
// and runs fn on them on up to GOMAXPROCS goroutines (read at each call).
// Small n runs inline. The chunks go to the persistent workers of
// internal/workers; the only allocation per call is fn's closure (it
// escapes to the workers, split or not). A body that must not allocate
// is a reused value passed to parallelRange.
func parallelFor(n, grain int, fn func(lo, hi int)) {
	parallelRange(n, grain, rangeFunc(fn))
}

// rangeFunc is a closure as a workers.Ranger.
type rangeFunc func(lo, hi int)

// Range runs f(lo, hi).
func (f rangeFunc) Range(lo, hi int) { f(lo, hi) }

// parallelRange is parallelFor with the body as a workers.Ranger: a
// pointer to a struct that the caller reuses makes a split loop
// allocation-free.
func parallelRange(n, grain int, body workers.Ranger) {
	if n <= 0 {
		return
	}
	threads := runtime.GOMAXPROCS(0)
	if grain < 1 {
		grain = 1
	}
	if w := n / grain; w < threads {
		threads = w
	}
	if threads <= 1 {
		body.Range(0, n)
		return
	}
	workers.For(n, (n+threads-1)/threads, body)
}
