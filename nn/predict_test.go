package nn_test

import (
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// TestPredictRebuildsStaleGraph: after SetDtype replaces a model's tensors,
// Predict's cached graph (which still reads the old ones) is rebuilt, so
// later weight changes show in its output.
func TestPredictRebuildsStaleGraph(t *testing.T) {
	d, err := nn.NewSequential(nn.Must(nn.NewDense(3, 2, nn.WithBias(false)))) // Sequential caches its graphs
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float32{1, 2, 3}))
	predict := func() []float64 {
		t.Helper()
		y, err := nn.Predict(d, x)
		if err != nil {
			t.Fatal(err)
		}
		v, err := graph.Float64s(y)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := predict() // builds and caches the graph
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		if err := nn.SetDtype(d, dt); err != nil {
			t.Fatal(err)
		}
	}
	w := nn.NamedParams(d)[0].Param.Value()
	vals, err := graph.Float64s(w)
	if err != nil {
		t.Fatal(err)
	}
	for i := range vals {
		vals[i] *= 2
	}
	if err := graph.CopyFloat64s(w, vals); err != nil {
		t.Fatal(err)
	}
	after := predict()
	for i := range before {
		if got, want := after[i], 2*before[i]; got < want-1e-5 || got > want+1e-5 {
			t.Errorf("output %d after doubling the weights: got %v, want %v (stale graph?)", i, got, want)
		}
	}
}
