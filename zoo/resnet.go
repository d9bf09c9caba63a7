package zoo

import (
	"fmt"
	"strconv"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// BlockKind selects the residual block of a ResNet.
type BlockKind int

const (
	// Basic is ResNet18/34's block: two 3x3 convolutions, expansion 1.
	Basic BlockKind = iota
	// Bottleneck is ResNet50/101/152's block: 1x1 reduce, 3x3 (carrying
	// the stride, torchvision's "v1.5"), 1x1 expand by 4.
	Bottleneck
)

// Expansion is the ratio of a block's output channels to its width:
// 1 for Basic, 4 for Bottleneck.
func (k BlockKind) Expansion() int {
	if k == Bottleneck {
		return 4
	}
	return 1
}

// String returns "basic" or "bottleneck".
func (k BlockKind) String() string {
	switch k {
	case Basic:
		return "basic"
	case Bottleneck:
		return "bottleneck"
	}
	return fmt.Sprintf("BlockKind(%d)", int(k))
}

// ResNet is He et al.'s residual network (2016,
// https://arxiv.org/abs/1512.03385) in torchvision's layout: "conv1",
// "bn1", a ReLU, a max pooling, four stages "layer1".."layer4" of residual
// blocks (Sequentials numbered from 0), an adaptive average pooling to 1x1
// and the dense layer "fc".
type ResNet struct {
	model
	kind   BlockKind
	depths [4]int
}

// Block returns the kind of residual block.
func (m *ResNet) Block() BlockKind { return m.kind }

// Depths returns the number of blocks in each of the four stages.
func (m *ResNet) Depths() [4]int { return m.depths }

// ResNet18 is torchvision's resnet18: Basic blocks [2, 2, 2, 2],
// 11,689,512 parameters at 1000 classes. See NewResNet.
func ResNet18(numClasses int, opts ...ResNetOption) (*ResNet, error) {
	return newResNet("ResNet18", Basic, [4]int{2, 2, 2, 2}, numClasses, opts)
}

// ResNet34 is torchvision's resnet34: Basic blocks [3, 4, 6, 3],
// 21,797,672 parameters at 1000 classes. See NewResNet.
func ResNet34(numClasses int, opts ...ResNetOption) (*ResNet, error) {
	return newResNet("ResNet34", Basic, [4]int{3, 4, 6, 3}, numClasses, opts)
}

// ResNet50 is torchvision's resnet50: Bottleneck blocks [3, 4, 6, 3],
// 25,557,032 parameters at 1000 classes. See NewResNet.
func ResNet50(numClasses int, opts ...ResNetOption) (*ResNet, error) {
	return newResNet("ResNet50", Bottleneck, [4]int{3, 4, 6, 3}, numClasses, opts)
}

// ResNet101 is torchvision's resnet101: Bottleneck blocks [3, 4, 23, 3],
// 44,549,160 parameters at 1000 classes. See NewResNet.
func ResNet101(numClasses int, opts ...ResNetOption) (*ResNet, error) {
	return newResNet("ResNet101", Bottleneck, [4]int{3, 4, 23, 3}, numClasses, opts)
}

// ResNet152 is torchvision's resnet152: Bottleneck blocks [3, 8, 36, 3],
// 60,192,808 parameters at 1000 classes. See NewResNet.
func ResNet152(numClasses int, opts ...ResNetOption) (*ResNet, error) {
	return newResNet("ResNet152", Bottleneck, [4]int{3, 8, 36, 3}, numClasses, opts)
}

// NewResNet returns a ResNet with the given block kind and number of blocks
// per stage, in torchvision's layout:
//
//	conv1 Conv(C, 64, 7, stride 2, pad 3, no bias) bn1 ReLU MaxPool(3, 2, pad 1)
//	layer1..layer4: stages of widths 64, 128, 256, 512 (output width·expansion),
//	                the first block of layer2..4 with stride 2
//	avgpool AdaptiveAvgPool2D(1, 1), flatten, fc Dense(512·expansion, numClasses)
//
// Each block adds its input, or a projection of it ("downsample": a 1x1
// convolution with the block's stride and a BatchNorm2D) when the stride
// is not 1 or the channels change, to its output before the last ReLU.
//
// Input (N, C, H, W), C = 3 (WithInputChannels), H and W >= 1 (224 in the
// paper; WithSmallInput for 28x28 or 32x32 images replaces the stem by a
// 3x3 stride-1 convolution without max pooling); output logits
// (N, numClasses). Params are named and shaped exactly as torchvision's
// state_dict (conv1.weight, bn1.running_mean, layer1.0.conv1.weight,
// layer2.0.downsample.0.weight, layer2.0.downsample.1.bias, fc.weight, ...;
// BatchNorm's num_batches_tracked is not a parameter). Initialisation as
// torchvision: convolutions Kaiming-normal (fan_out, ReLU gain), BatchNorm
// weight 1 and bias 0, fc PyTorch's default. Options: WithSmallInput,
// WithInputChannels, WithSeed, WithDtype.
func NewResNet(kind BlockKind, depths [4]int, numClasses int, opts ...ResNetOption) (*ResNet, error) {
	return newResNet("ResNet", kind, depths, numClasses, opts)
}

func newResNet(name string, kind BlockKind, depths [4]int, numClasses int, opts []ResNetOption) (*ResNet, error) {
	c, err := newModelConfig(name, numClasses, config{inChannels: 3}, opts)
	if err != nil {
		return nil, err
	}
	if kind != Basic && kind != Bottleneck {
		return nil, argError(name, "block kind must be Basic or Bottleneck, got %v", kind)
	}
	for i, d := range depths {
		if d <= 0 {
			return nil, argError(name, "every stage needs at least one block, got depths %v (stage %d)", depths, i+1)
		}
	}
	mk := &maker{kind: name, c: c}
	var children []nn.Child
	if c.smallInput {
		children = append(children, child("conv1", mk.resConv(c.inChannels, 64, 3, 1)), child("bn1", mk.bn(64)), child("relu", relu()))
	} else {
		children = append(children, child("conv1", mk.resConv(c.inChannels, 64, 7, 2)), child("bn1", mk.bn(64)), child("relu", relu()),
			child("maxpool", mk.maxPool(3, 2, 1, false)))
	}
	in := 64
	for i, d := range depths {
		stride := 2
		if i == 0 {
			stride = 1
		}
		var stage nn.Layer
		stage, in = mk.stage(kind, in, 64<<i, d, stride)
		children = append(children, child("layer"+strconv.Itoa(i+1), stage))
	}
	children = append(children, child("avgpool", mk.adaptiveAvg(1, 1)), child("flatten", flatten()), child("fc", mk.dense(in, numClasses)))
	if mk.err != nil {
		return nil, mk.err
	}
	desc := fmt.Sprintf("classes=%d", numClasses)
	if name == "ResNet" {
		desc = fmt.Sprintf("%v, depths=%v, classes=%d", kind, depths, numClasses)
	}
	if c.smallInput {
		desc += ", small input"
	}
	m := &ResNet{model: model{name: name, desc: desc, net: seq(children...)}, kind: kind, depths: depths}
	return m, m.finish(m, c.seed)
}

// resConv is a bias-free k x k convolution with stride s and padding k/2,
// Kaiming-normal (fan_out) initialised, as torchvision's conv3x3/conv1x1.
func (mk *maker) resConv(in, out, k, s int) nn.Layer {
	return mk.conv(in, out, k, strideOpt(s), padOpt(k/2), noBias(), nn.WithWeightInit(graph.HeNormalFanOut()))
}

// stage builds one ResNet stage (torchvision's _make_layer): blocks
// residual blocks of width planes, the first with the given stride and,
// when the stride is not 1 or the channels change, a projection shortcut.
// It returns the stage and its output channels.
func (mk *maker) stage(kind BlockKind, in, planes, blocks, stride int) (nn.Layer, int) {
	out := planes * kind.Expansion()
	var layers []nn.Layer
	for i := range blocks {
		var down nn.Layer
		s := 1
		if i == 0 {
			s = stride
			if stride != 1 || in != out {
				down = indexed(mk.resConv(in, out, 1, stride), mk.bn(out))
			}
		}
		layers = append(layers, mk.block(kind, in, planes, s, down))
		in = out
	}
	return indexed(layers...), out
}

// block builds one residual block; down is its projection shortcut or nil.
func (mk *maker) block(kind BlockKind, in, planes, stride int, down nn.Layer) nn.Layer {
	b := &ResidualBlock{kind: kind, in: in, out: planes * kind.Expansion(), stride: stride, relu: relu()}
	if kind == Basic {
		b.body = []nn.Child{
			child("conv1", mk.resConv(in, planes, 3, stride)), child("bn1", mk.bn(planes)), child("relu", relu()),
			child("conv2", mk.resConv(planes, planes, 3, 1)), child("bn2", mk.bn(planes)),
		}
	} else {
		b.body = []nn.Child{
			child("conv1", mk.resConv(in, planes, 1, 1)), child("bn1", mk.bn(planes)), child("relu", relu()),
			child("conv2", mk.resConv(planes, planes, 3, stride)), child("bn2", mk.bn(planes)), child("relu", relu()),
			child("conv3", mk.resConv(planes, b.out, 1, 1)), child("bn3", mk.bn(b.out)),
		}
	}
	if down != nil {
		b.down = down
	}
	return b
}

// NewResidualBlock returns one ResNet block of the given kind and width
// (planes) from in channels, with the first block's stride rule of a
// stage: it gets a projection shortcut ("downsample", a 1x1 convolution
// with the stride and a BatchNorm2D) when stride != 1 or in !=
// planes·expansion. Output channels planes·expansion. Options: WithSeed,
// WithDtype.
func NewResidualBlock(kind BlockKind, in, planes, stride int, opts ...BlockOption) (*ResidualBlock, error) {
	const name = "NewResidualBlock"
	c, err := newConfig(name, config{inChannels: 1}, opts)
	if err != nil {
		return nil, err
	}
	if kind != Basic && kind != Bottleneck {
		return nil, argError(name, "block kind must be Basic or Bottleneck, got %v", kind)
	}
	if in <= 0 || planes <= 0 || stride <= 0 {
		return nil, argError(name, "channels and stride must be positive, got in=%d, planes=%d, stride=%d", in, planes, stride)
	}
	mk := &maker{kind: name, c: c}
	stage, _ := mk.stage(kind, in, planes, 1, stride)
	if mk.err != nil {
		return nil, mk.err
	}
	b := stage.(*sequence).children[0].Layer.(*ResidualBlock)
	return b, nn.Initialize(b, c.seed)
}

// ResidualBlock is one block of a ResNet stage, torchvision's BasicBlock or
// Bottleneck: y = ReLU(body(x) + shortcut(x)), the shortcut being x or its
// projection "downsample". Params: conv1, bn1, conv2, bn2 (conv3, bn3 for
// a Bottleneck) and downsample.0 (1x1 convolution), downsample.1
// (BatchNorm2D). Input (N, in, H, W); output (N, out, ceil(H/stride),
// ceil(W/stride)).
type ResidualBlock struct {
	kind            BlockKind
	in, out, stride int
	body            []nn.Child // applied in order; "relu" children have no Params
	down            nn.Layer
	relu            nn.Layer // after the sum (torchvision's block reuses its "relu")
}

// Forward computes ReLU(body(x) + shortcut(x)).
func (r *ResidualBlock) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	y, err := nn.CallChain(b, r.body, x)
	if err != nil {
		return nil, err
	}
	s := x
	if r.down != nil {
		if s, err = nn.Call(b, "downsample", r.down, x); err != nil {
			return nil, err
		}
	}
	sum, err := nn.Add(b, y, s)
	if err != nil {
		// nn.Add names the path and the axis that differs
		return nil, errors.WithMessagef(err, "zoo: ResidualBlock %q: adding the body's output (input 0) and the shortcut's (input 1)", b.Path())
	}
	return nn.Call(b, "relu", r.relu, sum)
}

// Params lists the body's and the shortcut's Params with torchvision's names.
func (r *ResidualBlock) Params() []graph.NamedParam { return nn.ChildParams(r.Children()...) }

// Children returns the layers of the body and, if any, "downsample".
func (r *ResidualBlock) Children() []nn.Child {
	cs := append([]nn.Child(nil), r.body...)
	if r.down != nil {
		cs = append(cs, child("downsample", r.down))
	}
	return cs
}

// String prints the block like "Bottleneck(256 -> 512, stride 2, downsample)".
func (r *ResidualBlock) String() string {
	name := "BasicBlock"
	if r.kind == Bottleneck {
		name = "Bottleneck"
	}
	s := fmt.Sprintf("%s(%d -> %d", name, r.in, r.out)
	if r.stride != 1 {
		s += fmt.Sprintf(", stride %d", r.stride)
	}
	if r.down != nil {
		s += ", downsample"
	}
	return s + ")"
}
