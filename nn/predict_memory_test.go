package nn_test

import (
	"runtime"
	"testing"

	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// TestPredictCacheFreedWithModel builds a small model (a 4 MB weight), runs
// Predict (which compiles an evaluation graph and caches it in the model)
// and drops the model, several times: after one garbage collection the
// heap must be back near where it started. The cached machine used to keep
// its graph, and through it the model and its weights, alive for good (an
// uncollectable cycle through Gorgonia's finalizer), so a process that
// built models in turn grew by every model it had built.
func TestPredictCacheFreedWithModel(t *testing.T) {
	const in, out = 1024, 1024
	const weightBytes = 4 * in * out
	heap := func() int64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapInuse)
	}
	x := tensor.New(tensor.WithShape(2, in), tensor.WithBacking(make([]float32, 2*in)))
	base := heap()
	for i := range 5 {
		m, err := nn.NewSequential(nn.Must(nn.NewDense(in, out)), nn.NewReLU())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nn.Predict(m, x); err != nil {
			t.Fatal(err)
		}
		if grown := heap() - base; grown > weightBytes {
			t.Fatalf("after %d dropped models the heap is %.1f MB larger than before (one weight is %.1f MB): the models were not freed",
				i+1, float64(grown)/1e6, float64(weightBytes)/1e6)
		}
	}
}
