// Package workers runs the parts of a split computation on goroutines that
// outlive the call: a matrix product or a parallel loop split over
// GOMAXPROCS goroutines hands its parts to idle workers instead of starting
// goroutines (and allocating the closures they run) at every call.
//
// A Task is a value the caller owns, usually a pointer to a struct reused
// from one call to the next; Run calls its RunPart method once per part and
// returns when every part has returned. Part parts-1 runs on the calling
// goroutine, the others on workers. Handing a part to an idle worker
// allocates nothing.
//
// # The process-wide pool
//
// Run uses one pool for the whole process. This is the package's only
// state, and it is deliberate: the workers are an execution resource like
// the Go scheduler's threads, shared by every product and loop of every
// model, and they hold nothing that a result depends on (a part computes
// the same values whichever goroutine runs it). A pool per caller would keep
// a set of idle goroutines per op or per machine. The pool grows to the
// number of parts that run at the same time (with nested splits, for
// example a parallel loop over images whose bodies multiply matrices, that
// can exceed GOMAXPROCS, as the goroutines it replaces did), and a worker
// that has had nothing to do for IdleTimeout exits, so a process that stops
// computing ends up with no workers.
package workers

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Task is a computation split into parts, numbered from 0.
type Task interface {
	// RunPart computes part p. Parts run concurrently and must not write
	// to the same memory.
	RunPart(p int)
}

// Ranger is the body of a parallel loop: it handles items [lo, hi).
type Ranger interface {
	Range(lo, hi int)
}

// IdleTimeout is how long a worker waits for a part before it exits.
// Between the products of a training step the gaps are far shorter; an
// exited worker is replaced by a new goroutine when it is needed again,
// which costs a few microseconds.
const IdleTimeout = time.Second

// Run calls t.RunPart(p) for every p in [0, parts) and returns when all
// have returned: part parts-1 on the calling goroutine, the others on
// workers of the process-wide pool. parts ≤ 0 does nothing.
//
// Run allocates nothing when enough workers are idle; t's dynamic value
// escapes to the heap (it is shared with other goroutines), so callers
// that must not allocate pass a pointer to a reused struct.
func Run(parts int, t Task) { process.run(parts, t, nil, 0, 0) }

// For calls body.Range on the chunks [0, chunk), [chunk, 2·chunk), ... of
// [0, n) and returns when all have returned: the last chunk on the calling
// goroutine, the others on workers, as Run. The bounds travel with each
// part, so For needs no task of its own: with enough idle workers and
// body a pointer (or a func type), it allocates nothing. chunk ≥ 1.
func For(n, chunk int, body Ranger) {
	if n <= 0 {
		return
	}
	process.run((n+chunk-1)/chunk, nil, body, n, chunk)
}

// process is the pool Run uses (see the package documentation).
var process = newPool(IdleTimeout, SpinTime)

// SpinTime is how long a worker that has finished a part polls for the
// next one before it parks, and how long a caller polls for its workers'
// parts to return before it parks. Waking a parked goroutine's thread
// costs tens of microseconds on a virtual machine (a futex wake, an
// inter-processor interrupt and the vCPU's exit from halt): as long as a
// whole elementwise op over a few megabytes takes. Between the ops of a
// step the next part arrives well within SpinTime and finds its worker
// running. The polls execute PAUSE (amd64), which leaves the core to an
// SMT sibling, and yield the processor every few microseconds, so a
// spinning goroutine never holds up a runnable one for long.
const SpinTime = 100 * time.Microsecond

// pool is a set of idle workers. A caller takes workers from it, hands
// each one part and waits for their done signals; the caller then puts
// the workers back. A worker belongs to one caller between take and put,
// so its done signal cannot be confused with another caller's.
//
// busy counts the workers reserved by runs (from before they are taken
// until their part returns). A run uses at most
// GOMAXPROCS-1-busy workers (threads-1-busy when threads is set) and the calling goroutine: a split nested in
// a part of another (a parallel loop whose bodies multiply matrices) or
// started while another goroutine's split occupies the processors runs
// its parts on the calling goroutine instead of queueing more goroutines
// than there are processors, which spinning would make worse.
type pool struct {
	idleTimeout time.Duration
	spinTime    time.Duration
	threads     int // the goroutines runs may occupy; 0: GOMAXPROCS at each run
	busy        atomic.Int64
	started     atomic.Int64 // workers started so far (for tests)
	mu          sync.Mutex
	idle        []*worker // most recently used last
}

func newPool(idleTimeout, spinTime time.Duration) *pool {
	return &pool{idleTimeout: idleTimeout, spinTime: spinTime}
}

// part is a share of a Run (t) or a For (r over [0, n) in chunks of
// chunk): the parts first, first+stride, ... below parts, handed to a
// worker or run by the caller.
type part struct {
	t             Task
	r             Ranger
	n, chunk      int
	first, stride int
	parts         int
}

// do runs the share's parts in order.
func (pt *part) do() {
	for p := pt.first; p < pt.parts; p += pt.stride {
		if pt.r != nil {
			pt.r.Range(p*pt.chunk, min((p+1)*pt.chunk, pt.n))
		} else {
			pt.t.RunPart(p)
		}
	}
}

// worker is a goroutine that runs the parts it is handed.
type worker struct {
	pool *pool
	in   chan part     // the part to run (capacity 1: the caller does not wait)
	done chan struct{} // signalled when the part has returned (capacity 1)
}

// maxLocal is the number of workers one run uses at most (the parts of a
// run on up to maxLocal+1 goroutines), tracked without allocating.
const maxLocal = 63

// run runs the parts of t (r nil) or the chunks of r over [0, n), on the
// calling goroutine and up to parts-1 workers (see pool for the limit).
// With g goroutines, goroutine j runs parts j, j+g, j+2g, ...; the caller
// runs the share that holds the last part.
func (pl *pool) run(parts int, t Task, r Ranger, n, chunk int) {
	if parts <= 0 {
		return
	}
	threads := pl.threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	// Reserve the workers in busy before taking them, so that a split
	// started meanwhile (nested in one of this run's parts, or on another
	// goroutine) sees them as taken.
	var nw int
	for {
		b := pl.busy.Load()
		nw = min(parts-1, maxLocal, threads-1-int(b))
		if nw <= 0 {
			(&part{t: t, r: r, n: n, chunk: chunk, first: 0, stride: 1, parts: parts}).do()
			return
		}
		if pl.busy.CompareAndSwap(b, b+int64(nw)) {
			break
		}
	}
	g := nw + 1
	var local [maxLocal]*worker
	used := local[:0]
	// Even if the caller's part panics, wait for the workers' parts (no
	// part writes after Run returns) and put the workers back.
	defer func() {
		for _, w := range used {
			pl.waitDone(w.done)
		}
		pl.put(used)
	}()
	last := (parts - 1) % g
	for j := range g {
		if j == last {
			continue
		}
		w := pl.take()
		w.in <- part{t: t, r: r, n: n, chunk: chunk, first: j, stride: g, parts: parts}
		used = append(used, w)
	}
	mine := part{t: t, r: r, n: n, chunk: chunk, first: last, stride: g, parts: parts}
	mine.do()
}

// spin polls c for up to the pool's spin time (see SpinTime).
func spin[T any](pl *pool, c chan T) (T, bool) {
	var zero T
	if pl.spinTime <= 0 {
		return zero, false
	}
	start := time.Now()
	for i := 1; ; i++ {
		if len(c) > 0 {
			select {
			case v := <-c:
				return v, true
			default:
			}
		}
		pause(8)
		if i%8 == 0 {
			if time.Since(start) > pl.spinTime {
				return zero, false
			}
			runtime.Gosched()
		}
	}
}

// waitDone waits for a worker's done signal, polling first.
func (pl *pool) waitDone(done chan struct{}) {
	if _, ok := spin(pl, done); !ok {
		<-done
	}
}

// take returns an idle worker, or starts one when none is idle.
func (pl *pool) take() *worker {
	pl.mu.Lock()
	if n := len(pl.idle); n > 0 {
		w := pl.idle[n-1]
		pl.idle[n-1] = nil
		pl.idle = pl.idle[:n-1]
		pl.mu.Unlock()
		return w
	}
	pl.mu.Unlock()
	pl.started.Add(1)
	w := &worker{pool: pl, in: make(chan part, 1), done: make(chan struct{}, 1)}
	go w.loop()
	return w
}

// put returns workers whose parts have returned to the idle list.
func (pl *pool) put(ws []*worker) {
	pl.mu.Lock()
	pl.idle = append(pl.idle, ws...)
	pl.mu.Unlock()
}

// retire removes w from the idle list and reports whether it was there. A
// worker that is not idle has been taken by a caller (a part is coming) or
// has not been put back yet by its last caller.
func (pl *pool) retire(w *worker) bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	for i, x := range pl.idle {
		if x == w {
			copy(pl.idle[i:], pl.idle[i+1:])
			pl.idle[len(pl.idle)-1] = nil
			pl.idle = pl.idle[:len(pl.idle)-1]
			return true
		}
	}
	return false
}

// idleCount is the number of idle workers (for tests).
func (pl *pool) idleCount() int {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return len(pl.idle)
}

// loop runs parts until the worker has been idle for the pool's timeout.
// After each part it polls for the next for the pool's spin time, then
// parks.
func (w *worker) loop() {
	timer := time.NewTimer(w.pool.idleTimeout)
	defer timer.Stop()
	for {
		if p, ok := spin(w.pool, w.in); ok {
			w.runPart(&p)
			continue
		}
		// The idle time counts from here, however long the worker ran
		// parts since it last parked. Since Go 1.23 Reset discards a
		// pending expiry, so the select waits the full timeout.
		timer.Reset(w.pool.idleTimeout)
		select {
		case p := <-w.in:
			w.runPart(&p)
		case <-timer.C:
			if w.pool.retire(w) {
				return
			}
		}
	}
}

// runPart runs p, counts the worker idle again and signals done.
func (w *worker) runPart(p *part) {
	p.do()
	w.pool.busy.Add(-1)
	w.done <- struct{}{}
}
