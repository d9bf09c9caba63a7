package nn_test

import (
	"fmt"
	"log"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// In an inference graph, a convolution, its BatchNorm and a ReLU run
// through CallChain become one op (ops.ConvBatchNorm): a convolution with
// the BatchNorm folded into its weight and bias, which it keeps between
// runs ("cached"), and a fused ReLU; a training graph keeps the three
// layers and ends in the ReLU.
func ExampleCallChain() {
	conv, err := nn.NewConv2D(3, 8, 3, nn.WithPad(1), nn.WithBias(false))
	if err != nil {
		log.Fatal(err)
	}
	bn, err := nn.NewBatchNorm2D(8)
	if err != nil {
		log.Fatal(err)
	}
	chain := []nn.Child{{Name: "conv", Layer: conv}, {Name: "bn", Layer: bn}, {Name: "relu", Layer: nn.NewReLU()}}
	for _, b := range []*graph.Builder{graph.NewBuilder(graph.Eval, graph.WithInference()), graph.NewBuilder(graph.Train)} {
		y, err := nn.CallChain(b, chain, b.Input("x", tensor.Float32, 1, 3, 8, 8))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%v: %v\n", b.Mode(), y.Op())
	}
	// Output:
	// eval: ConvBatchNorm+ReLU(stride=[1 1], pad=[1 1], dilation=[1 1], cached, eps=1e-05)
	// train: ReLU
}
