package train_test

import (
	"path/filepath"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"gorgonia.org/tensor"
)

// TestPredictSeesOptimizerSteps: Predict before and after Fit on one
// model. Predict's cached graph keeps its convolutions' folded and packed
// weights between calls; after the optimizer steps (and the BatchNorm's
// running statistics updates) its answer must be the trained model's,
// which a fresh model loaded with the trained weights gives, and not the
// first answer.
func TestPredictSeesOptimizerSteps(t *testing.T) {
	build := func() *nn.Sequential {
		m, err := nn.NewSequential(nn.Must(nn.NewConv2D(1, 4, 3, nn.WithPad(1))), nn.Must(nn.NewBatchNorm2D(4)), nn.NewReLU(),
			nn.Must(nn.NewConv2D(4, 4, 3, nn.WithActivation(nn.NewReLU()))), nn.Must(nn.NewMaxPool2D(2)),
			nn.NewFlatten(), nn.Must(nn.NewDense(16, 2)))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	model := build()
	ds := imageSet(16, 3)
	x := tensor.New(tensor.WithShape(2, 1, 6, 6), tensor.WithBacking(append(append([]float32(nil), ds.x[0]...), ds.x[1]...)))
	predict := func(m nn.Layer) []float64 {
		y, err := nn.Predict(m, x)
		if err != nil {
			t.Fatal(err)
		}
		v, err := graph.Float64s(y)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := predict(model)
	predict(model) // the cached graph, reused
	sgd, err := train.NewSGD(0.5)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := train.New(model, train.Config{Epochs: 1, BatchSize: 4, Loss: ceLoss(), Verbosity: train.Silent, Seed: 2, Optimizer: sgd})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.Fit(ds, nil); err != nil {
		t.Fatal(err)
	}
	after := predict(model)

	path := filepath.Join(t.TempDir(), "trained.safetensors")
	if err := nn.SaveSafetensors(model, path); err != nil {
		t.Fatal(err)
	}
	fresh := build()
	if err := nn.LoadSafetensors(fresh, path); err != nil {
		t.Fatal(err)
	}
	want := predict(fresh)
	same := true
	for i := range want {
		if after[i] != want[i] {
			t.Fatalf("element %d after training: %v, a fresh model with the trained weights gives %v", i, after[i], want[i])
		}
		same = same && before[i] == after[i]
	}
	if same {
		t.Error("training did not change the output; the test proves nothing")
	}
}
