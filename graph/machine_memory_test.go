package graph_test

import (
	"runtime"
	"testing"

	"github.com/convnet-go/convnet/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// compiled is the usual way to keep a compiled graph: the machine and the
// value it reads out, in one struct. G.Read makes the machine's program
// point at out, so machine -> program -> compiled -> machine is a cycle.
type compiled struct {
	vm   G.VM
	out  G.Value
	grad G.Value
}

// heapInuse is the heap in use after one garbage collection.
func heapInuse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestNewMachineFreesDroppedGraphs builds, compiles and runs a graph over
// a 4 MB weight several times and drops it each time: one garbage
// collection must then free all of it (weight, values, gradient, program).
// Two defects kept every such graph alive for the life of the process (a
// zoo test that built the VGG models in turn reached 6 GB): the op guards
// pointed back at the machine, and Gorgonia's finalizer on the TapeMachine
// made that cycle, and the one through G.Read below, uncollectable.
func TestNewMachineFreesDroppedGraphs(t *testing.T) {
	const elems = 1 << 20 // float32: 4 MB
	const weightBytes = 4 * elems
	build := func(t *testing.T, close bool) {
		p, err := graph.NewParam(graph.Weight, tensor.Float32, tensor.Shape{elems}, graph.Constant(0.5), 1)
		if err != nil {
			t.Fatal(err)
		}
		b := graph.NewBuilder(graph.Train)
		w := b.Bind(p, "w")
		y, err := G.Square(w)
		if err != nil {
			t.Fatal(err)
		}
		cost, err := G.Sum(y)
		if err != nil {
			t.Fatal(err)
		}
		gs, err := graph.Grad(cost, w)
		if err != nil {
			t.Fatal(err)
		}
		c := &compiled{}
		G.Read(y, &c.out)
		G.Read(gs[0], &c.grad)
		if c.vm, err = graph.NewMachine(b.Graph()); err != nil {
			t.Fatal(err)
		}
		if err := graph.Run(c.vm); err != nil {
			t.Fatal(err)
		}
		if got := c.grad.Data().([]float32)[elems-1]; got != 1 {
			t.Fatalf("gradient %v, want 1", got)
		}
		if close {
			c.vm.Close()
		}
	}
	for _, tc := range []struct {
		name  string
		close bool
	}{{"closed", true}, {"not closed", false}} {
		t.Run(tc.name, func(t *testing.T) {
			base := heapInuse()
			for i := range 6 {
				build(t, tc.close)
				// the weight, y, the gradient and Gorgonia's copies are
				// each 4 MB: a graph that stays holds several times that
				if grown := int64(heapInuse()) - int64(base); grown > weightBytes {
					t.Fatalf("after %d dropped graphs the heap is %.1f MB larger than before (one weight is %.1f MB): the graphs were not freed",
						i+1, float64(grown)/1e6, float64(weightBytes)/1e6)
				}
			}
		})
	}
}
