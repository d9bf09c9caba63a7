package zoo

import (
	"fmt"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	G "gorgonia.org/gorgonia"
)

// convBN is a convolution without bias followed by BatchNorm2D and,
// optionally, ReLU: torchvision's BasicConv2d (GoogLeNet) and Keras's
// conv2d_bn (Inception-ResNet). Params: conv.weight, bn.weight (unless the
// BatchNorm has no scale), bn.bias, bn.running_mean, bn.running_var.
type convBN struct {
	conv, bn  nn.Layer
	act       bool
	in, out   int
	kh, kw, s int
	pad       [2]int
}

// Forward applies the convolution, the BatchNorm and the ReLU.
func (l *convBN) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	chain := []nn.Child{{Name: "conv", Layer: l.conv}, {Name: "bn", Layer: l.bn}}
	if l.act {
		chain = append(chain, nn.Child{Name: "relu", Layer: nn.NewReLU()})
	}
	return nn.CallChain(b, chain, x)
}

// Params lists conv.* and bn.*.
func (l *convBN) Params() []graph.NamedParam { return nn.ChildParams(l.Children()...) }

// Children returns "conv" and "bn".
func (l *convBN) Children() []nn.Child { return []nn.Child{child("conv", l.conv), child("bn", l.bn)} }

// String prints "ConvBN(192 -> 224, k=1x3, pad=(0, 1))".
func (l *convBN) String() string {
	s := fmt.Sprintf("ConvBN(%d -> %d, k=%dx%d", l.in, l.out, l.kh, l.kw)
	if l.s != 1 {
		s += fmt.Sprintf(", stride=%d", l.s)
	}
	if l.pad != [2]int{} {
		s += fmt.Sprintf(", pad=(%d, %d)", l.pad[0], l.pad[1])
	}
	if !l.act {
		s += ", no relu"
	}
	return s + ")"
}

// convBNSpec describes one convBN: output channels, kernel, stride (0
// means 1), padding (none when valid, else (kh/2, kw/2): "same" for odd
// kernels at stride 1) and whether the ReLU is left out.
type convBNSpec struct {
	out, kh, kw, stride int
	valid               bool // no padding; otherwise pad (kh/2, kw/2)
	noAct               bool
}

// bnStyle holds a family's BatchNorm and initialisation settings.
type bnStyle struct {
	bnOpts   []nn.BatchNormOption
	convInit []nn.ConvOption
}

// torchvisionBasicConv is GoogLeNet's BasicConv2d: BatchNorm eps 1e-3,
// convolutions N(0, 0.01) (torchvision's truncated normal at ±2, i.e.
// ±200σ, which never truncates in practice).
var torchvisionBasicConv = bnStyle{
	bnOpts:   []nn.BatchNormOption{nn.WithEps(1e-3)},
	convInit: []nn.ConvOption{nn.WithWeightInit(graph.Normal(0, 0.01))},
}

// kerasConvBN is Keras's conv2d_bn: BatchNormalization(scale=False) with
// epsilon 1e-3 and momentum 0.99 (0.01 in PyTorch's convention),
// Glorot-uniform convolution kernels.
var kerasConvBN = bnStyle{
	bnOpts:   []nn.BatchNormOption{nn.WithScale(false), nn.WithEps(1e-3), nn.WithMomentum(0.01)},
	convInit: []nn.ConvOption{nn.WithWeightInit(graph.GlorotUniform())},
}

// convBN builds one convBN from in channels.
func (mk *maker) convBN(st bnStyle, in int, sp convBNSpec) nn.Layer {
	if mk.err != nil {
		return nil
	}
	kh, kw, s := sp.kh, sp.kw, max(sp.stride, 1)
	var pad [2]int
	if !sp.valid {
		pad = [2]int{kh / 2, kw / 2}
	}
	opts := append([]nn.ConvOption{nn.WithKernel(kh, kw), strideOpt(s), padOpt(pad[0], pad[1]), noBias()}, st.convInit...)
	conv := mk.conv(in, sp.out, kh, opts...)
	bn := mk.bn(sp.out, st.bnOpts...)
	if mk.err != nil {
		return nil
	}
	return &convBN{conv: conv, bn: bn, act: !sp.noAct, in: in, out: sp.out, kh: kh, kw: kw, s: s, pad: pad}
}

// InceptionModule runs parallel branches on one input and concatenates
// their outputs on the channel axis (Szegedy et al. 2015,
// https://arxiv.org/abs/1409.4842). GoogLeNet's modules and
// Inception-ResNet's "mixed" (reduction) blocks are InceptionModules.
//
// Input (N, in, H, W); output (N, Σ branch channels, H', W'), where every
// branch must produce the same H' x W'. Params: each branch's under its
// name ("branch1.conv.weight", "branch2.1.bn.running_mean", ...).
type InceptionModule struct {
	name     string
	in, out  int
	branches []nn.Child
}

// NewInceptionModule returns GoogLeNet's Inception module (the paper's
// Figure 2b) with four branches, each convolution followed by BatchNorm
// and ReLU as in torchvision's BasicConv2d:
//
//	branch1: 1x1 conv to ch1x1
//	branch2: 1x1 conv to ch3x3red, 3x3 conv (pad 1) to ch3x3
//	branch3: 1x1 conv to ch5x5red, 5x5 conv (pad 2) to ch5x5
//	branch4: 3x3 max pooling (stride 1, pad 1), 1x1 conv to poolProj
//
// Input (N, in, H, W); output (N, ch1x1 + ch3x3 + ch5x5 + poolProj, H, W).
// (torchvision's GoogLeNet uses a 3x3 convolution in branch3; zoo.GoogLeNet
// does too.) Options: WithSeed, WithDtype.
func NewInceptionModule(in, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj int, opts ...BlockOption) (*InceptionModule, error) {
	const kind = "NewInceptionModule"
	c, err := newConfig(kind, config{inChannels: 1}, opts)
	if err != nil {
		return nil, err
	}
	for _, v := range []int{in, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj} {
		if v <= 0 {
			return nil, argError(kind, "channel counts must be positive, got in=%d, %d, %d, %d, %d, %d, %d", in, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj)
		}
	}
	mk := &maker{kind: kind, c: c}
	l := mk.googLeNetModule(in, [6]int{ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj}, 5)
	if mk.err != nil {
		return nil, mk.err
	}
	m := l.(*InceptionModule)
	return m, nn.Initialize(m, c.seed)
}

// googLeNetModule builds an Inception module with torchvision's names;
// k5 is the kernel of branch3 (5 in the paper, 3 in torchvision).
func (mk *maker) googLeNetModule(in int, ch [6]int, k5 int) nn.Layer {
	st := torchvisionBasicConv
	return mk.inceptionModule("Inception", in,
		child("branch1", mk.convBN(st, in, convBNSpec{out: ch[0], kh: 1, kw: 1})),
		child("branch2", indexed(mk.convBN(st, in, convBNSpec{out: ch[1], kh: 1, kw: 1}), mk.convBN(st, ch[1], convBNSpec{out: ch[2], kh: 3, kw: 3}))),
		child("branch3", indexed(mk.convBN(st, in, convBNSpec{out: ch[3], kh: 1, kw: 1}), mk.convBN(st, ch[3], convBNSpec{out: ch[4], kh: k5, kw: k5}))),
		child("branch4", indexed(mk.maxPool(3, 1, 1, true), mk.convBN(st, in, convBNSpec{out: ch[5], kh: 1, kw: 1}))),
	)
}

// inceptionModule wraps branches; the output width is the sum of the
// branches' widths (a pooling branch keeps in).
func (mk *maker) inceptionModule(name string, in int, branches ...nn.Child) nn.Layer {
	if mk.err != nil {
		return nil
	}
	out := 0
	for _, b := range branches {
		out += outChannels(b.Layer, in)
	}
	return &InceptionModule{name: name, in: in, out: out, branches: branches}
}

// outChannels is the channel count a branch produces from in channels:
// that of its last convolution, or in for a lone pooling.
func outChannels(l nn.Layer, in int) int {
	switch v := l.(type) {
	case *convBN:
		return v.out
	case *sequence:
		out := in
		for _, c := range v.children {
			out = outChannels(c.Layer, out)
		}
		return out
	}
	return in
}

// Forward runs every branch on x and concatenates the results on axis 1.
func (m *InceptionModule) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	outs := make([]*G.Node, len(m.branches))
	for i, br := range m.branches {
		y, err := nn.Call(b, br.Name, br.Layer, x)
		if err != nil {
			return nil, err
		}
		outs[i] = y
	}
	return nn.Concat(b, outs...)
}

// Params lists the branches' Params under the branch names.
func (m *InceptionModule) Params() []graph.NamedParam { return nn.ChildParams(m.branches...) }

// Children returns the branches.
func (m *InceptionModule) Children() []nn.Child { return append([]nn.Child(nil), m.branches...) }

// OutChannels is the number of output channels (the sum over the branches).
func (m *InceptionModule) OutChannels() int { return m.out }

// String prints "Inception(192 -> 256: branch1, branch2, branch3, branch4)".
func (m *InceptionModule) String() string {
	names := make([]string, len(m.branches))
	for i, b := range m.branches {
		names[i] = b.Name
	}
	return fmt.Sprintf("%s(%d -> %d: %s)", m.name, m.in, m.out, strings.Join(names, ", "))
}

// InceptionNet is an Inception (GoogLeNet) classifier: a stem of
// convolutions, Inception modules separated by max pooling, global average
// pooling, dropout and a dense layer "fc".
type InceptionNet struct{ model }

// GoogLeNet returns torchvision's GoogLeNet (Inception v1, Szegedy et al.
// 2015) without the auxiliary classifiers (torchvision's aux_logits=False,
// transform_input=False):
//
//	conv1 BasicConv(C, 64, 7, stride 2, pad 3), maxpool1 MaxPool(3, 2, ceil)
//	conv2 BasicConv(64, 64, 1), conv3 BasicConv(64, 192, 3, pad 1), maxpool2 MaxPool(3, 2, ceil)
//	inception3a (-> 256), inception3b (-> 480), maxpool3 MaxPool(3, 2, ceil)
//	inception4a..4e (-> 512, 512, 512, 528, 832), maxpool4 MaxPool(2, 2, ceil)
//	inception5a, 5b (-> 832, 1024), avgpool AdaptiveAvgPool2D(1, 1), dropout 0.2, fc Dense(1024, numClasses)
//
// where BasicConv is convolution (no bias), BatchNorm (eps 1e-3), ReLU,
// and branch3 of each module uses a 3x3 convolution as in torchvision.
// Input (N, 3, H, W) with H, W >= 16 (224 in the paper); output logits
// (N, numClasses). Params are named and shaped exactly as torchvision's
// state_dict: 6,624,904 at 1000 classes. Initialisation as torchvision:
// convolutions and fc weights N(0, 0.01), BatchNorm 1 and 0. Options:
// WithDropout (default 0.2), WithInputChannels (default 3), WithSeed,
// WithDtype.
func GoogLeNet(numClasses int, opts ...GoogLeNetOption) (*InceptionNet, error) {
	const kind = "GoogLeNet"
	c, err := newModelConfig(kind, numClasses, config{inChannels: 3, dropout: 0.2}, opts)
	if err != nil {
		return nil, err
	}
	mk := &maker{kind: kind, c: c}
	st := torchvisionBasicConv
	mod := func(in int, ch ...int) nn.Layer { return mk.googLeNetModule(in, [6]int(ch), 3) }
	net := seq(
		child("conv1", mk.convBN(st, c.inChannels, convBNSpec{out: 64, kh: 7, kw: 7, stride: 2})),
		child("maxpool1", mk.maxPool(3, 2, 0, true)),
		child("conv2", mk.convBN(st, 64, convBNSpec{out: 64, kh: 1, kw: 1})),
		child("conv3", mk.convBN(st, 64, convBNSpec{out: 192, kh: 3, kw: 3})),
		child("maxpool2", mk.maxPool(3, 2, 0, true)),
		child("inception3a", mod(192, 64, 96, 128, 16, 32, 32)),
		child("inception3b", mod(256, 128, 128, 192, 32, 96, 64)),
		child("maxpool3", mk.maxPool(3, 2, 0, true)),
		child("inception4a", mod(480, 192, 96, 208, 16, 48, 64)),
		child("inception4b", mod(512, 160, 112, 224, 24, 64, 64)),
		child("inception4c", mod(512, 128, 128, 256, 24, 64, 64)),
		child("inception4d", mod(512, 112, 144, 288, 32, 64, 64)),
		child("inception4e", mod(528, 256, 160, 320, 32, 128, 128)),
		child("maxpool4", mk.maxPool(2, 2, 0, true)),
		child("inception5a", mod(832, 256, 160, 320, 32, 128, 128)),
		child("inception5b", mod(832, 384, 192, 384, 48, 128, 128)),
		child("avgpool", mk.adaptiveAvg(1, 1)),
		child("flatten", flatten()),
		child("dropout", mk.dropout(c.dropout)),
		child("fc", mk.dense(1024, numClasses, nn.WithWeightInit(graph.Normal(0, 0.01)))),
	)
	if mk.err != nil {
		return nil, mk.err
	}
	m := &InceptionNet{model{name: kind, desc: fmt.Sprintf("classes=%d", numClasses), net: net}}
	return m, m.finish(m, c.seed)
}

// GoogLeNetSmall returns a small GoogLeNet for 28x28 images (MNIST), built
// from the same Inception modules (with the paper's 5x5 branch):
//
//	conv1 BasicConv(C, 32, 3, pad 1), conv2 BasicConv(32, 64, 3, pad 1)    28x28
//	maxpool1 MaxPool(2, 2)                                                  14x14
//	inception3a (64 -> 128: 32, 48>64, 8>16, 16), inception3b (128 -> 240: 64, 64>96, 16>48, 32)
//	maxpool2 MaxPool(2, 2)                                                  7x7
//	inception4a (240 -> 320: 96, 64>128, 16>32, 64)
//	avgpool AdaptiveAvgPool2D(1, 1), dropout, fc Dense(320, numClasses)
//
// Input (N, C, H, W), C = 1 by default, H and W >= 4; output logits
// (N, numClasses). Options: WithDropout (default 0.2), WithInputChannels,
// WithSeed, WithDtype.
func GoogLeNetSmall(numClasses int, opts ...GoogLeNetOption) (*InceptionNet, error) {
	const kind = "GoogLeNetSmall"
	c, err := newModelConfig(kind, numClasses, config{inChannels: 1, dropout: 0.2}, opts)
	if err != nil {
		return nil, err
	}
	mk := &maker{kind: kind, c: c}
	st := torchvisionBasicConv
	mod := func(in int, ch ...int) nn.Layer { return mk.googLeNetModule(in, [6]int(ch), 5) }
	net := seq(
		child("conv1", mk.convBN(st, c.inChannels, convBNSpec{out: 32, kh: 3, kw: 3})),
		child("conv2", mk.convBN(st, 32, convBNSpec{out: 64, kh: 3, kw: 3})),
		child("maxpool1", mk.maxPool(2, 2, 0, false)),
		child("inception3a", mod(64, 32, 48, 64, 8, 16, 16)),
		child("inception3b", mod(128, 64, 64, 96, 16, 48, 32)),
		child("maxpool2", mk.maxPool(2, 2, 0, false)),
		child("inception4a", mod(240, 96, 64, 128, 16, 32, 64)),
		child("avgpool", mk.adaptiveAvg(1, 1)),
		child("flatten", flatten()),
		child("dropout", mk.dropout(c.dropout)),
		child("fc", mk.dense(320, numClasses)),
	)
	if mk.err != nil {
		return nil, mk.err
	}
	m := &InceptionNet{model{name: kind, desc: fmt.Sprintf("classes=%d", numClasses), net: net}}
	return m, m.finish(m, c.seed)
}
