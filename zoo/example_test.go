package zoo_test

import (
	"fmt"

	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/zoo"
	"gorgonia.org/tensor"
)

// ResNet18 has torchvision's parameters: names, shapes and count.
func ExampleResNet18() {
	m, err := zoo.ResNet18(1000)
	if err != nil {
		panic(err)
	}
	fmt.Println(m, nn.NumParams(m))
	ps := nn.NamedParams(m)
	for _, np := range ps[:3] {
		fmt.Println(np.Name, np.Param.Shape())
	}
	fmt.Println(ps[len(ps)-2].Name, ps[len(ps)-2].Param.Shape())
	// Output:
	// ResNet18(classes=1000) 11689512
	// conv1.weight (64, 3, 7, 7)
	// bn1.weight (64)
	// bn1.bias (64)
	// fc.weight (1000, 512)
}

// WithSmallInput and WithInputChannels adapt a ResNet to MNIST.
func ExampleResNet18_mnist() {
	m, err := zoo.ResNet18(10, zoo.WithSmallInput(), zoo.WithInputChannels(1))
	if err != nil {
		panic(err)
	}
	y, err := nn.Predict(m, tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(2, 1, 28, 28)))
	if err != nil {
		panic(err)
	}
	fmt.Println(m, nn.NumParams(m), y.Shape())
	// Output: ResNet18(classes=10, small input) 11172810 (2, 10)
}

// InceptionResNetV2 has Keras's trainable parameter count.
func ExampleInceptionResNetV2() {
	m, err := zoo.InceptionResNetV2(1000)
	if err != nil {
		panic(err)
	}
	fmt.Println(nn.NumParams(m), m.BlockCounts())
	// Output: 55813192 [10 20 10]
}

// A UNet returns one map per class at the input's resolution.
func ExampleNewUNet() {
	u, err := zoo.NewUNet(1, zoo.WithBaseWidth(16), zoo.WithDepth(4), zoo.WithSigmoid())
	if err != nil {
		panic(err)
	}
	y, err := nn.Predict(u, tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(2, 1, 64, 64)))
	if err != nil {
		panic(err)
	}
	fmt.Println(u, nn.NumParams(u), y.Shape())
	_, err = nn.Predict(u, tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(1, 1, 60, 60)))
	fmt.Println(err)
	// Output:
	// UNet(in=1, classes=1, depth=4, width=16, sigmoid) 1942289 (2, 1, 64, 64)
	// zoo: UNet: input size (60, 60) must be divisible by 16 (2^depth, depth 4), got input shape (1, 1, 60, 60)
}

// The convolutional autoencoder's encoder and decoder are layers of their
// own that share the model's weights.
func ExampleConvAutoencoder() {
	ae, err := zoo.ConvAutoencoder()
	if err != nil {
		panic(err)
	}
	x := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(3, 1, 28, 28))
	code, err := nn.Predict(ae.Encoder(), x)
	if err != nil {
		panic(err)
	}
	back, err := nn.Predict(ae.Decoder(), code)
	if err != nil {
		panic(err)
	}
	fmt.Println(nn.NumParams(ae), nn.NumParams(ae.Encoder())+nn.NumParams(ae.Decoder()))
	fmt.Println(code.Shape(), back.Shape())
	// Output:
	// 8353 8353
	// (3, 16, 7, 7) (3, 1, 28, 28)
}

// A dense autoencoder with a 2-number code, for plotting digits in 2-D.
func ExampleDenseAutoencoder() {
	ae, err := zoo.DenseAutoencoder(2)
	if err != nil {
		panic(err)
	}
	code, err := nn.Predict(ae.Encoder(), tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(5, 1, 28, 28)))
	if err != nil {
		panic(err)
	}
	fmt.Println(ae, code.Shape())
	// Output: DenseAutoencoder(784 -> [256 64] -> 2) (5, 2)
}

// LeNet5's summary shows the course's formulas for every layer.
func ExampleLeNet5() {
	m, err := zoo.LeNet5(10)
	if err != nil {
		panic(err)
	}
	s, err := nn.Summary(m, []int{1, 1, 28, 28})
	if err != nil {
		panic(err)
	}
	fmt.Print(s)
	// Output:
	// LeNet5(classes=10, tanh), input (1, 1, 28, 28) float32
	// Layer    Type                           Output shape     Params
	// ===============================================================
	// conv1    Conv2D(1, 6, kernel=5, pad=2)  (1, 6, 28, 28)      156
	//            H2 = floor((H1 - k + 2P)/S) + 1 = floor((28 - 5 + 4)/1) + 1 = 28
	//            W2 = floor((W1 - k + 2P)/S) + 1 = floor((28 - 5 + 4)/1) + 1 = 28
	//            params = (k*k*C1)*n + n = (5*5*1)*6 + 6 = 156
	// act1     Tanh()                         (1, 6, 28, 28)        0
	// pool1    AvgPool2D(kernel=2)            (1, 6, 14, 14)        0
	//            H2 = floor((H1 - k + 2P)/S) + 1 = floor((28 - 2 + 0)/2) + 1 = 14
	//            W2 = floor((W1 - k + 2P)/S) + 1 = floor((28 - 2 + 0)/2) + 1 = 14
	//            params = 0
	// conv2    Conv2D(6, 16, kernel=5)        (1, 16, 10, 10)   2,416
	//            H2 = floor((H1 - k + 2P)/S) + 1 = floor((14 - 5 + 0)/1) + 1 = 10
	//            W2 = floor((W1 - k + 2P)/S) + 1 = floor((14 - 5 + 0)/1) + 1 = 10
	//            params = (k*k*C1)*n + n = (5*5*6)*16 + 16 = 2416
	// act2     Tanh()                         (1, 16, 10, 10)       0
	// pool2    AvgPool2D(kernel=2)            (1, 16, 5, 5)         0
	//            H2 = floor((H1 - k + 2P)/S) + 1 = floor((10 - 2 + 0)/2) + 1 = 5
	//            W2 = floor((W1 - k + 2P)/S) + 1 = floor((10 - 2 + 0)/2) + 1 = 5
	//            params = 0
	// flatten  Flatten()                      (1, 400)              0
	// fc1      Dense(400, 120)                (1, 120)         48,120
	//            params = in*out + out = 400*120 + 120 = 48120
	// act3     Tanh()                         (1, 120)              0
	// fc2      Dense(120, 84)                 (1, 84)          10,164
	//            params = in*out + out = 120*84 + 84 = 10164
	// act4     Tanh()                         (1, 84)               0
	// fc3      Dense(84, 10)                  (1, 10)             850
	//            params = in*out + out = 84*10 + 10 = 850
	// ===============================================================
	// Total params: 61,706
	// Trainable params: 61,706
	// Non-trainable params: 0
	// Buffers (not parameters): 0 values in 0 tensors
}

// SegNet's decoder unpools with the encoder's max-pooling indices; the
// output has one score map per class at the input's resolution.
func ExampleNewSegNetSmall() {
	s, err := zoo.NewSegNetSmall(11)
	if err != nil {
		panic(err)
	}
	y, err := nn.Predict(s, tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(2, 1, 64, 64)))
	if err != nil {
		panic(err)
	}
	fmt.Println(s, nn.NumParams(s), y.Shape())
	// Output: SegNetSmall(in=1, classes=11, widths=[16 32 64], convs=[2 2 2]) 148091 (2, 11, 64, 64)
}

// A residual block gets a projection shortcut when the stride or the
// number of channels changes.
func ExampleNewResidualBlock() {
	for _, c := range []struct {
		kind              zoo.BlockKind
		in, planes, strid int
	}{{zoo.Basic, 64, 64, 1}, {zoo.Basic, 64, 128, 2}, {zoo.Bottleneck, 64, 64, 1}} {
		b, err := zoo.NewResidualBlock(c.kind, c.in, c.planes, c.strid)
		if err != nil {
			panic(err)
		}
		fmt.Println(b, nn.NumParams(b))
	}
	// Output:
	// BasicBlock(64 -> 64) 73984
	// BasicBlock(64 -> 128, stride 2, downsample) 230144
	// Bottleneck(64 -> 256, downsample) 75008
}

// GoogLeNet's Inception module concatenates four branches on channels.
func ExampleNewInceptionModule() {
	m, err := zoo.NewInceptionModule(192, 64, 96, 128, 16, 32, 32)
	if err != nil {
		panic(err)
	}
	y, err := nn.Predict(m, tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(1, 192, 28, 28)))
	if err != nil {
		panic(err)
	}
	fmt.Println(m, y.Shape())
	// Output: Inception(192 -> 256: branch1, branch2, branch3, branch4) (1, 256, 28, 28)
}
