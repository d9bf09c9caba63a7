package keras_test

import (
	"fmt"

	"github.com/convnet-go/convnet/keras"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// Load a small Keras Sequential saved by tfjs-layers (Conv2D, MaxPooling2D,
// Flatten, Dense, Dense) and run it on a channels-first batch.
func ExampleLoad() {
	m, err := keras.Load("testdata/layers/sequential")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m)
	fmt.Println(m.LayerNames())
	fmt.Println("input (C, H, W):", m.InputShape(), "parameters:", nn.NumParams(m))
	y, err := nn.Predict(m, tensor.New(tensor.WithShape(4, 2, 6, 6), tensor.Of(tensor.Float32)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("output:", y.Shape())
	// Output:
	// keras.Model("small_seq", input "input", output "fc2")
	// [input conv pool flat fc1 fc2]
	// input (C, H, W): [2 6 6] parameters: 124
	// output: (4, 3)
}

// Model.Output gives a model that ends at an inner layer and shares the
// weights: here the flattened features in front of the Dense layers.
func ExampleModel_Output() {
	m, err := keras.Load("testdata/layers/sequential")
	if err != nil {
		fmt.Println(err)
		return
	}
	feat, err := m.Output("flat")
	if err != nil {
		fmt.Println(err)
		return
	}
	y, err := nn.Predict(feat, tensor.New(tensor.WithShape(1, 2, 6, 6), tensor.Of(tensor.Float32)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(feat, y.Shape(), nn.NumParams(feat))
	// Output:
	// keras.Model("small_seq", input "input", output "flat") (1, 12) 57
}
