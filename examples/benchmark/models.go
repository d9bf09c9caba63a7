package main

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
)

// The four workloads of ../shared/bench/torch_bench.py, layer for layer.

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// relu is the activation option of the convolutions and batch norms
// followed by a ReLU: convnet fuses it into their passes over memory.
func relu() nn.ActivationOption { return nn.WithActivation(nn.NewReLU()) }

// lenet is W1: conv-relu-pool twice, then two dense layers.
func lenet() nn.Layer {
	return must(nn.NewSequentialNamed(
		nn.Child{Name: "conv1", Layer: must(nn.NewConv2D(1, 32, 3, relu()))},
		nn.Child{Name: "pool1", Layer: must(nn.NewMaxPool2D(2))},
		nn.Child{Name: "conv2", Layer: must(nn.NewConv2D(32, 64, 3, relu()))},
		nn.Child{Name: "pool2", Layer: must(nn.NewMaxPool2D(2))},
		nn.Child{Name: "flatten", Layer: nn.NewFlatten()},
		nn.Child{Name: "fc1", Layer: must(nn.NewDense(1600, 128))},
		nn.Child{Name: "relu3", Layer: nn.NewReLU()},
		nn.Child{Name: "fc2", Layer: must(nn.NewDense(128, 10))},
	))
}

// conv3x3 is a bias-free 3x3 convolution with torchvision's init.
func conv3x3(in, out, stride int) nn.Layer {
	return must(nn.NewConv2D(in, out, 3, nn.WithStride(stride), nn.WithPad(1), nn.WithBias(false),
		nn.WithWeightInit(graph.HeNormalFanOut())))
}

// basicBlock is torchvision's BasicBlock followed by its final ReLU.
func basicBlock(in, out, stride int) nn.Layer {
	body := must(nn.NewSequentialNamed(
		nn.Child{Name: "conv1", Layer: conv3x3(in, out, stride)},
		nn.Child{Name: "bn1", Layer: must(nn.NewBatchNorm2D(out, relu()))},
		nn.Child{Name: "conv2", Layer: conv3x3(out, out, 1)},
		nn.Child{Name: "bn2", Layer: must(nn.NewBatchNorm2D(out))},
	))
	var shortcut nn.Layer
	if stride != 1 || in != out {
		shortcut = must(nn.NewSequentialNamed(
			nn.Child{Name: "0", Layer: must(nn.NewConv2D(in, out, 1, nn.WithStride(stride), nn.WithBias(false),
				nn.WithWeightInit(graph.HeNormalFanOut())))},
			nn.Child{Name: "1", Layer: must(nn.NewBatchNorm2D(out))},
		))
	}
	return must(nn.NewSequentialNamed(
		nn.Child{Name: "residual", Layer: must(nn.NewResidual(body, shortcut))},
		nn.Child{Name: "relu", Layer: nn.NewReLU()},
	))
}

// resnet18 is W2: ResNet-18 for 32x32 inputs (3x3 stem, no max pool).
func resnet18() nn.Layer {
	children := []nn.Child{
		{Name: "conv1", Layer: conv3x3(3, 64, 1)},
		{Name: "bn1", Layer: must(nn.NewBatchNorm2D(64, relu()))},
	}
	cfg := [][3]int{{64, 64, 1}, {64, 64, 1}, {64, 128, 2}, {128, 128, 1}, {128, 256, 2}, {256, 256, 1}, {256, 512, 2}, {512, 512, 1}}
	for i, c := range cfg {
		children = append(children, nn.Child{Name: fmt.Sprintf("block%d", i), Layer: basicBlock(c[0], c[1], c[2])})
	}
	children = append(children,
		nn.Child{Name: "avgpool", Layer: nn.NewGlobalAvgPool()},
		nn.Child{Name: "fc", Layer: must(nn.NewDense(512, 10))},
	)
	return must(nn.NewSequentialNamed(children...))
}

// doubleConv is [conv3x3 (no bias) - BN - ReLU] x 2.
func doubleConv(in, out int) nn.Layer {
	return must(nn.NewSequential(
		must(nn.NewConv2D(in, out, 3, nn.WithPad(1), nn.WithBias(false))),
		must(nn.NewBatchNorm2D(out, relu())),
		must(nn.NewConv2D(out, out, 3, nn.WithPad(1), nn.WithBias(false))),
		must(nn.NewBatchNorm2D(out, relu())),
	))
}

// unet is W3: a four-level UNet with 16..256 channels on 64x64 inputs.
type unet struct {
	enc  []nn.Layer
	pool []nn.Layer
	bott nn.Layer
	ups  []nn.Layer
	dec  []nn.Layer
	head nn.Layer
	act  nn.Layer
}

func newUNet() *unet {
	u := &unet{}
	ch := []int{16, 32, 64, 128}
	in := 1
	for _, c := range ch {
		u.enc = append(u.enc, doubleConv(in, c))
		u.pool = append(u.pool, must(nn.NewMaxPool2D(2)))
		in = c
	}
	u.bott = doubleConv(128, 256)
	in = 256
	for i := len(ch) - 1; i >= 0; i-- {
		c := ch[i]
		u.ups = append(u.ups, must(nn.NewConvTranspose2D(in, c, 2, nn.WithStride(2))))
		u.dec = append(u.dec, doubleConv(2*c, c))
		in = c
	}
	u.head = must(nn.NewConv2D(16, 1, 1))
	u.act = nn.NewSigmoid()
	return u
}

func (u *unet) children() []nn.Child {
	var cs []nn.Child
	for i, l := range u.enc {
		cs = append(cs, nn.Child{Name: fmt.Sprintf("enc%d", i), Layer: l})
	}
	cs = append(cs, nn.Child{Name: "bott", Layer: u.bott})
	for i := range u.ups {
		cs = append(cs, nn.Child{Name: fmt.Sprintf("up%d", i), Layer: u.ups[i]}, nn.Child{Name: fmt.Sprintf("dec%d", i), Layer: u.dec[i]})
	}
	return append(cs, nn.Child{Name: "head", Layer: u.head})
}

// Params lists the UNet's weights and buffers.
func (u *unet) Params() []graph.NamedParam { return nn.ChildParams(u.children()...) }

// Forward runs the encoder, keeping the skips, then the decoder.
func (u *unet) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	var skips []*G.Node
	var err error
	for i, e := range u.enc {
		if x, err = nn.Call(b, fmt.Sprintf("enc%d", i), e, x); err != nil {
			return nil, err
		}
		skips = append(skips, x)
		if x, err = nn.Call(b, fmt.Sprintf("pool%d", i), u.pool[i], x); err != nil {
			return nil, err
		}
	}
	if x, err = nn.Call(b, "bott", u.bott, x); err != nil {
		return nil, err
	}
	for i := range u.ups {
		if x, err = nn.Call(b, fmt.Sprintf("up%d", i), u.ups[i], x); err != nil {
			return nil, err
		}
		if x, err = nn.Concat(b, x, skips[len(skips)-1-i]); err != nil {
			return nil, err
		}
		if x, err = nn.Call(b, fmt.Sprintf("dec%d", i), u.dec[i], x); err != nil {
			return nil, err
		}
	}
	if x, err = nn.Call(b, "head", u.head, x); err != nil {
		return nil, err
	}
	return nn.Call(b, "sigmoid", u.act, x)
}

// autoencoder is W4: two conv-relu-pool stages, two stride-2 transposed
// convolutions with ReLU, a 3x3 conv and a sigmoid.
func autoencoder() nn.Layer {
	return must(nn.NewSequential(
		must(nn.NewConv2D(1, 32, 3, nn.WithPad(1), relu())),
		must(nn.NewMaxPool2D(2)),
		must(nn.NewConv2D(32, 16, 3, nn.WithPad(1), relu())),
		must(nn.NewMaxPool2D(2)),
		must(nn.NewConvTranspose2D(16, 16, 2, nn.WithStride(2), relu())),
		must(nn.NewConvTranspose2D(16, 32, 2, nn.WithStride(2), relu())),
		must(nn.NewConv2D(32, 1, 3, nn.WithPad(1))),
		nn.NewSigmoid(),
	))
}
