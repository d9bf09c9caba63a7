package ops

import (
	"fmt"
	"sync"

	"github.com/convnet-go/convnet/graph"
	"gorgonia.org/tensor"
)

// unpoolPlanes is the geometry of an unpooling: planes of in elements
// (pooled) and of out = outH·outW elements (unpooled).
type unpoolPlanes struct {
	planes, in, out int
	outH, outW      int
}

// indexType is the set of dtypes MaxUnpool2D takes for its indices.
type indexType interface {
	~int | ~int32 | ~int64 | ~float32 | ~float64
}

// unpoolDispatch switches on the indices' element type. With gather false
// it scatters small into big (forward), with gather true it sets small from
// big (gradient).
func unpoolDispatch[T float](u unpoolPlanes, small []T, idx *tensor.Dense, big []T, gather bool) error {
	switch is := idx.Data().(type) {
	case []float64:
		return unpoolRun(u, small, is, big, gather)
	case []float32:
		return unpoolRun(u, small, is, big, gather)
	case []int:
		return unpoolRun(u, small, is, big, gather)
	case []int64:
		return unpoolRun(u, small, is, big, gather)
	case []int32:
		return unpoolRun(u, small, is, big, gather)
	}
	return fmt.Errorf("indices of dtype %v are not supported", idx.Dtype())
}

func unpoolRun[T float, I indexType](u unpoolPlanes, small []T, idx []I, big []T, gather bool) error {
	var (
		mu    sync.Mutex
		first error
	)
	parallelFor(u.planes, planeGrain(u.in+u.out), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			s, ix, b := small[p*u.in:(p+1)*u.in], idx[p*u.in:(p+1)*u.in], big[p*u.out:(p+1)*u.out]
			var bad int
			if gather {
				bad = unpoolGather(s, ix, b)
			} else {
				bad = unpoolScatter(s, ix, b)
			}
			if bad >= 0 {
				mu.Lock()
				if first == nil {
					first = graph.ArgErrorf("index %v at plane %d, position %d is not an integer in [0, %d) (output plane (%d, %d))",
						ix[bad], p, bad, u.out, u.outH, u.outW)
				}
				mu.Unlock()
				return
			}
		}
	})
	return first
}

// unpoolScatter zeroes big and writes small[i] at big[idx[i]]; it returns
// the position of the first bad index, or -1.
func unpoolScatter[T float, I indexType](small []T, idx []I, big []T) int {
	clear(big)
	n := len(big)
	for i, v := range idx {
		j := int(v)
		if j < 0 || j >= n || I(j) != v {
			return i
		}
		big[j] = small[i]
	}
	return -1
}

// unpoolGather sets small[i] = big[idx[i]]; it returns the position of the
// first bad index, or -1.
func unpoolGather[T float, I indexType](small []T, idx []I, big []T) int {
	n := len(big)
	for i, v := range idx {
		j := int(v)
		if j < 0 || j >= n || I(j) != v {
			return i
		}
		small[i] = big[j]
	}
	return -1
}
