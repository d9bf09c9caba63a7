package data

import (
	"runtime"
	"sync"

	"github.com/convnet-go/convnet/graph"
	"gorgonia.org/tensor"
)

// parallelMin is the number of scalars a batch must hold before Fill
// spreads it over goroutines; below it the goroutine start-up costs more
// than it saves.
const parallelMin = 1 << 15

// Fill copies the examples indices[0], indices[1], ... of ds into x and y
// back to back: example indices[k] goes to x[k·Size(XShape):] and
// y[k·Size(YShape):]. x and y must hold exactly len(indices) examples. Large
// batches are filled by up to GOMAXPROCS goroutines; the result is the same
// either way. The first error (in batch order) is returned.
func Fill(ds Dataset, indices []int, x, y []float32) error {
	xs, ys := Size(ds.XShape()), Size(ds.YShape())
	n := len(indices)
	if len(x) != n*xs || len(y) != n*ys {
		return graph.ShapeErrorf("data: Fill: buffers hold %d and %d scalars, want %d and %d for %d examples of x %s, y %s",
			len(x), len(y), n*xs, n*ys, n, graph.FormatShape(ds.XShape()), graph.FormatShape(ds.YShape()))
	}
	work := n * (xs + ys)
	return parallelChunks(n, work, func(lo, hi int) error {
		for k := lo; k < hi; k++ {
			if err := ds.Get(indices[k], x[k*xs:(k+1)*xs], y[k*ys:(k+1)*ys]); err != nil {
				return err
			}
		}
		return nil
	})
}

// parallelChunks calls fn over [0, n) split into up to GOMAXPROCS
// contiguous chunks, or once over everything when work (the number of
// scalars touched) is below parallelMin. It returns the error of the first
// chunk (in index order) that failed.
func parallelChunks(n, work int, fn func(lo, hi int) error) error {
	workers := runtime.GOMAXPROCS(0)
	if work < parallelMin || workers <= 1 || n < 2 {
		return fn(0, n)
	}
	workers = min(workers, n)
	chunk := (n + workers - 1) / workers
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = fn(lo, hi)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Batcher fills batch tensors from a dataset for a trainer. Its buffers are
// reused: the tensors returned by Batch stay valid only until the next call.
// A Batcher is not safe for concurrent use (make one per goroutine).
type Batcher struct {
	ds             Dataset
	dtype          tensor.Dtype
	xShape, yShape []int
	xs, ys         int
	x32, y32       []float32
	x64, y64       []float64
}

// NewBatcher returns a Batcher over ds giving tensors of dtype tensor.Float32
// or tensor.Float64 (converted from the dataset's float32).
func NewBatcher(ds Dataset, dtype tensor.Dtype) (*Batcher, error) {
	if dtype != tensor.Float32 && dtype != tensor.Float64 {
		return nil, graph.ArgErrorf("data: NewBatcher: dtype must be float32 or float64, got %v", dtype)
	}
	xShape, yShape := ds.XShape(), ds.YShape()
	if !validShape(xShape) || !validShape(yShape) {
		return nil, graph.ArgErrorf("data: NewBatcher: shapes must have positive dimensions, got x %s, y %s",
			graph.FormatShape(xShape), graph.FormatShape(yShape))
	}
	return &Batcher{ds: ds, dtype: dtype, xShape: xShape, yShape: yShape, xs: Size(xShape), ys: Size(yShape)}, nil
}

// Batch returns the inputs (N, XShape...) and targets (N, YShape...) of the
// examples indices, N = len(indices) > 0. The tensors are new headers over
// the Batcher's buffers, which grow to the largest batch asked for; the next
// call overwrites their values.
func (b *Batcher) Batch(indices []int) (x, y *tensor.Dense, err error) {
	n := len(indices)
	if n == 0 {
		return nil, nil, graph.ArgErrorf("data: Batcher.Batch: no indices")
	}
	if cap(b.x32) < n*b.xs {
		b.x32 = make([]float32, n*b.xs)
		b.y32 = make([]float32, n*b.ys)
		if b.dtype == tensor.Float64 {
			b.x64 = make([]float64, n*b.xs)
			b.y64 = make([]float64, n*b.ys)
		}
	}
	x32, y32 := b.x32[:n*b.xs], b.y32[:n*b.ys]
	if err := Fill(b.ds, indices, x32, y32); err != nil {
		return nil, nil, err
	}
	if b.dtype == tensor.Float64 {
		x64, y64 := b.x64[:n*b.xs], b.y64[:n*b.ys]
		for i, v := range x32 {
			x64[i] = float64(v)
		}
		for i, v := range y32 {
			y64[i] = float64(v)
		}
	}
	xShape := append([]int{n}, b.xShape...)
	yShape := append([]int{n}, b.yShape...)
	if b.dtype == tensor.Float64 {
		x = tensor.New(tensor.WithShape(xShape...), tensor.WithBacking(b.x64[:n*b.xs]))
		y = tensor.New(tensor.WithShape(yShape...), tensor.WithBacking(b.y64[:n*b.ys]))
		return x, y, nil
	}
	x = tensor.New(tensor.WithShape(xShape...), tensor.WithBacking(x32))
	y = tensor.New(tensor.WithShape(yShape...), tensor.WithBacking(y32))
	return x, y, nil
}

// Batches splits order into consecutive batches of size batchSize (the last
// one shorter unless dropLast), returning index slices that share order's
// storage. It returns nil for batchSize <= 0.
func Batches(order []int, batchSize int, dropLast bool) [][]int {
	if batchSize <= 0 {
		return nil
	}
	var out [][]int
	for lo := 0; lo < len(order); lo += batchSize {
		hi := min(lo+batchSize, len(order))
		if hi-lo < batchSize && dropLast {
			break
		}
		out = append(out, order[lo:hi:hi])
	}
	return out
}
