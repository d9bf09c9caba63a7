package nn_test

import (
	"fmt"
	"log"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A 2x2 max pool after a 3x3 convolution on MNIST halves the feature maps;
// Describe fills the course's formula in.
func ExampleNewMaxPool2D() {
	pool, err := nn.NewMaxPool2D(2)
	if err != nil {
		log.Fatal(err)
	}
	b := graph.NewBuilder(graph.Train)
	x := b.Input("x", tensor.Float32, 64, 32, 26, 26)
	y, err := pool.Forward(b, x)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pool)
	fmt.Println(x.Shape(), "->", y.Shape())
	for _, line := range pool.Describe(x.Shape(), y.Shape()) {
		fmt.Println(line)
	}
	// Output:
	// MaxPool2D(kernel=2)
	// (64, 32, 26, 26) -> (64, 32, 13, 13)
	// H2 = floor((H1 - k + 2P)/S) + 1 = floor((26 - 2 + 0)/2) + 1 = 13
	// W2 = floor((W1 - k + 2P)/S) + 1 = floor((26 - 2 + 0)/2) + 1 = 13
	// params = 0
}

// On an odd size the default floor drops the last row and column; ceil
// mode (PyTorch) and "same" padding (Keras) keep them.
func ExampleNewMaxPool2D_ceilAndSame() {
	for _, opts := range [][]nn.PoolOption{
		nil,
		{nn.WithCeilMode(true)},
		{nn.WithPadding(nn.Same)},
		{nn.WithStride(2), nn.WithPad(1), nn.WithKernel(3)},
	} {
		pool, err := nn.NewMaxPool2D(2, opts...)
		if err != nil {
			log.Fatal(err)
		}
		b := graph.NewBuilder(graph.Eval)
		y, err := pool.Forward(b, b.Input("x", tensor.Float32, 1, 64, 11, 11))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(pool, y.Shape())
	}
	// Output:
	// MaxPool2D(kernel=2) (1, 64, 5, 5)
	// MaxPool2D(kernel=2, ceil_mode=true) (1, 64, 6, 6)
	// MaxPool2D(kernel=2, padding=same) (1, 64, 6, 6)
	// MaxPool2D(kernel=3, stride=2, pad=1) (1, 64, 6, 6)
}

// Average pooling with explicit padding divides by the whole window, zeros
// included (PyTorch); with "same" padding it averages the input values only
// (Keras).
func ExampleNewAvgPool2D() {
	x := tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float32{4, 4, 4, 4}))
	for _, opt := range []nn.PoolOption{nn.WithPad(1), nn.WithPadding(nn.Same)} {
		pool, err := nn.NewAvgPool2D(2, nn.WithStride(1), opt)
		if err != nil {
			log.Fatal(err)
		}
		y, err := nn.Predict(pool, x)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(pool, y.Shape(), y.Data())
	}
	// Output:
	// AvgPool2D(kernel=2, stride=1, pad=1) (1, 1, 3, 3) [1 2 1 2 4 2 1 2 1]
	// AvgPool2D(kernel=2, stride=1, padding=same) (1, 1, 2, 2) [4 4 4 4]
}

// GlobalAvgPool replaces Flatten before the classifier of ResNet-style
// networks: one number per channel.
func ExampleNewGlobalAvgPool() {
	gap := nn.NewGlobalAvgPool()
	b := graph.NewBuilder(graph.Eval)
	x := b.Input("x", tensor.Float32, 8, 512, 7, 7)
	y, err := gap.Forward(b, x)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(gap, x.Shape(), "->", y.Shape())
	for _, line := range gap.Describe(x.Shape(), y.Shape()) {
		fmt.Println(line)
	}
	// Output:
	// GlobalAvgPool() (8, 512, 7, 7) -> (8, 512)
	// out[n][c] = mean of 7*7 = 49 values
	// params = 0
}

// The decoder of an autoencoder doubles the size of its feature maps.
func ExampleNewUpsample2D() {
	up, err := nn.NewUpsample2D(2)
	if err != nil {
		log.Fatal(err)
	}
	x := tensor.New(tensor.WithShape(1, 1, 2, 2), tensor.WithBacking([]float32{1, 2, 3, 4}))
	y, err := nn.Predict(up, x)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(up, y.Shape())
	fmt.Println(y.Data())
	// Output:
	// Upsample2D(scale_factor=2) (1, 1, 4, 4)
	// [1 1 2 2 1 1 2 2 3 3 4 4 3 3 4 4]
}

// Bilinear upsampling as PyTorch's Upsample(scale_factor=2,
// mode="bilinear", align_corners=False).
func ExampleNewUpsampleBilinear2D() {
	up, err := nn.NewUpsampleBilinear2D(2)
	if err != nil {
		log.Fatal(err)
	}
	x := tensor.New(tensor.WithShape(1, 1, 1, 2), tensor.WithBacking([]float32{0, 4}))
	y, err := nn.Predict(up, x)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(up, y.Shape())
	fmt.Println(y.Data())
	// Output:
	// UpsampleBilinear2D(scale_factor=2) (1, 1, 2, 4)
	// [0 1 3 4 0 1 3 4]
}

// SegNet's encoder remembers where each maximum was, and its decoder puts
// the values back there (ops.MaxUnpool2D).
func ExampleMaxPool2D_ForwardWithIndices() {
	pool, err := nn.NewMaxPool2D(2)
	if err != nil {
		log.Fatal(err)
	}
	b := graph.NewBuilder(graph.Eval)
	x := b.InputValue("x", tensor.New(tensor.WithShape(1, 1, 2, 4), tensor.WithBacking([]float32{
		1, 9, 2, 3,
		4, 5, 8, 6,
	})))
	out, indices, err := pool.ForwardWithIndices(b, x)
	if err != nil {
		log.Fatal(err)
	}
	up, err := ops.MaxUnpool2D(out, indices, 2, 4)
	if err != nil {
		log.Fatal(err)
	}
	var ov, iv, uv G.Value
	G.Read(out, &ov)
	G.Read(indices, &iv)
	G.Read(up, &uv)
	m, err := graph.NewMachine(b.Graph())
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	if err := graph.Run(m); err != nil {
		log.Fatal(err)
	}
	fmt.Println("pooled", ov.Data(), "indices", iv.Data())
	fmt.Println("unpooled", uv.Data())
	// Output:
	// pooled [9 8] indices [1 6]
	// unpooled [0 9 0 0 0 0 8 0]
}
