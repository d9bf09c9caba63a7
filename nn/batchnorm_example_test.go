package nn_test

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A training graph normalises with the batch statistics and updates the
// running statistics; Predict (an evaluation graph, any batch size) then
// uses them.
func ExampleBatchNorm1D() {
	bn, err := nn.NewBatchNorm1D(2, nn.WithMomentum(0.5))
	if err != nil {
		panic(err)
	}
	fmt.Println(bn, "params:", nn.NumParams(bn))

	b := graph.NewBuilder(graph.Train)
	x := b.InputValue("x", tensor.New(tensor.WithShape(4, 2), tensor.WithBacking([]float32{1, 10, 2, 20, 3, 30, 4, 40})))
	y, err := bn.Forward(b, x)
	if err != nil {
		panic(err)
	}
	m := G.NewTapeMachine(b.Graph())
	defer m.Close()
	if err := m.RunAll(); err != nil {
		panic(err)
	}
	fmt.Printf("train: %.3f\n", y.Value().Data())
	fmt.Printf("running mean %.2f, running var %.2f\n", bn.RunningMean().Value().Data(), bn.RunningVar().Value().Data())

	out, err := nn.Predict(bn, tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float32{1.25, 12.5})))
	if err != nil {
		panic(err)
	}
	fmt.Printf("eval: %.3f\n", out.Data())
	// Output:
	// BatchNorm1D(2, momentum=0.5) params: 4
	// train: [-1.342 -1.342 -0.447 -0.447 0.447 0.447 1.342 1.342]
	// running mean [1.25 12.50], running var [1.33 83.83]
	// eval: [0.000 0.000]
}

func ExampleNewBatchNorm2D() {
	bn, err := nn.NewBatchNorm2D(64)
	if err != nil {
		panic(err)
	}
	for _, np := range bn.Params() {
		fmt.Println(np.Name, np.Param.Shape(), np.Param.Kind())
	}
	fmt.Println(bn.Describe(nil, nil)[0])
	// Output:
	// weight (64) weight
	// bias (64) weight
	// running_mean (64) buffer
	// running_var (64) buffer
	// params = 2*C = 2*64 = 128 (gamma, beta; running statistics 2*C = 128 are buffers)
}
