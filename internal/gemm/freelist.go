package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"weak"
)

// freeList is a last-in first-out list of idle *T values (packing
// workspaces, split products) shared by every goroutine of the process.
//
// It replaces a sync.Pool, which keeps a value per processor: a goroutine
// that waited for its workers may resume on another processor, while the
// value it put back sits in the first processor's private slot, which
// other processors cannot take; so products allocated fresh workspaces
// every few calls. The list hands the value put back last to the next get,
// whichever processor asks: products that run one after the other use one
// workspace, grown once to the largest of them, and a steady stream of
// products allocates nothing.
//
// Values do not live for ever: a value put back is held strongly until
// the next garbage collection ends, then only weakly (demote), so one
// that stays idle through the collection after that is freed, as a
// sync.Pool's victim cache frees it. A value taken again in between is
// put back strong.
//
// The zero value is ready to use; the lists must be registered in
// demoteAll.
type freeList[T any] struct {
	mu   sync.Mutex
	free []freeEntry[T]
}

// freeEntry is an idle value: strong until the first collection after it
// was put back, then weak only.
type freeEntry[T any] struct {
	strong *T
	weak   weak.Pointer[T]
}

// get returns the value put back last that is still alive, or a new zero
// value.
func (l *freeList[T]) get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	for n := len(l.free); n > 0; n = len(l.free) {
		e := l.free[n-1]
		l.free[n-1] = freeEntry[T]{}
		l.free = l.free[:n-1]
		if e.strong != nil {
			return e.strong
		}
		if v := e.weak.Value(); v != nil {
			return v
		}
	}
	return new(T)
}

// put gives v back for the next get.
func (l *freeList[T]) put(v *T) {
	l.mu.Lock()
	l.free = append(l.free, freeEntry[T]{strong: v, weak: weak.Make(v)})
	l.mu.Unlock()
}

// demote drops the strong references of the idle values and forgets
// those the collector has freed.
func (l *freeList[T]) demote() {
	l.mu.Lock()
	defer l.mu.Unlock()
	kept := l.free[:0]
	for _, e := range l.free {
		if e.weak.Value() != nil {
			kept = append(kept, freeEntry[T]{weak: e.weak})
		}
	}
	clear(l.free[len(kept):])
	l.free = kept
}

// idle returns the number of values in the list and how many of them are
// held strongly (for tests).
func (l *freeList[T]) idle() (all, strong int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.free {
		if e.strong != nil {
			strong++
		}
	}
	return len(l.free), strong
}

// gcCycles counts the garbage collections seen by the sentinel (for tests).
var gcCycles atomic.Uint64

// gcSentinel is an object no one references: its cleanup runs after each
// collection, demotes the values of every free list and arms the next
// sentinel. It holds a pointer so that it is not put into a shared
// tiny-allocation block (whose other objects could keep it alive).
type gcSentinel struct{ _ *int }

func init() { armGCSentinel(0) }

func armGCSentinel(int) {
	runtime.AddCleanup(new(gcSentinel), func(int) {
		demoteAll()
		gcCycles.Add(1)
		armGCSentinel(0)
	}, 0)
}

// demoteAll demotes the package's free lists after a collection.
func demoteAll() {
	workspaces.demote()
	dworkspaces.demote()
	products.demote()
}
