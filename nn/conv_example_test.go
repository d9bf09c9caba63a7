package nn_test

import (
	"fmt"
	"log"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// The first layer of a small MNIST network: 32 filters of 3x3 on one
// channel. Describe fills the course's formulas in.
func ExampleNewConv2D() {
	conv, err := nn.NewConv2D(1, 32, 3, nn.WithActivation(nn.NewReLU()))
	if err != nil {
		log.Fatal(err)
	}
	b := graph.NewBuilder(graph.Train)
	x := b.Input("x", tensor.Float32, 64, 1, 28, 28)
	y, err := conv.Forward(b, x)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(conv)
	fmt.Println(x.Shape(), "->", y.Shape())
	for _, line := range conv.Describe(x.Shape(), y.Shape()) {
		fmt.Println(line)
	}
	fmt.Println("NumParams:", nn.NumParams(conv))
	// Output:
	// Conv2D(1, 32, kernel=3, activation=ReLU())
	// (64, 1, 28, 28) -> (64, 32, 26, 26)
	// H2 = floor((H1 - k + 2P)/S) + 1 = floor((28 - 3 + 0)/1) + 1 = 26
	// W2 = floor((W1 - k + 2P)/S) + 1 = floor((28 - 3 + 0)/1) + 1 = 26
	// params = (k*k*C1)*n + n = (3*3*1)*32 + 32 = 320
	// NumParams: 320
}

// Keras's "same" padding keeps the size at stride 1 and gives
// ceil(in/stride) otherwise; a 1x7 kernel is set with WithKernel.
func ExampleNewConv2D_same() {
	for _, opts := range [][]nn.ConvOption{
		{nn.WithPadding(nn.Same)},
		{nn.WithPadding(nn.Same), nn.WithStride(2)},
		{nn.WithPadding(nn.Same), nn.WithKernel(1, 7)},
	} {
		conv, err := nn.NewConv2D(16, 16, 3, opts...)
		if err != nil {
			log.Fatal(err)
		}
		b := graph.NewBuilder(graph.Eval)
		y, err := conv.Forward(b, b.Input("x", tensor.Float32, 1, 16, 15, 15))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(conv, y.Shape())
	}
	// Output:
	// Conv2D(16, 16, kernel=3, padding=same) (1, 16, 15, 15)
	// Conv2D(16, 16, kernel=3, stride=2, padding=same) (1, 16, 8, 8)
	// Conv2D(16, 16, kernel=(1, 7), padding=same) (1, 16, 15, 15)
}

// A decoder step of a UNet: a transposed convolution with kernel 2, stride
// 2 and "same" padding doubles H and W.
func ExampleNewConvTranspose2D() {
	up, err := nn.NewConvTranspose2D(128, 64, 2, nn.WithStride(2), nn.WithPadding(nn.Same), nn.WithActivation(nn.NewReLU()))
	if err != nil {
		log.Fatal(err)
	}
	b := graph.NewBuilder(graph.Train)
	x := b.Input("x", tensor.Float32, 8, 128, 14, 14)
	y, err := up.Forward(b, x)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(up)
	fmt.Println(x.Shape(), "->", y.Shape())
	for _, line := range up.Describe(x.Shape(), y.Shape()) {
		fmt.Println(line)
	}
	// Output:
	// ConvTranspose2D(128, 64, kernel=2, stride=2, padding=same, activation=ReLU())
	// (8, 128, 14, 14) -> (8, 64, 28, 28)
	// H2 = (H1 - 1)S - 2P + d(k-1) + OP + 1 = (14 - 1)·2 - 0 + 1·1 + 0 + 1 = 28
	// W2 = (W1 - 1)S - 2P + d(k-1) + OP + 1 = (14 - 1)·2 - 0 + 1·1 + 0 + 1 = 28
	// params = (k*k*C1)*n + n = (2*2*128)*64 + 64 = 32832
}

// The course's transposed-convolution example as a layer: a 2x2 input, a
// 3x3 kernel of ones and stride 3 give 6x6 blocks.
func ExampleNewConvTranspose2D_blocks() {
	up, err := nn.NewConvTranspose2D(1, 1, 3, nn.WithStride(3), nn.WithBias(false),
		nn.WithWeightInit(graph.Ones()), nn.WithDtype(tensor.Float64))
	if err != nil {
		log.Fatal(err)
	}
	x := tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float64{1, 2, 3, 4}))
	y, err := nn.Predict(up, x)
	if err != nil {
		log.Fatal(err)
	}
	data := y.Data().([]float64)
	for r := range 6 {
		fmt.Println(data[r*6 : (r+1)*6])
	}
	// Output:
	// [1 1 1 2 2 2]
	// [1 1 1 2 2 2]
	// [1 1 1 2 2 2]
	// [3 3 3 4 4 4]
	// [3 3 3 4 4 4]
	// [3 3 3 4 4 4]
}

// Conv1D on sequences and Conv3D on volumes.
func ExampleNewConv1D() {
	c1, err := nn.NewConv1D(4, 8, 5, nn.WithStride(2), nn.WithPad(2))
	if err != nil {
		log.Fatal(err)
	}
	c3, err := nn.NewConv3D(1, 4, 3, nn.WithPadding(nn.Same))
	if err != nil {
		log.Fatal(err)
	}
	b := graph.NewBuilder(graph.Eval)
	y1, err := c1.Forward(b, b.Input("seq", tensor.Float32, 2, 4, 100))
	if err != nil {
		log.Fatal(err)
	}
	y3, err := c3.Forward(b, b.Input("vol", tensor.Float32, 2, 1, 8, 16, 16))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c1, y1.Shape())
	fmt.Println(c3, y3.Shape())
	// Output:
	// Conv1D(4, 8, kernel=5, stride=2, pad=2) (2, 8, 50)
	// Conv3D(1, 4, kernel=3, padding=same) (2, 4, 8, 16, 16)
}
