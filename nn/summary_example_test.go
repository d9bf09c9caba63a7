package nn_test

import (
	"fmt"

	"github.com/convnet-go/convnet/nn"
)

// A two-layer perceptron on 784 inputs (a flattened 28x28 image).
func ExampleSummary() {
	hidden, _ := nn.NewDense(784, 128, nn.WithActivation(nn.NewReLU()))
	out, _ := nn.NewDense(128, 10)
	model, _ := nn.NewSequential(nn.NewFlatten(), hidden, out)
	s, err := nn.Summary(model, []int{1, 1, 28, 28})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(s)
	// Output:
	// Sequential(3 layers), input (1, 1, 28, 28) float32
	// Layer  Type                                Output shape   Params
	// ================================================================
	// 0      Flatten()                           (1, 784)            0
	// 1      Dense(784, 128, activation=ReLU())  (1, 128)      100,480
	//          params = in*out + out = 784*128 + 128 = 100480
	// 2      Dense(128, 10)                      (1, 10)         1,290
	//          params = in*out + out = 128*10 + 10 = 1290
	// ================================================================
	// Total params: 101,770
	// Trainable params: 101,770
	// Non-trainable params: 0
	// Buffers (not parameters): 0 values in 0 tensors
}
