package zoo

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// WithWidthMultiplier scales the channels of every MobileNetV2 layer by
// alpha (the paper's width multiplier; torchvision's width_mult), each
// rounded to a multiple of 8 as torchvision's _make_divisible does; the
// last 1x1 convolution keeps 1280 channels for alpha < 1. Default 1.
func WithWidthMultiplier(alpha float64) MobileNetOption {
	return mobileOpt(func(c *config) { c.widthMultSet = true; c.widthMult = alpha })
}

// MobileNet is Sandler et al.'s MobileNetV2 (2018,
// https://arxiv.org/abs/1801.04381) in torchvision's layout; see
// MobileNetV2.
type MobileNet struct {
	model
	width float64
}

// Width returns the width multiplier.
func (m *MobileNet) Width() float64 { return m.width }

// mobileNetV2Stages is the paper's Table 2 (torchvision's
// inverted_residual_setting): expansion t, output channels c, blocks n,
// stride s of the first block.
var mobileNetV2Stages = [...]struct{ t, c, n, s int }{
	{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1},
}

// makeDivisible rounds v to the nearest multiple of d, at least d, and up
// by d when that loses more than 10% (torchvision's _make_divisible).
func makeDivisible(v float64, d int) int {
	n := max(d, int(v+float64(d)/2)/d*d)
	if float64(n) < 0.9*v {
		n += d
	}
	return n
}

// MobileNetV2 is torchvision's mobilenet_v2: 3,504,872 parameters at 1000
// classes and width 1, in torchvision's layout and state_dict names:
//
//	features.0        Conv(C, 32, 3, stride 2, pad 1, no bias) BN ReLU6    (names features.0.0, .1)
//	features.1..17    InvertedResidual blocks, stages (t, c, n, s) =
//	                  (1, 16, 1, 1) (6, 24, 2, 2) (6, 32, 3, 2) (6, 64, 4, 2)
//	                  (6, 96, 3, 1) (6, 160, 3, 2) (6, 320, 1, 1)
//	features.18       Conv(320, 1280, 1, no bias) BN ReLU6
//	                  adaptive average pooling to 1x1, flatten
//	classifier        Dropout(0.2) ("classifier.0"), Dense(1280, numClasses) ("classifier.1")
//
// Channels are scaled by WithWidthMultiplier (32·α, c·α and 1280·max(1, α),
// each by makeDivisible). Input (N, C, H, W), C = 3 (WithInputChannels),
// any H, W (224 in the paper; 32 or more leaves the last stage more than
// one position): the five stride-2 steps divide them by 32, each rounding
// up. Output logits (N, numClasses). Initialised as
// torchvision: convolutions Kaiming-normal (fan_out), BatchNorm weight 1
// and bias 0, the dense layer N(0, 0.01) with bias 0. BatchNorm keeps
// PyTorch's eps 1e-5 and momentum 0.1. Options: WithWidthMultiplier,
// WithDropout (0.2), WithInputChannels, WithSeed, WithDtype.
func MobileNetV2(numClasses int, opts ...MobileNetOption) (*MobileNet, error) {
	const name = "MobileNetV2"
	c, err := newModelConfig(name, numClasses, config{inChannels: 3, dropout: 0.2, widthMult: 1}, opts)
	if err != nil {
		return nil, err
	}
	w := c.widthMult
	mk := &maker{kind: name, c: c}
	in := makeDivisible(32*w, 8)
	last := makeDivisible(1280*max(1, w), 8)
	features := []nn.Layer{mk.convBNReLU6(c.inChannels, in, 3, 2, 1)}
	for _, st := range mobileNetV2Stages {
		out := makeDivisible(float64(st.c)*w, 8)
		for i := range st.n {
			stride := 1
			if i == 0 {
				stride = st.s
			}
			features = append(features, mk.invertedResidual(in, out, stride, st.t))
			in = out
		}
	}
	features = append(features, mk.convBNReLU6(in, last, 1, 1, 1))
	classifier := indexed(mk.dropout(c.dropout),
		mk.dense(last, numClasses, nn.WithWeightInit(graph.Normal(0, 0.01)), nn.WithBiasInit(graph.Zeros())))
	if mk.err != nil {
		return nil, mk.err
	}
	desc := fmt.Sprintf("classes=%d", numClasses)
	if w != 1 {
		desc += fmt.Sprintf(", width=%g", w)
	}
	m := &MobileNet{model: model{name: name, desc: desc, net: seq(
		child("features", indexed(features...)),
		child("avgpool", mk.adaptiveAvg(1, 1)),
		child("flatten", flatten()),
		child("classifier", classifier),
	)}, width: w}
	return m, m.finish(m, c.seed)
}

// convBNReLU6 is torchvision's Conv2dNormActivation with ReLU6: a bias-free
// k x k convolution (stride s, padding (k-1)/2, groups g, Kaiming-normal
// fan_out), a BatchNorm2D and a ReLU6, named "0", "1", "2".
func (mk *maker) convBNReLU6(in, out, k, s, g int) nn.Layer {
	conv := mk.conv(in, out, k, strideOpt(s), padOpt((k-1)/2), noBias(), nn.WithGroups(g), nn.WithWeightInit(graph.HeNormalFanOut()))
	return indexed(conv, mk.bn(out), nn.NewReLU6())
}

// invertedResidual builds one InvertedResidual block.
func (mk *maker) invertedResidual(in, out, stride, expand int) nn.Layer {
	hidden := in * expand
	var layers []nn.Layer
	if expand != 1 {
		layers = append(layers, mk.convBNReLU6(in, hidden, 1, 1, 1))
	}
	layers = append(layers,
		mk.convBNReLU6(hidden, hidden, 3, stride, hidden),
		mk.conv(hidden, out, 1, noBias(), nn.WithWeightInit(graph.HeNormalFanOut())),
		mk.bn(out))
	return &InvertedResidual{in: in, out: out, stride: stride, expand: expand, conv: indexed(layers...)}
}

// NewInvertedResidual returns one MobileNetV2 block from in to out
// channels with the given stride (1 or 2) and expansion t (see
// InvertedResidual). Options: WithSeed, WithDtype.
func NewInvertedResidual(in, out, stride, expand int, opts ...BlockOption) (*InvertedResidual, error) {
	const name = "NewInvertedResidual"
	if out <= 0 || stride <= 0 || expand <= 0 {
		return nil, argError(name, "channels, stride and expansion must be positive, got in=%d, out=%d, stride=%d, expand=%d", in, out, stride, expand)
	}
	l, err := newBlock(name, in, 1, opts, func(mk *maker) nn.Layer { return mk.invertedResidual(in, out, stride, expand) })
	if err != nil {
		return nil, err
	}
	return l.(*InvertedResidual), nil
}

// InvertedResidual is MobileNetV2's block (torchvision's InvertedResidual):
// a 1x1 expansion to in·t channels with BatchNorm and ReLU6 (absent when
// t = 1), a 3x3 depthwise convolution with the block's stride, BatchNorm
// and ReLU6, and a linear 1x1 projection to out channels with BatchNorm;
// the input is added to the result when stride = 1 and in = out. All of it
// is the child "conv" (conv.0 ... conv.3, as torchvision names them).
// Input (N, in, H, W); output (N, out, ceil(H/stride), ceil(W/stride)).
// Parameters, t > 1 and h = in·t: in·h + 2h (expansion) + 9h + 2h
// (depthwise) + h·out + 2·out (projection).
type InvertedResidual struct {
	in, out, stride, expand int
	conv                    *sequence
}

// Residual reports whether the block adds its input to its output.
func (r *InvertedResidual) Residual() bool { return r.stride == 1 && r.in == r.out }

// Forward computes conv(x), plus x when the block is residual.
func (r *InvertedResidual) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	y, err := nn.Call(b, "conv", r.conv, x)
	if err != nil || !r.Residual() {
		return y, err
	}
	// nn.Add names the path and the axis that differs
	sum, err := nn.Add(b, x, y)
	return sum, errors.WithMessagef(err, "zoo: InvertedResidual %q: adding the input (input 0) and the body's output (input 1)", b.Path())
}

// Params lists the Params of "conv" with torchvision's names.
func (r *InvertedResidual) Params() []graph.NamedParam { return nn.ChildParams(r.Children()...) }

// Children returns the one child "conv".
func (r *InvertedResidual) Children() []nn.Child { return []nn.Child{child("conv", r.conv)} }

// String prints the block like "InvertedResidual(16 -> 24, t=6, stride 2)".
func (r *InvertedResidual) String() string {
	s := fmt.Sprintf("InvertedResidual(%d -> %d, t=%d", r.in, r.out, r.expand)
	if r.stride != 1 {
		s += fmt.Sprintf(", stride %d", r.stride)
	}
	if r.Residual() {
		s += ", residual"
	}
	return s + ")"
}
