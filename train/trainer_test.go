package train_test

import (
	"bytes"
	"testing"

	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"gorgonia.org/tensor"
)

func TestFitSmoke(t *testing.T) {
	ds := blobs(200, 1)
	model := mlp(2, 8, 2, 1, tensor.Float32, nn.NewReLU())
	var out bytes.Buffer
	opt, _ := train.NewAdam(0.05)
	tr, err := train.New(model, train.Config{Epochs: 5, BatchSize: 16, Loss: ceLoss(), Optimizer: opt,
		Metrics: []train.Metric{train.NewAccuracy()}, Output: &out})
	if err != nil {
		t.Fatal(err)
	}
	h, err := tr.Fit(ds, blobs(100, 2))
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Log(h.Last())
}
