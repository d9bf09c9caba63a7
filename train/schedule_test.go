package train_test

import (
	"math"
	"testing"

	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"gorgonia.org/tensor"
)

func TestStepDecay(t *testing.T) {
	s := must(train.NewStepDecay(2, 0.5))
	want := []float64{1, 1, 0.5, 0.5, 0.25, 0.25, 0.125}
	for e, w := range want {
		if got := s.LR(e+1, 1); got != w {
			t.Errorf("epoch %d: lr %g, want %g", e+1, got, w)
		}
	}
	if _, err := train.NewStepDecay(0, 0.5); err == nil {
		t.Error("step size 0 accepted")
	}
	if _, err := train.NewStepDecay(1, 1.5); err == nil {
		t.Error("gamma 1.5 accepted")
	}
}

func TestCosineAnnealing(t *testing.T) {
	s := must(train.NewCosineAnnealing(4, 0.1))
	// eta_min + (base - eta_min)(1 + cos(pi (e-1)/4))/2 with base 1.1:
	// e=1: 1.1; e=3: 0.1 + 1·(1+0)/2 = 0.6; e=5: 0.1.
	want := map[int]float64{1: 1.1, 2: 0.1 + (1+math.Sqrt2/2)/2, 3: 0.6, 4: 0.1 + (1-math.Sqrt2/2)/2, 5: 0.1}
	for e, w := range want {
		if got := s.LR(e, 1.1); math.Abs(got-w) > 1e-12 {
			t.Errorf("epoch %d: lr %.15g, want %.15g", e, got, w)
		}
	}
	if _, err := train.NewCosineAnnealing(0, 0); err == nil {
		t.Error("tMax 0 accepted")
	}
}

// A schedule in Config sets the optimizer's rate at every epoch; the
// logged "lr" is the rate the epoch used.
func TestScheduleInFit(t *testing.T) {
	opt := must(train.NewSGD(0.1))
	tr := must(train.New(mlp(2, 4, 2, 1, tensor.Float32, nn.NewReLU()), train.Config{Epochs: 4, BatchSize: 50, Loss: ceLoss(), Optimizer: opt,
		Schedule: must(train.NewStepDecay(1, 0.5)), Verbosity: train.Silent}))
	h, err := tr.Fit(blobs(100, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.1, 0.05, 0.025, 0.0125}
	for i, lr := range h.Series("lr") {
		if math.Abs(lr-want[i]) > 1e-15 {
			t.Errorf("epoch %d: lr %g, want %g", i+1, lr, want[i])
		}
	}
}
