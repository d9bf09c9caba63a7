package onnx_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/onnx"
	"gorgonia.org/tensor"
)

// A small CNN goes out to ONNX and comes back: the file has the ops of its
// layers, a free batch axis and the Params under their state_dict names.
func ExampleWriteFile() {
	model, err := nn.NewSequential(
		nn.Must(nn.NewConv2D(1, 4, 3, nn.WithActivation(nn.NewReLU()))), // (N, 1, 28, 28) -> (N, 4, 26, 26)
		nn.Must(nn.NewMaxPool2D(2)),                                     // -> (N, 4, 13, 13)
		nn.NewFlatten(),                                                 // -> (N, 676)
		nn.Must(nn.NewDense(4*13*13, 10)),                               // logits
	)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "onnx-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "cnn.onnx")
	if err := onnx.WriteFile(path, model, []int{1, 1, 28, 28}); err != nil {
		log.Fatal(err)
	}

	m, err := onnx.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Ops())
	fmt.Println(m.Inputs()[0].Name, m.Inputs()[0].Shape, "->", m.Outputs()[0].Name, m.Outputs()[0].Shape)
	for _, p := range m.Params() {
		fmt.Println(p.Name, p.Param.Shape())
	}
	y, err := m.Run(tensor.New(tensor.WithShape(3, 1, 28, 28), tensor.Of(tensor.Float32)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(y[0].Shape())
	// Output:
	// [Conv Relu MaxPool Flatten Gemm]
	// input [-1 1 28 28] -> output [-1 10]
	// 0.weight (4, 1, 3, 3)
	// 0.bias (4)
	// 3.weight (10, 676)
	// 3.bias (10)
	// (3, 10)
}
