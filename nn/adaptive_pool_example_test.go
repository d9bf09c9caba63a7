package nn_test

import (
	"fmt"

	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// AdaptiveAvgPool2D gives the same output size for any input size: here a
// 4x4 and a 3x3 image both become 2x2.
func ExampleNewAdaptiveAvgPool2D() {
	pool, err := nn.NewAdaptiveAvgPool2D(2, 2)
	if err != nil {
		panic(err)
	}
	for _, n := range []int{4, 3} {
		data := make([]float32, n*n)
		for i := range data {
			data[i] = float32(i + 1)
		}
		y, err := nn.Predict(pool, tensor.New(tensor.WithShape(1, 1, n, n), tensor.WithBacking(data)))
		if err != nil {
			panic(err)
		}
		fmt.Println(pool, n, "x", n, "->", y.Shape(), y.Data())
	}
	// Output:
	// AdaptiveAvgPool2D(output_size=(2, 2)) 4 x 4 -> (1, 1, 2, 2) [3.5 5.5 11.5 13.5]
	// AdaptiveAvgPool2D(output_size=(2, 2)) 3 x 3 -> (1, 1, 2, 2) [3 4 6 7]
}
