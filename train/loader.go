package train

import (
	"fmt"
	"sync"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/train/data"
	"github.com/pkg/errors"
)

// hostBatch is one batch read from a dataset, in float32.
type hostBatch struct {
	x, y   []float32
	n      int
	ys     int
	yshape []int
	err    error
}

// loader reads the batches of one pass over a dataset in a goroutine,
// one batch ahead of the training loop, into two reusable buffers. The
// dataset is only ever read from that goroutine, in order, so the result
// does not depend on timing.
type loader struct {
	ready chan *hostBatch
	free  chan *hostBatch
	done  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

// startLoader starts reading ds in the given order, bs examples a batch.
func startLoader(ds data.Dataset, order []int, bs int) *loader {
	l := &loader{ready: make(chan *hostBatch, 1), free: make(chan *hostBatch, 2), done: make(chan struct{})}
	xs, ys := data.Size(ds.XShape()), data.Size(ds.YShape())
	yshape := append([]int(nil), ds.YShape()...)
	size := min(bs, len(order))
	for i := 0; i < 2; i++ {
		l.free <- &hostBatch{x: make([]float32, size*xs), y: make([]float32, size*ys), ys: ys, yshape: yshape}
	}
	l.wg.Add(1)
	go l.run(ds, order, bs, xs, ys)
	return l
}

func (l *loader) run(ds data.Dataset, order []int, bs, xs, ys int) {
	defer l.wg.Done()
	defer close(l.ready)
	for start := 0; start < len(order); start += bs {
		var hb *hostBatch
		select {
		case hb = <-l.free:
		case <-l.done:
			return
		}
		idx := order[start:min(start+bs, len(order))]
		hb.n, hb.err = len(idx), nil
		for j, i := range idx {
			if err := get(ds, i, hb.x[j*xs:(j+1)*xs], hb.y[j*ys:(j+1)*ys]); err != nil {
				hb.err = err
				break
			}
		}
		select {
		case l.ready <- hb:
		case <-l.done:
			return
		}
		if hb.err != nil {
			return
		}
	}
}

// get reads example i, turning a panic in the dataset into an error.
func get(ds data.Dataset, i int, x, y []float32) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("train: dataset panicked on example %d: %v", i, r)
		}
	}()
	if err := ds.Get(i, x, y); err != nil {
		return errors.Wrapf(err, "train: reading example %d", i)
	}
	return nil
}

// next returns the next batch; release it when done with it.
func (l *loader) next() (*hostBatch, error) {
	hb, ok := <-l.ready
	if !ok {
		return nil, graph.ArgErrorf("train: internal error: dataset ended early")
	}
	if hb.err != nil {
		return nil, hb.err
	}
	return hb, nil
}

// release gives a batch buffer back to the loader.
func (l *loader) release(hb *hostBatch) {
	select {
	case l.free <- hb:
	default:
	}
}

// stop ends the goroutine and waits for it.
func (l *loader) stop() {
	l.once.Do(func() { close(l.done) })
	l.wg.Wait()
}
