package nn_test

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// A Dense layer maps (N, in) to (N, out) with y = x·Wᵀ + b.
func ExampleNewDense() {
	d, _ := nn.NewDense(3, 2, nn.WithDtype(tensor.Float64),
		nn.WithWeightInit(graph.Constant(0.5)), nn.WithBiasInit(graph.Constant(1)))
	x := tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{1, 2, 3}))
	y, _ := nn.Predict(d, x)
	fmt.Println(d, y.Shape(), y.Data(), nn.NumParams(d))
	// Output: Dense(3, 2) (1, 2) [4 4] 8
}

// Activation layers have no parameters and keep the shape.
func ExampleNewReLU() {
	x := tensor.New(tensor.WithShape(1, 4), tensor.WithBacking([]float64{-2, -0.5, 0.5, 2}))
	for _, l := range []nn.Layer{nn.NewReLU(), nn.NewLeakyReLU(0.1), nn.NewELU(1), nn.NewSoftsign()} {
		y, _ := nn.Predict(l, x)
		fmt.Printf("%-14v %.3f\n", l, y.Data())
	}
	// Output:
	// ReLU()         [0.000 0.000 0.500 2.000]
	// LeakyReLU(0.1) [-0.200 -0.050 0.500 2.000]
	// ELU(1)         [-0.865 -0.393 0.500 2.000]
	// Softsign()     [-0.667 -0.333 0.333 0.667]
}

// Flatten keeps the batch axis and joins the others, as torch.flatten(x, 1).
func ExampleNewFlatten() {
	x := tensor.New(tensor.WithShape(2, 3, 2, 2), tensor.Of(tensor.Float32))
	y, _ := nn.Predict(nn.NewFlatten(), x)
	fmt.Println(y.Shape())
	// Output: (2, 12)
}

// A Sequential names its layers "0", "1", ... as torch.nn.Sequential, and
// Freeze takes them out of training by name prefix.
func ExampleNewSequential() {
	model, _ := nn.NewSequential(
		nn.Must(nn.NewDense(784, 32, nn.WithActivation(nn.NewReLU()))),
		nn.Must(nn.NewDense(32, 10)),
	)
	for _, p := range nn.NamedParams(model) {
		fmt.Println(p.Name, p.Param.Shape())
	}
	nn.Freeze(model, "0")
	fmt.Println("params:", nn.NumParams(model), "trainable:", nn.NumTrainable(model))
	y, _ := nn.Predict(model, tensor.New(tensor.WithShape(5, 784), tensor.Of(tensor.Float32)))
	fmt.Println("output:", y.Shape())
	// Output:
	// 0.weight (32, 784)
	// 0.bias (32)
	// 1.weight (10, 32)
	// 1.bias (10)
	// params: 25450 trainable: 330
	// output: (5, 10)
}
