package ops

// The loops of the convolution kernels as reused values: a closure handed
// to the workers escapes to the heap, so each call of a kernel would
// allocate it (and every variable it captures by reference). Each loop is
// instead a struct with the call's arguments, kept in the scratch of the
// call's engine (convScratch.loops, one slot per kind of loop) and
// cleared after the loop, so a warm convolution allocates nothing.

// groupBody is the body of convEngine.run: group handles images [lo, hi)
// on worker wk.
type groupBody interface{ group(wk, lo, hi int) }

// groupFunc is a function as a groupBody (it allocates its closure when
// that escapes: for tests and rarely used paths).
type groupFunc func(wk, lo, hi int)

func (f groupFunc) group(wk, lo, hi int) { f(wk, lo, hi) }

// The slots of convScratch.loops.
const (
	loopForward = iota
	loopBackwardData
	loopBackwardFilter
	loopShiftForward
	loopShiftBackwardData
	loopShiftBackwardFilter
	loopSlabForward
	loopSlabBackwardData
	loopSlabBackwardFilter
	loopPack
	loopReduce      // the sums of the workers' partial filter gradients
	loopShiftReduce // those of the shifted path
	loopWeights     // reordering of the weights (flip, transpose, stack)
	loopKinds
)

// loopOf returns the engine's reused loop value of type L for kind,
// allocating it on the first call.
func loopOf[L any](e *convEngine, kind int) *L {
	sc := e.scratchSet()
	if l, ok := sc.loops[kind].(*L); ok {
		return l
	}
	l := new(L)
	sc.loops[kind] = l
	return l
}

// workerFlags returns the engine's per-worker flags, n of them, all false.
func workerFlags(e *convEngine, n int) []bool {
	sc := e.scratchSet()
	if cap(sc.started) < n {
		sc.started = make([]bool, n)
	}
	s := sc.started[:n]
	clear(s)
	return s
}

// partialSums is a parallel loop that adds the workers' partial filter
// gradients parts (in worker order: deterministic) to dw.
type partialSums[T float] struct {
	dw    []T
	parts [][]T
}

func (l *partialSums[T]) Range(lo, hi int) {
	d := l.dw[lo:hi]
	for _, part := range l.parts {
		for i, v := range part[lo:hi] {
			d[i] += v
		}
	}
}

// addPartials adds the partial gradients in slot 1 of workers 1..nw-1 to
// dw (worker 0 accumulated into dw itself).
func addPartials[T float](e *convEngine, nw int, dw []T) {
	if nw <= 1 {
		return
	}
	l := loopOf[partialSums[T]](e, loopReduce)
	parts := l.parts[:0]
	for wk := 1; wk < nw; wk++ {
		parts = append(parts, scratch[T](e, wk, 1, len(dw)))
	}
	*l = partialSums[T]{dw: dw, parts: parts}
	parallelRange(len(dw), 1<<14, l)
	clear(parts)
	*l = partialSums[T]{parts: parts[:0]}
}

// The kinds of weightsLoop.
const (
	weightsFlip      = iota // flipBackwardData's flipped kernel
	weightsTranspose        // transposeInto
	weightsStack            // stackedWeights
	weightsTapMajor         // tapMajorT
)

// weightsLoop is a parallel loop that reorders a weight tensor src into
// dst: kind says how, with its sizes (k, c, taps; outer and inner for
// weightsStack; rows k and columns c for weightsTranspose).
type weightsLoop[T float] struct {
	kind                     int
	src, dst                 []T
	k, c, taps, outer, inner int
}

func (l *weightsLoop[T]) Range(lo, hi int) {
	w, k, c, taps := l.src, l.k, l.c, l.taps
	switch l.kind {
	case weightsFlip:
		for kk := lo; kk < hi; kk++ {
			for cc := 0; cc < c; cc++ {
				src := w[(kk*c+cc)*taps : (kk*c+cc+1)*taps]
				dst := l.dst[(cc*k+kk)*taps : (cc*k+kk+1)*taps]
				for t, v := range src {
					dst[taps-1-t] = v
				}
			}
		}
	case weightsTranspose:
		transposeRange(w, k, c, l.dst, lo, hi)
	case weightsStack:
		outer, inner := l.outer, l.inner
		ci := c * inner
		for kk := lo; kk < hi; kk++ {
			for cc := 0; cc < c; cc++ {
				src := w[(kk*c+cc)*outer*inner : (kk*c+cc+1)*outer*inner]
				for o := 0; o < outer; o++ {
					copyRow(l.dst[(o*k+kk)*ci+cc*inner:(o*k+kk)*ci+(cc+1)*inner], src[o*inner:(o+1)*inner])
				}
			}
		}
	case weightsTapMajor:
		for kk := lo; kk < hi; kk++ {
			for cc := 0; cc < c; cc++ {
				src := w[(kk*c+cc)*taps : (kk*c+cc+1)*taps]
				for t, v := range src {
					l.dst[(t*c+cc)*k+kk] = v
				}
			}
		}
	}
}

// reorderWeights runs l over [0, n) with grain on the engine's reused
// weightsLoop.
func reorderWeights[T float](e *convEngine, l weightsLoop[T], n, grain int) {
	p := loopOf[weightsLoop[T]](e, loopWeights)
	*p = l
	parallelRange(n, grain, p)
	*p = weightsLoop[T]{}
}
