package zoo

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
)

// ConvNet is a plain convolutional classifier in torchvision's layout:
// "features" (convolutions, activations and max pooling, a Sequential whose
// children are numbered), "avgpool" (an AdaptiveAvgPool2D that fixes the
// classifier's input size for any image size), a flatten and "classifier"
// (dense layers with dropout). AlexNet and the VGG family are ConvNets.
type ConvNet struct{ model }

// Features returns the convolutional part ("features"), sharing its
// Params with the model, for feature extraction and transfer learning.
func (m *ConvNet) Features() nn.Layer { return m.Child("features") }

// Classifier returns the dense part ("classifier"), sharing its Params.
func (m *ConvNet) Classifier() nn.Layer { return m.Child("classifier") }

// AlexNet returns torchvision's AlexNet (Krizhevsky et al. 2012, the
// one-GPU variant of "One weird trick", https://arxiv.org/abs/1404.5997):
//
//	features: Conv(3, 64, 11, stride 4, pad 2) ReLU MaxPool(3, 2)
//	          Conv(64, 192, 5, pad 2) ReLU MaxPool(3, 2)
//	          Conv(192, 384, 3, pad 1) ReLU Conv(384, 256, 3, pad 1) ReLU
//	          Conv(256, 256, 3, pad 1) ReLU MaxPool(3, 2)
//	avgpool:  AdaptiveAvgPool2D(6, 6)
//	classifier: Dropout Dense(9216, 4096) ReLU Dropout Dense(4096, 4096) ReLU Dense(4096, numClasses)
//
// Input (N, 3, H, W) with H, W >= 63 (224 in the paper); output logits
// (N, numClasses). Params are named and shaped exactly as torchvision's
// state_dict (features.0.weight, ..., classifier.6.bias): 61,100,840 at
// 1000 classes, 57,044,810 at 10. Initialisation: PyTorch's defaults, as
// torchvision. Options: WithDropout (default 0.5), WithInputChannels
// (default 3), WithSeed, WithDtype.
func AlexNet(numClasses int, opts ...VGGOption) (*ConvNet, error) {
	const kind = "AlexNet"
	c, err := newModelConfig(kind, numClasses, config{inChannels: 3, dropout: 0.5}, opts)
	if err != nil {
		return nil, err
	}
	mk := &maker{kind: kind, c: c}
	features := indexed(
		mk.conv(c.inChannels, 64, 11, strideOpt(4), padOpt(2)), relu(), mk.maxPool(3, 2, 0, false),
		mk.conv(64, 192, 5, padOpt(2)), relu(), mk.maxPool(3, 2, 0, false),
		mk.conv(192, 384, 3, padOpt(1)), relu(),
		mk.conv(384, 256, 3, padOpt(1)), relu(),
		mk.conv(256, 256, 3, padOpt(1)), relu(), mk.maxPool(3, 2, 0, false),
	)
	classifier := indexed(
		mk.dropout(c.dropout), mk.dense(256*6*6, 4096), relu(),
		mk.dropout(c.dropout), mk.dense(4096, 4096), relu(),
		mk.dense(4096, numClasses),
	)
	if mk.err != nil {
		return nil, mk.err
	}
	m := &ConvNet{model{name: kind, desc: fmt.Sprintf("classes=%d", numClasses), net: seq(
		child("features", features), child("avgpool", mk.adaptiveAvg(6, 6)), child("flatten", flatten()), child("classifier", classifier),
	)}}
	if mk.err != nil {
		return nil, mk.err
	}
	return m, m.finish(m, c.seed)
}

// VGGPool marks a 2x2 max pooling in a VGG configuration list.
const VGGPool = 0

// The VGG configurations of Simonyan & Zisserman (2014,
// https://arxiv.org/abs/1409.1556), tables A, B, D and E: output channels
// of each 3x3 convolution, VGGPool for a max pooling. Each call returns a
// new slice, so that no caller can change the tables.
func vggA() []int {
	return []int{64, VGGPool, 128, VGGPool, 256, 256, VGGPool, 512, 512, VGGPool, 512, 512, VGGPool}
}

func vggB() []int {
	return []int{64, 64, VGGPool, 128, 128, VGGPool, 256, 256, VGGPool, 512, 512, VGGPool, 512, 512, VGGPool}
}

func vggD() []int {
	return []int{64, 64, VGGPool, 128, 128, VGGPool, 256, 256, 256, VGGPool, 512, 512, 512, VGGPool, 512, 512, 512, VGGPool}
}

func vggE() []int {
	return []int{64, 64, VGGPool, 128, 128, VGGPool, 256, 256, 256, 256, VGGPool, 512, 512, 512, 512, VGGPool, 512, 512, 512, 512, VGGPool}
}

// VGG11 returns torchvision's vgg11 (configuration A, 8 convolutions):
// 132,863,336 parameters at 1000 classes. See NewVGG.
func VGG11(numClasses int, opts ...VGGOption) (*ConvNet, error) {
	return newVGG("VGG11", vggA(), false, numClasses, opts)
}

// VGG13 returns torchvision's vgg13 (configuration B, 10 convolutions):
// 133,047,848 parameters at 1000 classes. See NewVGG.
func VGG13(numClasses int, opts ...VGGOption) (*ConvNet, error) {
	return newVGG("VGG13", vggB(), false, numClasses, opts)
}

// VGG16 returns torchvision's vgg16 (configuration D, 13 convolutions):
// 138,357,544 parameters at 1000 classes. See NewVGG.
func VGG16(numClasses int, opts ...VGGOption) (*ConvNet, error) {
	return newVGG("VGG16", vggD(), false, numClasses, opts)
}

// VGG19 returns torchvision's vgg19 (configuration E, 16 convolutions):
// 143,667,240 parameters at 1000 classes. See NewVGG.
func VGG19(numClasses int, opts ...VGGOption) (*ConvNet, error) {
	return newVGG("VGG19", vggE(), false, numClasses, opts)
}

// VGG11BN returns torchvision's vgg11_bn: VGG11 with a BatchNorm2D after
// every convolution (132,868,840 parameters at 1000 classes).
func VGG11BN(numClasses int, opts ...VGGOption) (*ConvNet, error) {
	return newVGG("VGG11BN", vggA(), true, numClasses, opts)
}

// VGG13BN returns torchvision's vgg13_bn (133,053,736 parameters at 1000 classes).
func VGG13BN(numClasses int, opts ...VGGOption) (*ConvNet, error) {
	return newVGG("VGG13BN", vggB(), true, numClasses, opts)
}

// VGG16BN returns torchvision's vgg16_bn (138,365,992 parameters at 1000 classes).
func VGG16BN(numClasses int, opts ...VGGOption) (*ConvNet, error) {
	return newVGG("VGG16BN", vggD(), true, numClasses, opts)
}

// VGG19BN returns torchvision's vgg19_bn (143,678,248 parameters at 1000 classes).
func VGG19BN(numClasses int, opts ...VGGOption) (*ConvNet, error) {
	return newVGG("VGG19BN", vggE(), true, numClasses, opts)
}

// NewVGG returns a VGG network in torchvision's layout for a configuration
// list: each positive entry is a Conv(3x3, pad 1) with that many output
// channels followed (with batchNorm) by a BatchNorm2D and by a ReLU; each
// VGGPool entry is a MaxPool(2, 2). Then
//
//	avgpool:    AdaptiveAvgPool2D(7, 7)
//	classifier: Dense(512·7·7, 4096) ReLU Dropout Dense(4096, 4096) ReLU Dropout Dense(4096, numClasses)
//
// (the classifier's input is the last convolution's width·49). Input
// (N, 3, H, W) with H and W at least 2^pools (32 for the standard
// configurations; 224 in the paper); output logits (N, numClasses). Params
// are named as torchvision's: features.N.weight/bias (and
// features.N.running_mean/var with batchNorm), classifier.0/3/6.weight/bias.
// Initialisation as torchvision: convolutions Kaiming-normal (fan_out,
// ReLU gain) with zero bias, BatchNorm weight 1 and bias 0, dense layers
// N(0, 0.01) with zero bias. Options: WithDropout (default 0.5),
// WithInputChannels (default 3), WithSeed, WithDtype.
func NewVGG(cfg []int, batchNorm bool, numClasses int, opts ...VGGOption) (*ConvNet, error) {
	return newVGG("VGG", cfg, batchNorm, numClasses, opts)
}

func newVGG(kind string, cfg []int, batchNorm bool, numClasses int, opts []VGGOption) (*ConvNet, error) {
	c, err := newModelConfig(kind, numClasses, config{inChannels: 3, dropout: 0.5}, opts)
	if err != nil {
		return nil, err
	}
	convs := 0
	for i, w := range cfg {
		if w < 0 {
			return nil, argError(kind, "configuration entry %d must be a positive width or VGGPool, got %d", i, w)
		}
		if w > 0 {
			convs++
		}
	}
	if convs == 0 {
		return nil, argError(kind, "configuration %v has no convolution", cfg)
	}
	mk := &maker{kind: kind, c: c}
	convInit := []nn.ConvOption{nn.WithWeightInit(graph.HeNormalFanOut()), nn.WithBiasInit(graph.Zeros())}
	var layers []nn.Layer
	in := c.inChannels
	for _, w := range cfg {
		if w == VGGPool {
			layers = append(layers, mk.maxPool(2, 2, 0, false))
			continue
		}
		layers = append(layers, mk.conv(in, w, 3, append(convInit, padOpt(1))...))
		if batchNorm {
			layers = append(layers, mk.bn(w))
		}
		layers = append(layers, relu())
		in = w
	}
	denseInit := []nn.DenseOption{nn.WithWeightInit(graph.Normal(0, 0.01)), nn.WithBiasInit(graph.Zeros())}
	classifier := indexed(
		mk.dense(in*7*7, 4096, denseInit...), relu(), mk.dropout(c.dropout),
		mk.dense(4096, 4096, denseInit...), relu(), mk.dropout(c.dropout),
		mk.dense(4096, numClasses, denseInit...),
	)
	avg := mk.adaptiveAvg(7, 7)
	if mk.err != nil {
		return nil, mk.err
	}
	desc := fmt.Sprintf("classes=%d", numClasses)
	if kind == "VGG" {
		desc = fmt.Sprintf("convs=%d, batchnorm=%v, classes=%d", convs, batchNorm, numClasses)
	}
	m := &ConvNet{model{name: kind, desc: desc, net: seq(
		child("features", indexed(layers...)), child("avgpool", avg), child("flatten", flatten()), child("classifier", classifier),
	)}}
	return m, m.finish(m, c.seed)
}
