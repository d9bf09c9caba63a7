package nn_test

import (
	"math"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func mlp(t *testing.T) *nn.Sequential {
	t.Helper()
	d1, err := nn.NewDense(4, 8, nn.WithActivation(nn.NewReLU()), nn.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	d2, err := nn.NewDense(8, 3, nn.WithSeed(2))
	if err != nil {
		t.Fatal(err)
	}
	s, err := nn.NewSequential(d1, d2)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSequentialNamesAndCounts(t *testing.T) {
	s := mlp(t)
	var names []string
	for _, np := range nn.NamedParams(s) {
		names = append(names, np.Name)
	}
	want := []string{"0.weight", "0.bias", "1.weight", "1.bias"}
	if len(names) != len(want) {
		t.Fatalf("names %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("names %v, want %v", names, want)
		}
	}
	if got := nn.NumParams(s); got != 4*8+8+8*3+3 {
		t.Fatalf("NumParams = %d", got)
	}
	if n := nn.Freeze(s, "0"); n != 2 || nn.NumTrainable(s) != 27 {
		t.Fatalf("Freeze froze %d, trainable %d", n, nn.NumTrainable(s))
	}
	nn.Unfreeze(s)
	if nn.NumTrainable(s) != nn.NumParams(s) {
		t.Fatal("Unfreeze left frozen params")
	}
}

// A training graph for batch 5 and Predict on batch 2 share one set of
// weights: a change through the training graph's bound tensor is seen by
// Predict.
func TestTrainAndEvalGraphsShareWeights(t *testing.T) {
	s := mlp(t)
	x := tensor.New(tensor.WithShape(2, 4), tensor.WithBacking([]float32{1, 2, 3, 4, -1, 0.5, 2, -3}))
	before, err := nn.Predict(s, x)
	if err != nil {
		t.Fatal(err)
	}
	b := graph.NewBuilder(graph.Train)
	in := b.Input("x", tensor.Float32, 5, 4)
	if _, err := s.Forward(b, in); err != nil {
		t.Fatal(err)
	}
	var biasNode *G.Node
	for _, bd := range b.Trainable() {
		if bd.Name == "1.bias" {
			biasNode = bd.Node
		}
	}
	if len(b.Trainable()) != 4 || biasNode == nil {
		t.Fatalf("bindings %v", b.Trainable())
	}
	// shift the last bias through the tensor the training graph holds
	bias := biasNode.Value().Data().([]float32)
	for i := range bias {
		bias[i] += 1
	}
	after, err := nn.Predict(s, x)
	if err != nil {
		t.Fatal(err)
	}
	bv, av := before.Data().([]float32), after.Data().([]float32)
	for i := range bv {
		if math.Abs(float64(av[i]-bv[i]-1)) > 1e-6 {
			t.Fatalf("Predict did not see the change: before %v after %v", bv, av)
		}
	}
	// Predict returns a fresh tensor each time
	if &bv[0] == &av[0] {
		t.Fatal("Predict returned the same buffer twice")
	}
}

func TestPredictMatchesManual(t *testing.T) {
	d, err := nn.NewDense(3, 2, nn.WithDtype(tensor.Float64), nn.WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	w, b := d.Weight().Value().Float64s(), d.Bias().Value().Float64s()
	x := tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{1, -2, 0.5}))
	y, err := nn.Predict(d, x)
	if err != nil {
		t.Fatal(err)
	}
	for o := 0; o < 2; o++ {
		want := b[o] + w[o*3]*1 + w[o*3+1]*-2 + w[o*3+2]*0.5
		if got := y.Data().([]float64)[o]; math.Abs(got-want) > 1e-12 {
			t.Fatalf("output %d: got %v want %v", o, got, want)
		}
	}
}

func TestDenseGradCheck(t *testing.T) {
	d, err := nn.NewDense(3, 4, nn.WithDtype(tensor.Float64), nn.WithActivation(nn.NewTanh()), nn.WithSeed(4))
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{0.1, -0.2, 0.3, 0.4, 0.5, -0.6}))
	rep, err := graph.CheckGradients([]*tensor.Dense{x}, func(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
		return d.Forward(b, xs[0])
	}, graph.GradCheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Results) != 3 {
		t.Fatalf("gradient check:\n%s", rep)
	}
}
