package nn_test

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// A residual block y = body(x) + x, with Dense + BatchNorm as the body.
func ExampleResidual() {
	dense, _ := nn.NewDense(4, 4, nn.WithBias(false))
	bn, _ := nn.NewBatchNorm1D(4)
	body, _ := nn.NewSequential(dense, bn)
	block, err := nn.NewResidual(body, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(block)
	for _, np := range nn.NamedParams(block) {
		fmt.Println(np.Name, np.Param.Shape())
	}
	x := tensor.New(tensor.WithShape(2, 4), tensor.WithBacking([]float32{1, 2, 3, 4, 5, 6, 7, 8}))
	y, err := nn.Predict(block, x)
	if err != nil {
		panic(err)
	}
	fmt.Println(y.Shape())
	// Output:
	// Residual(Sequential(2 layers) + identity)
	// body.0.weight (4, 4)
	// body.1.weight (4)
	// body.1.bias (4)
	// body.1.running_mean (4)
	// body.1.running_var (4)
	// (2, 4)
}

// The functional helpers merge branches by hand: Concat joins channels
// (Inception, UNet), Add sums (residual connections).
func ExampleConcat() {
	b := graph.NewBuilder(graph.Eval)
	a := b.Input("a", tensor.Float32, 8, 32, 28, 28)
	c := b.Input("c", tensor.Float32, 8, 64, 28, 28)
	cat, err := nn.Concat(b, a, c)
	if err != nil {
		panic(err)
	}
	fmt.Println(cat.Shape())
	_, err = nn.Add(b, a, c)
	fmt.Println(err)
	// Output:
	// (8, 96, 28, 28)
	// nn: Add: input 1 has shape (8, 64, 28, 28), input 0 has (8, 32, 28, 28): axis 1 differs (64 vs 32)
}

// ScaledAdd is the residual merge of Inception-ResNet blocks: x + 0.17·r.
func ExampleScaledAdd() {
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{1, 2, 3})))
	r := b.InputValue("r", tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{100, 0, -100})))
	y, err := nn.ScaledAdd(b, x, r, 0.17)
	if err != nil {
		panic(err)
	}
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		panic(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		panic(err)
	}
	fmt.Println(y.Value().Data())
	_, err = nn.ScaledAdd(b, x, b.Input("z", tensor.Float64, 1, 4), 0.17)
	fmt.Println(err)
	// Output:
	// [18 2 -14]
	// nn: ScaledAdd: input 1 has shape (1, 4), input 0 has (1, 3): axis 1 differs (4 vs 3)
}
