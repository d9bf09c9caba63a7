package ops_test

import (
	"fmt"
	"log"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	"gorgonia.org/tensor"
)

// ConvMaxPool2D is a convolution with its bias and ReLU followed by a 2x2
// max pool, in one op: the Sobel edge response of ExampleConv2D (2x4,
// here shifted by the bias -30 and clipped at zero) pooled to 1x2.
func ExampleConvMaxPool2D() {
	b := graph.NewBuilder(graph.Eval)
	img := tensor.New(tensor.WithShape(1, 1, 4, 6), tensor.WithBacking([]float64{
		0, 0, 0, 10, 10, 10,
		0, 0, 0, 10, 10, 10,
		0, 0, 0, 10, 10, 10,
		0, 0, 0, 10, 10, 10,
	}))
	sobel := tensor.New(tensor.WithShape(1, 1, 3, 3), tensor.WithBacking([]float64{
		-1, 0, 1,
		-2, 0, 2,
		-1, 0, 1,
	}))
	bias := tensor.New(tensor.WithShape(1), tensor.WithBacking([]float64{-30}))
	y, err := ops.ConvMaxPool2D(b.InputValue("x", img), b.InputValue("sobel", sobel), b.InputValue("b", bias), ops.ConvParams{ReLU: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("shape", y.Shape()) // conv 2x4, pooled 1x2
	printRows(runExample(b, y)[0])
	// Output:
	// shape (1, 1, 1, 2)
	// [10 10]
}
