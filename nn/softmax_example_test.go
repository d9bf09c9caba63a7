package nn_test

import (
	"fmt"

	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

func ExampleSoftmax() {
	sm, err := nn.NewSoftmax() // along axis 1, the classes
	if err != nil {
		panic(err)
	}
	logits := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float32{1, 2, 3, 0, 0, 0}))
	p, err := nn.Predict(sm, logits)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%v %.4f\n", sm, p.Data())
	// Output: Softmax() [0.0900 0.2447 0.6652 0.3333 0.3333 0.3333]
}
