package ops

import "sync"

// rowPool keeps scratch rows of T for the workers of one op's kernels
// between runs, so that a run allocates nothing: a worker takes a row with
// get and gives it back with put. The zero value is ready to use. Rows
// come back with any contents.
type rowPool[T float] struct{ p sync.Pool } // of *[]T

// get returns a row of n elements.
func (r *rowPool[T]) get(n int) *[]T {
	if b, ok := r.p.Get().(*[]T); ok && cap(*b) >= n {
		*b = (*b)[:n]
		return b
	}
	b := make([]T, n)
	return &b
}

// put gives a row of get back for the next worker or run.
func (r *rowPool[T]) put(b *[]T) { r.p.Put(b) }
