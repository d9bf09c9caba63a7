package train_test

import (
	"fmt"

	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train"
	"github.com/convnet-go/convnet/train/data"
)

// The README's example: a small CNN on MNIST. Here it trains on 2,000
// images for one epoch so the test stays fast; examples/mnist trains on all
// 60,000 and reaches 0.99.
func Example_readme() {
	trainSet, testSet, _ := data.MNIST("") // the GoMNIST module's files, found automatically
	model, _ := nn.NewSequential(
		nn.Must(nn.NewConv2D(1, 32, 3, nn.WithActivation(nn.NewReLU()))), // (N,1,28,28) -> (N,32,26,26)
		nn.Must(nn.NewMaxPool2D(2)),                                      // -> (N,32,13,13)
		nn.NewFlatten(),                                                  // -> (N,5408)
		nn.Must(nn.NewDense(32*13*13, 10)),                               // logits
	)
	// Unlike the README, this check trains on 2,000 images only: seed the
	// weights so that its accuracy does not depend on the draw.
	nn.Initialize(model, 1)
	tr, _ := train.New(model, train.Config{Epochs: 1, BatchSize: 64, Verbosity: train.Silent,
		Metrics: []train.Metric{train.NewAccuracy()}})
	small, _ := data.NewSubset(trainSet, seq(2000))
	tr.Fit(small, nil)
	logs, _ := tr.Evaluate(testSet)
	fmt.Println("params:", nn.NumParams(model), "accuracy > 0.8:", logs["accuracy"] > 0.8)
	// Output: params: 54410 accuracy > 0.8: true
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
