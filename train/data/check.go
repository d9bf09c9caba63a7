package data

import (
	"sync"

	"github.com/convnet-go/convnet/graph"
)

// checkGet validates the arguments of a Get call: index in [0, n) and
// buffer lengths xs and ys. ds gives the shapes for the message only (so the
// common path allocates nothing); what names the dataset.
func checkGet(what string, ds Dataset, n, xs, ys, i int, x, y []float32) error {
	if i < 0 || i >= n {
		return graph.ArgErrorf("data: %s: index %d out of range [0, %d)", what, i, n)
	}
	if len(x) != xs {
		return graph.ShapeErrorf("data: %s: x buffer has length %d, want %d for shape %s",
			what, len(x), xs, graph.FormatShape(ds.XShape()))
	}
	if len(y) != ys {
		return graph.ShapeErrorf("data: %s: y buffer has length %d, want %d for shape %s",
			what, len(y), ys, graph.FormatShape(ds.YShape()))
	}
	return nil
}

// cloneShape returns a copy of s so callers cannot change a dataset's shape.
func cloneShape(s []int) []int {
	return append([]int(nil), s...)
}

// validShape reports whether every dimension is positive.
func validShape(s []int) bool {
	for _, d := range s {
		if d <= 0 {
			return false
		}
	}
	return true
}

// bufPool hands out float32 scratch buffers of one length to concurrent Get
// calls.
type bufPool struct {
	n int
	p sync.Pool
}

func newBufPool(n int) *bufPool {
	bp := &bufPool{n: n}
	bp.p.New = func() any {
		b := make([]float32, n)
		return &b
	}
	return bp
}

func (bp *bufPool) get() *[]float32  { return bp.p.Get().(*[]float32) }
func (bp *bufPool) put(b *[]float32) { bp.p.Put(b) }

// labelOf and classesOf forward Labeled through wrappers.
func labelOf(ds Dataset, i int) int {
	if l, ok := AsLabeled(ds); ok {
		return l.Label(i)
	}
	return -1
}

func classesOf(ds Dataset) int {
	if l, ok := AsLabeled(ds); ok {
		return l.NumClasses()
	}
	return 0
}
