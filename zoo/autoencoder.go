package zoo

import (
	"fmt"
	"strconv"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// Part is a piece of a zoo model (an autoencoder's encoder or decoder) that
// is a Layer of its own: it shares its Params with the model, so training
// the model trains the part, and nn.Predict on the part caches its graphs.
// Its Param names are relative to the part ("e1.weight" as in the model).
//
// A Part is a model of its own (Forward, Params, Children, Child and Name
// as every zoo model), named after the model and the part.
type Part struct {
	model
}

// String prints the part's name, such as "ConvAutoencoder.encoder".
func (p *Part) String() string { return p.name }

// Autoencoder is an encoder followed by a decoder trained to reproduce its
// input (Hinton & Salakhutdinov 2006): the encoder compresses an image to a
// code (for dimensionality reduction: a 2-D code can be plotted), the
// decoder rebuilds the image from it. Trained on noisy inputs with clean
// targets it becomes a denoising autoencoder (Vincent et al. 2008); the
// noise can come from the data (added Gaussian or salt-and-pepper noise)
// or from WithDropout, which drops input pixels in training graphs only.
//
// The Params are those of the encoder followed by those of the decoder,
// with the names of the layers listed by each constructor.
type Autoencoder struct {
	model
	encoder, decoder *Part
}

// Encoder returns the encoder as a Layer sharing the model's Params:
// images to codes.
func (a *Autoencoder) Encoder() *Part { return a.encoder }

// Decoder returns the decoder as a Layer sharing the model's Params: codes
// to images.
func (a *Autoencoder) Decoder() *Part { return a.decoder }

// newAutoencoder splits children after the first nEnc into encoder and
// decoder.
func newAutoencoder(name, desc string, children []nn.Child, nEnc int) *Autoencoder {
	return &Autoencoder{
		model:   model{name: name, desc: desc, net: seq(children...)},
		encoder: &Part{model{name: name + ".encoder", net: seq(children[:nEnc]...)}},
		decoder: &Part{model{name: name + ".decoder", net: seq(children[nEnc:]...)}},
	}
}

// DenseAutoencoder returns a fully connected autoencoder for (N, C, 28, 28)
// images (C = 1 by default, WithInputChannels) with a code of codeSize
// numbers (2 to plot the codes, 32 for a compact representation):
//
//	encoder: flatten, [noise Dropout], enc1 Dense(C·784, 256) ReLU, enc2 Dense(256, 64) ReLU, code Dense(64, codeSize)
//	decoder: dec1 Dense(codeSize, 64) ReLU, dec2 Dense(64, 256) ReLU, out Dense(256, C·784) Sigmoid, reshape (C, 28, 28)
//
// The code layer is linear (no activation), the output is a sigmoid, so
// images should be scaled to [0, 1] (binary cross-entropy or MSE loss).
// Output (N, C, 28, 28), the input's shape. Encoder() maps (N, C, 28, 28)
// to (N, codeSize), Decoder() maps (N, codeSize) to (N, C, 28, 28).
// Params: enc1, enc2, code, dec1, dec2, out (weight, bias). Options:
// WithHidden (default 256, 64; the decoder mirrors it), WithDropout
// (input noise, default 0: no noise layer), WithInputChannels, WithSeed,
// WithDtype.
func DenseAutoencoder(codeSize int, opts ...DenseAutoencoderOption) (*Autoencoder, error) {
	const kind = "DenseAutoencoder"
	c, err := newConfig(kind, config{inChannels: 1, hidden: []int{256, 64}}, opts)
	if err != nil {
		return nil, err
	}
	if codeSize <= 0 {
		return nil, argError(kind, "code size must be positive, got %d", codeSize)
	}
	mk := &maker{kind: kind, c: c}
	features := c.inChannels * 28 * 28
	children := []nn.Child{child("flatten", flatten())}
	if c.dropout > 0 {
		children = append(children, child("noise", mk.dropout(c.dropout)))
	}
	in := features
	for i, h := range c.hidden {
		n := "enc" + strconv.Itoa(i+1)
		children = append(children, child(n, mk.dense(in, h)), child(n+"_relu", relu()))
		in = h
	}
	children = append(children, child("code", mk.dense(in, codeSize)))
	nEnc := len(children)
	in = codeSize
	for i := len(c.hidden) - 1; i >= 0; i-- {
		n := "dec" + strconv.Itoa(len(c.hidden)-i)
		children = append(children, child(n, mk.dense(in, c.hidden[i])), child(n+"_relu", relu()))
		in = c.hidden[i]
	}
	reshape, err := nn.NewReshape(c.inChannels, 28, 28)
	if err != nil {
		return nil, errors.WithMessage(err, "zoo: "+kind)
	}
	children = append(children, child("out", mk.dense(in, features)), child("sigmoid", sigmoid()), child("reshape", reshape))
	if mk.err != nil {
		return nil, mk.err
	}
	a := newAutoencoder(kind, fmt.Sprintf("%d -> %v -> %d", features, c.hidden, codeSize), children, nEnc)
	return a, a.finish(a, c.seed)
}

// ConvAutoencoder returns the convolutional autoencoder of the W4
// benchmark (shared/bench/torch_bench.py) for (N, C, H, W) images with H
// and W divisible by 4 (28x28 MNIST: code 16x7x7):
//
//	encoder: [noise Dropout], e1 Conv(C, 32, 3, pad 1) ReLU MaxPool(2), e2 Conv(32, 16, 3, pad 1) ReLU MaxPool(2)
//	decoder: d1 ConvTranspose(16, 16, 2, stride 2) ReLU, d2 ConvTranspose(16, 32, 2, stride 2) ReLU,
//	         d3 Conv(32, C, 3, pad 1) Sigmoid
//
// Output (N, C, H, W) in (0, 1); Encoder() maps it to (N, 16, H/4, W/4)
// and Decoder() back. With C = 1 it has 8,353 parameters, named as the
// benchmark's PyTorch module (e1, e2, d1, d2, d3: weight and bias), so its
// state_dict loads. Initialisation: PyTorch's defaults. Options:
// WithDropout (input noise, default 0: no noise layer), WithInputChannels
// (default 1), WithSeed, WithDtype.
func ConvAutoencoder(opts ...ConvAutoencoderOption) (*Autoencoder, error) {
	const kind = "ConvAutoencoder"
	c, err := newConfig(kind, config{inChannels: 1}, opts)
	if err != nil {
		return nil, err
	}
	mk := &maker{kind: kind, c: c}
	var children []nn.Child
	if c.dropout > 0 {
		children = append(children, child("noise", mk.dropout(c.dropout)))
	}
	children = append(children,
		child("divisible", divisibleBy{kind: kind, div: 4}),
		child("e1", mk.conv(c.inChannels, 32, 3, padOpt(1))), child("e1_relu", relu()), child("pool1", mk.maxPool(2, 2, 0, false)),
		child("e2", mk.conv(32, 16, 3, padOpt(1))), child("e2_relu", relu()), child("pool2", mk.maxPool(2, 2, 0, false)),
	)
	nEnc := len(children)
	children = append(children,
		child("d1", mk.convT(16, 16, 2, strideOpt(2))), child("d1_relu", relu()),
		child("d2", mk.convT(16, 32, 2, strideOpt(2))), child("d2_relu", relu()),
		child("d3", mk.conv(32, c.inChannels, 3, padOpt(1))), child("sigmoid", sigmoid()),
	)
	if mk.err != nil {
		return nil, mk.err
	}
	a := newAutoencoder(kind, fmt.Sprintf("channels=%d", c.inChannels), children, nEnc)
	return a, a.finish(a, c.seed)
}

// divisibleBy is a parameterless check layer: it passes x through when its
// spatial sizes are divisible by div and otherwise returns an error naming
// the model, the size and the divisor.
type divisibleBy struct {
	kind string
	div  int
	why  string
}

// Forward checks x's spatial sizes.
func (d divisibleBy) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if x == nil || x.Shape().Dims() != 4 {
		var s []int
		if x != nil {
			s = x.Shape()
		}
		return nil, graph.ShapeErrorf("zoo: %s: input must be rank 4 (N, C, H, W), got shape %s", d.kind, graph.FormatShape(s))
	}
	h, w := x.Shape()[2], x.Shape()[3]
	if h%d.div != 0 || w%d.div != 0 || h == 0 || w == 0 {
		why := d.why
		if why != "" {
			why = " (" + why + ")"
		}
		return nil, graph.ShapeErrorf("zoo: %s: input size (%d, %d) must be divisible by %d%s, got input shape %s",
			d.kind, h, w, d.div, why, graph.FormatShape(x.Shape()))
	}
	return x, nil
}

// Params is empty.
func (d divisibleBy) Params() []graph.NamedParam { return nil }

// String prints "InputCheck(H, W divisible by 4)".
func (d divisibleBy) String() string { return fmt.Sprintf("InputCheck(H, W divisible by %d)", d.div) }
