package data

import (
	"math"

	"github.com/convnet-go/convnet/graph"
)

// Subset is a view of some examples of a dataset: example k of the Subset is
// example Indices()[k] of the wrapped one. Labels and SetEpoch are forwarded
// (a random wrapper inside sees the original index, so its output does not
// depend on the subset). Build it with [NewSubset], [Split], [SplitCount] or
// [PerClass].
type Subset struct {
	wrapper
	idx []int
}

// NewSubset returns the examples of ds at indices, in that order (repeats
// allowed). Every index must lie in [0, ds.Len()). indices is copied.
func NewSubset(ds Dataset, indices []int) (*Subset, error) {
	n := ds.Len()
	for k, i := range indices {
		if i < 0 || i >= n {
			return nil, graph.ArgErrorf("data: NewSubset: index %d (position %d) out of range [0, %d)", i, k, n)
		}
	}
	return &Subset{wrapper: wrapper{ds}, idx: append([]int(nil), indices...)}, nil
}

// Len is the number of examples in the subset.
func (s *Subset) Len() int { return len(s.idx) }

// Indices returns a copy of the wrapped dataset's indices, in subset order.
func (s *Subset) Indices() []int { return append([]int(nil), s.idx...) }

// Get writes example k of the subset into x and y.
func (s *Subset) Get(k int, x, y []float32) error {
	if k < 0 || k >= len(s.idx) {
		return graph.ArgErrorf("data: Subset: index %d out of range [0, %d)", k, len(s.idx))
	}
	return s.inner.Get(s.idx[k], x, y)
}

// Label is the class of example k of the subset, or -1.
func (s *Subset) Label(k int) int {
	if k < 0 || k >= len(s.idx) {
		return -1
	}
	return labelOf(s.inner, s.idx[k])
}

// SetEpoch forwards the epoch to the wrapped dataset.
func (s *Subset) SetEpoch(epoch int) { SetEpoch(s.inner, epoch) }

// First returns the first n examples of ds, in order, as a [Subset]; when
// n <= 0 or n >= ds.Len() it returns ds itself (a limit that keeps every
// example), the way the example programs' -limit flags read.
func First(ds Dataset, n int) Dataset {
	if n <= 0 || n >= ds.Len() {
		return ds
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return &Subset{wrapper: wrapper{ds}, idx: idx}
}

// Split shuffles the indices of ds with seed and splits them into a
// training part and a validation part holding round(valFraction·Len)
// examples. valFraction must be in [0, 1]. Both parts list their indices in
// ascending order; shuffle batches in the trainer.
func Split(ds Dataset, valFraction float64, seed int64) (train, val *Subset, err error) {
	if !(valFraction >= 0 && valFraction <= 1) {
		return nil, nil, graph.ArgErrorf("data: Split: validation fraction must be in [0, 1], got %v", valFraction)
	}
	return SplitCount(ds, int(math.Round(valFraction*float64(ds.Len()))), seed)
}

// SplitCount is [Split] with the validation size given as a count in
// [0, Len].
func SplitCount(ds Dataset, nVal int, seed int64) (train, val *Subset, err error) {
	n := ds.Len()
	if nVal < 0 || nVal > n {
		return nil, nil, graph.ArgErrorf("data: SplitCount: validation size %d out of range [0, %d]", nVal, n)
	}
	p := Permutation(n, seed)
	val = &Subset{wrapper: wrapper{ds}, idx: sortedCopy(p[:nVal])}
	train = &Subset{wrapper: wrapper{ds}, idx: sortedCopy(p[nVal:])}
	return train, val, nil
}

// PerClass returns n examples of each class of the labelled dataset ds,
// chosen at random with seed (for small-sample and transfer-learning
// experiments). Every class must have at least n examples. The indices are
// in ascending order.
func PerClass(ds Dataset, n int, seed int64) (*Subset, error) {
	l, ok := AsLabeled(ds)
	if !ok {
		return nil, graph.ArgErrorf("data: PerClass: dataset has no class labels")
	}
	if n < 0 {
		return nil, graph.ArgErrorf("data: PerClass: n must be >= 0, got %d", n)
	}
	k := l.NumClasses()
	count := make([]int, k)
	var idx []int
	for _, i := range Permutation(ds.Len(), seed) {
		c := l.Label(i)
		if c < 0 || c >= k {
			return nil, graph.DataErrorf("data: PerClass: example %d has label %d, want [0, %d)", i, c, k)
		}
		if count[c] < n {
			count[c]++
			idx = append(idx, i)
		}
	}
	for c, m := range count {
		if m < n {
			return nil, graph.ArgErrorf("data: PerClass: class %d has %d examples, want %d", c, m, n)
		}
	}
	return &Subset{wrapper: wrapper{ds}, idx: sortedCopy(idx)}, nil
}

// ClassCounts returns how many examples of each class ds holds, or nil when
// ds has no labels.
func ClassCounts(ds Dataset) []int {
	l, ok := AsLabeled(ds)
	if !ok {
		return nil
	}
	counts := make([]int, l.NumClasses())
	for i := 0; i < ds.Len(); i++ {
		if c := l.Label(i); c >= 0 && c < len(counts) {
			counts[c]++
		}
	}
	return counts
}
