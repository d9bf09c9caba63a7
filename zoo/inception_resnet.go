package zoo

import (
	"fmt"
	"strconv"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// InceptionResNetBlock is a residual Inception block (Szegedy et al. 2017,
// "Inception-v4, Inception-ResNet and the Impact of Residual Connections
// on Learning", https://arxiv.org/abs/1602.07261):
//
//	y = ReLU(x + scale · up(concat(branch_0(x), branch_1(x), ...)))
//
// where every branch is a chain of conv2d_bn (convolution without bias,
// BatchNorm with β only, ReLU) and "up" is a 1x1 convolution with bias and
// no BatchNorm that projects the concatenation back to the input's
// channels. Scaling the residual (0.17, 0.1 and 0.2 for the A, B and C
// blocks of Inception-ResNet-v2) keeps very wide residual networks stable
// early in training. The last block of Inception-ResNet-v2 leaves out the
// ReLU.
//
// Input (N, C, H, W); output (N, C, H, W). Params: branch_i.j.conv.weight,
// branch_i.j.bn.bias (with running statistics), conv.weight, conv.bias.
type InceptionResNetBlock struct {
	name     string
	in       int
	branches []nn.Child
	up       nn.Layer
	scale    float64
	act      bool
	relu     nn.Layer // after the sum, when act
}

// Forward computes ReLU(x + scale·up(concat(branches(x)))).
func (r *InceptionResNetBlock) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	outs := make([]*G.Node, len(r.branches))
	for i, br := range r.branches {
		y, err := nn.Call(b, br.Name, br.Layer, x)
		if err != nil {
			return nil, err
		}
		outs[i] = y
	}
	mixed, err := nn.Concat(b, outs...)
	if err != nil {
		return nil, err
	}
	up, err := nn.Call(b, "conv", r.up, mixed)
	if err != nil {
		return nil, err
	}
	if !graph.SameShape(up.Shape(), x.Shape()) {
		return nil, graph.ShapeErrorf("zoo: %s %q: residual %s differs from the input %s", r.name, b.Path(), graph.FormatShape(up.Shape()), graph.FormatShape(x.Shape()))
	}
	y, err := nn.ScaledAdd(b, x, up, r.scale)
	if err != nil {
		return nil, errors.WithMessagef(err, "zoo: %s %q", r.name, b.Path())
	}
	if !r.act {
		return y, nil
	}
	return nn.Call(b, "relu", r.relu, y)
}

// Params lists the branches' Params and the projection's ("conv.weight",
// "conv.bias").
func (r *InceptionResNetBlock) Params() []graph.NamedParam { return nn.ChildParams(r.Children()...) }

// Children returns the branches and the projection "conv".
func (r *InceptionResNetBlock) Children() []nn.Child {
	return append(append([]nn.Child(nil), r.branches...), child("conv", r.up))
}

// Scale is the residual scale.
func (r *InceptionResNetBlock) Scale() float64 { return r.scale }

// String prints "Block35(320, scale=0.17)".
func (r *InceptionResNetBlock) String() string {
	s := fmt.Sprintf("%s(%d, scale=%g", r.name, r.in, r.scale)
	if !r.act {
		s += ", no relu"
	}
	return s + ")"
}

// step is one layer of a branch: a conv2d_bn, or a pooling when pool is set.
type step struct {
	convBNSpec
	pool    poolKind
	pk, ps  int // pooling kernel and stride (padding: none, or k/2 for "same")
	samePad bool
}

type poolKind int

const (
	noPool poolKind = iota
	maxPoolStep
	avgPoolStep // Keras "same" average pooling: padding excluded from the mean
)

// cbn is a stride-1 "same" conv2d_bn with a kh x kw kernel.
func cbn(out, kh, kw int) step { return step{convBNSpec: convBNSpec{out: out, kh: kh, kw: kw}} }

// cbnValid is a "valid" conv2d_bn with a k x k kernel and the given stride.
func cbnValid(out, k, stride int) step {
	return step{convBNSpec: convBNSpec{out: out, kh: k, kw: k, stride: stride, valid: true}}
}

// maxPoolValid is Keras's MaxPooling2D(k, strides=s), padding "valid".
func maxPoolValid(k, s int) step { return step{pool: maxPoolStep, pk: k, ps: s} }

// avgPoolSame is Keras's AveragePooling2D(k, strides=1, padding="same").
func avgPoolSame(k int) step { return step{pool: avgPoolStep, pk: k, ps: 1, samePad: true} }

// branch builds a chain of steps from in channels; it returns the chain and
// its output channels.
func (mk *maker) branch(in int, steps ...step) (nn.Layer, int) {
	var layers []nn.Layer
	for _, s := range steps {
		switch s.pool {
		case maxPoolStep, avgPoolStep:
			p := 0
			if s.samePad {
				p = s.pk / 2
			}
			if s.pool == maxPoolStep {
				layers = append(layers, mk.maxPool(s.pk, s.ps, p, false))
			} else {
				layers = append(layers, mk.avgPool(s.pk, s.ps, p, true))
			}
		default:
			layers = append(layers, mk.convBN(kerasConvBN, in, s.convBNSpec))
			in = s.out
		}
	}
	return indexed(layers...), in
}

// mixed builds an Inception module of Keras-style branches named branch_0,
// branch_1, ... and branch_pool for a branch that starts with a pooling.
func (mk *maker) mixed(name string, in int, branches ...[]step) nn.Layer {
	var children []nn.Child
	i := 0
	for _, st := range branches {
		l, _ := mk.branch(in, st...)
		n := "branch_" + strconv.Itoa(i)
		if len(st) > 0 && st[0].pool != noPool {
			n = "branch_pool"
		} else {
			i++
		}
		children = append(children, child(n, l))
	}
	return mk.inceptionModule(name, in, children...)
}

// irBlock builds an InceptionResNetBlock on in channels.
func (mk *maker) irBlock(name string, in int, scale float64, act bool, branches ...[]step) nn.Layer {
	if mk.err != nil {
		return nil
	}
	var children []nn.Child
	width := 0
	for i, st := range branches {
		l, out := mk.branch(in, st...)
		width += out
		children = append(children, child("branch_"+strconv.Itoa(i), l))
	}
	up := mk.conv(width, in, 1, nn.WithWeightInit(graph.GlorotUniform()), nn.WithBiasInit(graph.Zeros()))
	if mk.err != nil {
		return nil
	}
	return &InceptionResNetBlock{name: name, in: in, branches: children, up: up, scale: scale, act: act, relu: relu()}
}

// The residual blocks of Keras's InceptionResNetV2 (inception_resnet_block).
func (mk *maker) block35(in int, scale float64, act bool) nn.Layer {
	return mk.irBlock("Block35", in, scale, act,
		[]step{cbn(32, 1, 1)},
		[]step{cbn(32, 1, 1), cbn(32, 3, 3)},
		[]step{cbn(32, 1, 1), cbn(48, 3, 3), cbn(64, 3, 3)})
}

// block35v1 is Inception-ResNet-v1's A block (the paper's Figure 10), as
// the lecture draws it: three branches of 32 channels, the third with two
// 3x3 convolutions.
func (mk *maker) block35v1(in int, scale float64, act bool) nn.Layer {
	return mk.irBlock("Block35V1", in, scale, act,
		[]step{cbn(32, 1, 1)},
		[]step{cbn(32, 1, 1), cbn(32, 3, 3)},
		[]step{cbn(32, 1, 1), cbn(32, 3, 3), cbn(32, 3, 3)})
}

func (mk *maker) block17(in int, scale float64, act bool) nn.Layer {
	return mk.irBlock("Block17", in, scale, act,
		[]step{cbn(192, 1, 1)},
		[]step{cbn(128, 1, 1), cbn(160, 1, 7), cbn(192, 7, 1)})
}

func (mk *maker) block8(in int, scale float64, act bool) nn.Layer {
	return mk.irBlock("Block8", in, scale, act,
		[]step{cbn(192, 1, 1)},
		[]step{cbn(192, 1, 1), cbn(224, 1, 3), cbn(256, 3, 1)})
}

// The reduction blocks: Reduction-A with the paper's (k, l, m, n) and
// Reduction-B of Inception-ResNet-v2.
func (mk *maker) reductionA(name string, in, k, l, m, n int) nn.Layer {
	return mk.mixed(name, in,
		[]step{cbnValid(n, 3, 2)},
		[]step{cbn(k, 1, 1), cbn(l, 3, 3), cbnValid(m, 3, 2)},
		[]step{maxPoolValid(3, 2)})
}

func (mk *maker) reductionB(name string, in int) nn.Layer {
	return mk.mixed(name, in,
		[]step{cbn(256, 1, 1), cbnValid(384, 3, 2)},
		[]step{cbn(256, 1, 1), cbnValid(288, 3, 2)},
		[]step{cbn(256, 1, 1), cbn(288, 3, 3), cbnValid(320, 3, 2)},
		[]step{maxPoolValid(3, 2)})
}

// newBlock wraps an exported block constructor.
func newBlock(kind string, in int, scale float64, opts []BlockOption, build func(mk *maker) nn.Layer) (nn.Layer, error) {
	c, err := newConfig(kind, config{inChannels: 1}, opts)
	if err != nil {
		return nil, err
	}
	if in <= 0 {
		return nil, argError(kind, "input channels must be positive, got %d", in)
	}
	mk := &maker{kind: kind, c: c}
	l := build(mk)
	if mk.err != nil {
		return nil, mk.err
	}
	return l, nn.Initialize(l, c.seed)
}

// NewInceptionResNetA returns Inception-ResNet-v2's A block (block35, used
// at 35x35 with in = 320 and scale 0.17): branches 1x1 32; 1x1 32 -> 3x3
// 32; 1x1 32 -> 3x3 48 -> 3x3 64; concatenated (128) and projected back to
// in channels. Options: WithSeed, WithDtype.
func NewInceptionResNetA(in int, scale float64, opts ...BlockOption) (*InceptionResNetBlock, error) {
	l, err := newBlock("NewInceptionResNetA", in, scale, opts, func(mk *maker) nn.Layer { return mk.block35(in, scale, true) })
	if err != nil {
		return nil, err
	}
	return l.(*InceptionResNetBlock), nil
}

// NewInceptionResNetV1A returns Inception-ResNet-v1's A block (the
// paper's Figure 10; used at 35x35 with in = 256, and a scale between 0.1
// and 0.3 — FaceNet's implementations use 0.17) as the lecture draws it:
//
//	branch_0: 1x1 32
//	branch_1: 1x1 32 -> 3x3 32
//	branch_2: 1x1 32 -> 3x3 32 -> 3x3 32
//	concat (96) -> conv: 1x1 back to in channels (with bias, no BatchNorm)
//	y = ReLU(x + scale · conv(concat))
//
// Every 1x1/3x3 step is a conv2d_bn (stride 1, "same" padding, no bias,
// BatchNorm with β only, ReLU), as in NewInceptionResNetA, the v2 block,
// whose third branch widens to 48 and 64.
//
// Shapes: input (N, in, H, W); each branch (N, 32, H, W); concat
// (N, 96, H, W); output (N, in, H, W).
//
// Parameters (BatchNorm running statistics excluded):
//
//	1x1 convolutions  3 · (in·32 + 32)
//	3x3 convolutions  3 · (9·32·32 + 32) = 27,744
//	projection        96·in + in
//	total             193·in + 27,840   (77,248 for in = 256)
//
// Options: WithSeed, WithDtype.
func NewInceptionResNetV1A(in int, scale float64, opts ...BlockOption) (*InceptionResNetBlock, error) {
	l, err := newBlock("NewInceptionResNetV1A", in, scale, opts, func(mk *maker) nn.Layer { return mk.block35v1(in, scale, true) })
	if err != nil {
		return nil, err
	}
	return l.(*InceptionResNetBlock), nil
}

// NewInceptionResNetB returns Inception-ResNet-v2's B block (block17, used
// at 17x17 with in = 1088 and scale 0.1): branches 1x1 192; 1x1 128 -> 1x7
// 160 -> 7x1 192; concatenated (384) and projected back to in channels.
// Options: WithSeed, WithDtype.
func NewInceptionResNetB(in int, scale float64, opts ...BlockOption) (*InceptionResNetBlock, error) {
	l, err := newBlock("NewInceptionResNetB", in, scale, opts, func(mk *maker) nn.Layer { return mk.block17(in, scale, true) })
	if err != nil {
		return nil, err
	}
	return l.(*InceptionResNetBlock), nil
}

// NewInceptionResNetC returns Inception-ResNet-v2's C block (block8, used
// at 8x8 with in = 2080 and scale 0.2): branches 1x1 192; 1x1 192 -> 1x3
// 224 -> 3x1 256; concatenated (448) and projected back to in channels.
// Options: WithSeed, WithDtype.
func NewInceptionResNetC(in int, scale float64, opts ...BlockOption) (*InceptionResNetBlock, error) {
	l, err := newBlock("NewInceptionResNetC", in, scale, opts, func(mk *maker) nn.Layer { return mk.block8(in, scale, true) })
	if err != nil {
		return nil, err
	}
	return l.(*InceptionResNetBlock), nil
}

// InceptionResNet is an Inception-ResNet classifier: a stem, Inception-
// ResNet blocks between reduction blocks, a final 1x1 conv2d_bn, global
// average pooling and a dense layer "predictions".
type InceptionResNet struct {
	model
	counts [3]int
}

// BlockCounts returns the number of A, B and C residual blocks.
func (m *InceptionResNet) BlockCounts() [3]int { return m.counts }

// InceptionResNetV2 returns Inception-ResNet-v2 with exactly the layer
// structure of Keras's keras.applications.InceptionResNetV2 (every
// conv2d_bn is a convolution without bias, a BatchNorm with β only
// (scale=False, epsilon 1e-3) and a ReLU; "same" padding unless marked
// valid):
//
//	stem:     conv2d_1a 3x3/2 valid 32, conv2d_2a 3x3 valid 32, conv2d_2b 3x3 64,
//	          maxpool_3a 3x3/2, conv2d_3b 1x1 80, conv2d_4a 3x3 valid 192, maxpool_5a 3x3/2
//	mixed_5b: 1x1 96 | 1x1 48 -> 5x5 64 | 1x1 64 -> 3x3 96 -> 3x3 96 | avgpool 3x3 -> 1x1 64  (320)
//	block35_1..10:  A blocks, scale 0.17                                (35x35x320)
//	mixed_6a: 3x3/2 384 | 1x1 256 -> 3x3 256 -> 3x3/2 384 | maxpool 3x3/2  (17x17x1088)
//	block17_1..20:  B blocks, scale 0.1
//	mixed_7a: 1x1 256 -> 3x3/2 384 | 1x1 256 -> 3x3/2 288 | 1x1 256 -> 3x3 288 -> 3x3/2 320 | maxpool  (8x8x2080)
//	block8_1..9:    C blocks, scale 0.2; block8_10: scale 1, no ReLU
//	conv_7b:  1x1 1536, avg_pool (global), predictions Dense(1536, numClasses)
//
// The average pooling of mixed_5b leaves the padding out of the mean, as
// Keras does. Input (N, 3, H, W) with H, W >= 75 (299 in the paper);
// output logits (N, numClasses) (Keras applies a softmax). It has
// 55,813,192 learnable parameters at 1000 classes, Keras's trainable
// parameter count; the BatchNorm running statistics are buffers. Params are
// named after Keras's layers (conv2d_1a.conv.weight, mixed_5b.branch_1.1.bn.bias,
// block35_1.conv.bias, conv_7b.bn.running_var, predictions.weight, ...).
// Initialisation as Keras: Glorot-uniform kernels, zero biases. BatchNorm
// momentum 0.01 in PyTorch's convention (Keras's 0.99). Options:
// WithInputChannels (default 3), WithSeed, WithDtype.
func InceptionResNetV2(numClasses int, opts ...InceptionResNetV2Option) (*InceptionResNet, error) {
	const kind = "InceptionResNetV2"
	c, err := newModelConfig(kind, numClasses, config{inChannels: 3}, opts)
	if err != nil {
		return nil, err
	}
	mk := &maker{kind: kind, c: c}
	conv := func(in int, s step) nn.Layer { return mk.convBN(kerasConvBN, in, s.convBNSpec) }
	children := []nn.Child{
		child("conv2d_1a", conv(c.inChannels, cbnValid(32, 3, 2))),
		child("conv2d_2a", conv(32, cbnValid(32, 3, 1))),
		child("conv2d_2b", conv(32, cbn(64, 3, 3))),
		child("maxpool_3a", mk.maxPool(3, 2, 0, false)),
		child("conv2d_3b", conv(64, cbnValid(80, 1, 1))),
		child("conv2d_4a", conv(80, cbnValid(192, 3, 1))),
		child("maxpool_5a", mk.maxPool(3, 2, 0, false)),
		child("mixed_5b", mk.mixed("Mixed5b", 192,
			[]step{cbn(96, 1, 1)},
			[]step{cbn(48, 1, 1), cbn(64, 5, 5)},
			[]step{cbn(64, 1, 1), cbn(96, 3, 3), cbn(96, 3, 3)},
			[]step{avgPoolSame(3), cbn(64, 1, 1)})),
	}
	for i := 1; i <= 10; i++ {
		children = append(children, child("block35_"+strconv.Itoa(i), mk.block35(320, 0.17, true)))
	}
	children = append(children, child("mixed_6a", mk.reductionA("Mixed6a", 320, 256, 256, 384, 384)))
	for i := 1; i <= 20; i++ {
		children = append(children, child("block17_"+strconv.Itoa(i), mk.block17(1088, 0.1, true)))
	}
	children = append(children, child("mixed_7a", mk.reductionB("Mixed7a", 1088)))
	for i := 1; i <= 9; i++ {
		children = append(children, child("block8_"+strconv.Itoa(i), mk.block8(2080, 0.2, true)))
	}
	children = append(children, child("block8_10", mk.block8(2080, 1, false)))
	children = append(children,
		child("conv_7b", conv(2080, cbn(1536, 1, 1))),
		child("avg_pool", mk.adaptiveAvg(1, 1)),
		child("flatten", flatten()),
		child("predictions", mk.dense(1536, numClasses, nn.WithWeightInit(graph.GlorotUniform()), nn.WithBiasInit(graph.Zeros()))),
	)
	if mk.err != nil {
		return nil, mk.err
	}
	m := &InceptionResNet{model: model{name: kind, desc: fmt.Sprintf("classes=%d", numClasses), net: seq(children...)}, counts: [3]int{10, 20, 10}}
	return m, m.finish(m, c.seed)
}

// InceptionResNetSmall returns a small Inception-ResNet for 28x28 images
// (MNIST) built from the same blocks, with Keras's conv2d_bn:
//
//	stem:     conv2d_1a 3x3 32, conv2d_2a 3x3/2 valid 64                 (13x13x64)
//	block35_1, block35_2: A-style blocks (1x1 16 | 1x1 16 -> 3x3 16 | 1x1 16 -> 3x3 24 -> 3x3 32), scale 0.17
//	mixed_6a: Reduction-A (k, l, m, n) = (32, 48, 64, 64)                (6x6x192)
//	block17_1, block17_2: B-style blocks (1x1 48 | 1x1 32 -> 1x7 40 -> 7x1 48), scale 0.1
//	conv_7b:  1x1 256, avg_pool (global), dropout, predictions Dense(256, numClasses)
//
// Input (N, C, H, W), C = 1 by default, H and W >= 7; output logits
// (N, numClasses). Options: WithDropout (default 0.2), WithInputChannels,
// WithSeed, WithDtype.
func InceptionResNetSmall(numClasses int, opts ...InceptionResNetSmallOption) (*InceptionResNet, error) {
	const kind = "InceptionResNetSmall"
	c, err := newModelConfig(kind, numClasses, config{inChannels: 1, dropout: 0.2}, opts)
	if err != nil {
		return nil, err
	}
	mk := &maker{kind: kind, c: c}
	conv := func(in int, s step) nn.Layer { return mk.convBN(kerasConvBN, in, s.convBNSpec) }
	blockA := func() nn.Layer {
		return mk.irBlock("Block35", 64, 0.17, true,
			[]step{cbn(16, 1, 1)},
			[]step{cbn(16, 1, 1), cbn(16, 3, 3)},
			[]step{cbn(16, 1, 1), cbn(24, 3, 3), cbn(32, 3, 3)})
	}
	blockB := func() nn.Layer {
		return mk.irBlock("Block17", 192, 0.1, true,
			[]step{cbn(48, 1, 1)},
			[]step{cbn(32, 1, 1), cbn(40, 1, 7), cbn(48, 7, 1)})
	}
	children := []nn.Child{
		child("conv2d_1a", conv(c.inChannels, cbn(32, 3, 3))),
		child("conv2d_2a", conv(32, cbnValid(64, 3, 2))),
		child("block35_1", blockA()),
		child("block35_2", blockA()),
		child("mixed_6a", mk.reductionA("Mixed6a", 64, 32, 48, 64, 64)),
		child("block17_1", blockB()),
		child("block17_2", blockB()),
		child("conv_7b", conv(192, cbn(256, 1, 1))),
		child("avg_pool", mk.adaptiveAvg(1, 1)),
		child("flatten", flatten()),
		child("dropout", mk.dropout(c.dropout)),
		child("predictions", mk.dense(256, numClasses, nn.WithWeightInit(graph.GlorotUniform()), nn.WithBiasInit(graph.Zeros()))),
	}
	if mk.err != nil {
		return nil, mk.err
	}
	m := &InceptionResNet{model: model{name: kind, desc: fmt.Sprintf("classes=%d", numClasses), net: seq(children...)}, counts: [3]int{2, 2, 0}}
	return m, m.finish(m, c.seed)
}
