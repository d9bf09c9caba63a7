package nn_test

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// Max unpooling puts every maximum back where the pooling found it, as
// SegNet's decoder does; a 5-pixel side pooled to 2 is restored to 5.
func ExampleMaxUnpool2D() {
	pool, _ := nn.NewMaxPool2D(2)
	unpool, _ := nn.NewMaxUnpool2D(2)
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(1, 1, 2, 5), tensor.WithBacking([]float32{
		1, 6, 2, 0, 9,
		5, 3, 4, 7, 8,
	})))
	pooled, indices, err := pool.ForwardWithIndices(b, x)
	if err != nil {
		panic(err)
	}
	y, err := unpool.ForwardWithIndices(b, pooled, indices, [2]int{2, 5})
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
	fmt.Println(unpool, pooled.Shape(), "->", y.Shape())
	fmt.Println(y.Value().Data())
	// Output:
	// MaxUnpool2D(2) (1, 1, 1, 2) -> (1, 1, 2, 5)
	// [0 6 0 0 0 0 0 0 7 0]
}
