package train_test

import (
	"math"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"github.com/convnet-go/convnet/train/data"
	"gorgonia.org/tensor"
)

// twoHeads is x (N, 3) -> trunk (3->4) -> regression head (4->2) and
// classification head (4->3): a model with two outputs.
func twoHeads(t *testing.T) *nn.Functional {
	t.Helper()
	x := nn.Input("x")
	h := nn.Connect("trunk", must(nn.NewDense(3, 4, nn.WithDtype(tensor.Float64), nn.WithActivation(nn.NewTanh()))), x)
	reg := nn.Connect("reg", must(nn.NewDense(4, 2, nn.WithDtype(tensor.Float64))), h)
	cls := nn.Connect("cls", must(nn.NewDense(4, 3, nn.WithDtype(tensor.Float64))), h)
	m, err := nn.NewFunctional([]*nn.Symbol{x}, []*nn.Symbol{reg, cls})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Training a two-output model through Packed and PerOutput: the loss the
// Trainer reports is w0·MSE(reg) + w1·CE(cls) computed on the host from
// Functional.Run's two outputs, and one epoch of SGD lowers it.
func TestPerOutputTrainsTwoHeads(t *testing.T) {
	m := twoHeads(t)
	const n = 16
	rng := graph.NewRand(3)
	var xs, ys []float32
	for i := 0; i < n; i++ {
		x := []float32{float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())}
		xs = append(xs, x...)
		class := i % 3
		onehot := []float32{0, 0, 0}
		onehot[class] = 1
		// targets: (x0 + x1, x2) for the regression head, then the one-hot class
		ys = append(ys, x[0]+x[1], x[2])
		ys = append(ys, onehot...)
	}
	ds, err := data.NewTensor(xs, []int{3}, ys, []int{5})
	if err != nil {
		t.Fatal(err)
	}
	loss, err := train.PerOutput(
		train.OutputLoss{Shape: []int{2}, Loss: train.MSE(), Weight: 1},
		train.OutputLoss{Shape: []int{3}, Loss: train.SoftmaxCrossEntropy(), Weight: 0.5},
	)
	if err != nil {
		t.Fatal(err)
	}
	packed, err := m.Packed()
	if err != nil {
		t.Fatal(err)
	}
	opt, err := train.NewSGD(0.1)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := train.New(packed, silent(train.Config{Loss: loss, BatchSize: n, Optimizer: opt, Epochs: 20, NoShuffle: true}))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()

	hostLoss := func() float64 {
		x := tensor.New(tensor.WithShape(n, 3), tensor.WithBacking(toF64(xs)))
		outs, err := m.Run(x)
		if err != nil {
			t.Fatal(err)
		}
		reg, _ := graph.Float64s(outs[0])
		cls, _ := graph.Float64s(outs[1])
		var mse, ce float64
		for i := 0; i < n; i++ {
			for j := 0; j < 2; j++ {
				d := reg[2*i+j] - float64(ys[5*i+j])
				mse += d * d
			}
			z := cls[3*i : 3*i+3]
			mx := math.Max(z[0], math.Max(z[1], z[2]))
			lse := mx + math.Log(math.Exp(z[0]-mx)+math.Exp(z[1]-mx)+math.Exp(z[2]-mx))
			for j := 0; j < 3; j++ {
				ce -= float64(ys[5*i+2+j]) * (z[j] - lse)
			}
		}
		return mse/float64(2*n) + 0.5*ce/float64(n)
	}
	before := hostLoss()
	logs, err := tr.Evaluate(ds)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(logs["loss"]-before) > 1e-9*math.Max(1, before) {
		t.Fatalf("Evaluate loss %v, host w0·MSE + w1·CE = %v", logs["loss"], before)
	}
	if _, err := tr.Fit(ds, nil); err != nil {
		t.Fatal(err)
	}
	after := hostLoss()
	if !(after < 0.8*before) {
		t.Errorf("loss %v -> %v after 20 epochs: not trained", before, after)
	}
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func TestPerOutputErrors(t *testing.T) {
	if _, err := train.PerOutput(); err == nil {
		t.Error("no outputs: no error")
	}
	if _, err := train.PerOutput(train.OutputLoss{Shape: []int{2}}); err == nil || !strings.Contains(err.Error(), "loss is nil") {
		t.Errorf("nil loss: err = %v", err)
	}
	if _, err := train.PerOutput(train.OutputLoss{Shape: []int{0}, Loss: train.MSE()}); err == nil {
		t.Error("zero size: no error")
	}
	// A packed output of the wrong width is a shape error naming the expected width.
	m := twoHeads(t)
	packed, _ := m.Packed()
	loss, _ := train.PerOutput(train.OutputLoss{Shape: []int{2}, Loss: train.MSE(), Weight: 1})
	ds, _ := data.NewTensor(make([]float32, 6), []int{3}, make([]float32, 10), []int{5})
	tr, err := train.New(packed, silent(train.Config{Loss: loss, BatchSize: 2}))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.Evaluate(ds); err == nil || !strings.Contains(err.Error(), "(N, 2)") {
		t.Errorf("wrong width: err = %v", err)
	}
}
