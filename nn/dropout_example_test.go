package nn_test

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Dropout drops and rescales in training graphs and is the identity in
// evaluation graphs (Predict).
func ExampleDropout() {
	d, err := nn.NewDropout(0.5)
	if err != nil {
		panic(err)
	}
	x := tensor.New(tensor.WithShape(1, 8), tensor.WithBacking([]float32{1, 1, 1, 1, 1, 1, 1, 1}))

	b := graph.NewBuilder(graph.Train, graph.WithSeed(1))
	y, err := d.Forward(b, b.InputValue("x", x))
	if err != nil {
		panic(err)
	}
	m := G.NewTapeMachine(b.Graph())
	defer m.Close()
	if err := m.RunAll(); err != nil {
		panic(err)
	}
	fmt.Println(d, "train:", y.Value().Data())

	out, err := nn.Predict(d, x)
	if err != nil {
		panic(err)
	}
	fmt.Println(d, "eval: ", out.Data())
	// Output:
	// Dropout(p=0.5) train: [2 2 0 0 2 2 0 2]
	// Dropout(p=0.5) eval:  [1 1 1 1 1 1 1 1]
}
