package zoo

import (
	"fmt"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/optset"
	"github.com/convnet-go/convnet/nn"
	"gorgonia.org/tensor"
)

// config collects the optional settings of every model constructor; each
// constructor reads the fields that apply to it and rejects the options
// that do not.
type config struct {
	given optset.Given

	seed       int64
	dtype      tensor.Dtype
	inChannels int
	smallInput bool
	dropout    float64
	relu       bool
	sigmoid    bool
	hidden     []int
	depth      int
	width      int
	widthMult  float64 // MobileNetV2: see WithWidthMultiplier in mobilenet.go
}

// Option sets an optional argument of a model constructor. Passing an option
// a model does not take is an error from the constructor.
type Option func(*config)

// WithSeed seeds the model's initialisation (see nn.Initialize): the same
// seed gives the same weights. Default 0.
func WithSeed(seed int64) Option {
	return func(c *config) { c.given.Mark("WithSeed"); c.seed = seed }
}

// WithDtype sets the dtype of the weights: tensor.Float32 (default) or
// tensor.Float64.
func WithDtype(dt tensor.Dtype) Option {
	return func(c *config) { c.given.Mark("WithDtype"); c.dtype = dt }
}

// WithInputChannels sets the number of input channels, such as 1 for
// MNIST. Default 3 for the ImageNet models (AlexNet, VGG, ResNet,
// GoogLeNet, InceptionResNetV2, MobileNetV2) and 1 for the MNIST-sized
// ones (LeNet5, the small GoogLeNet and Inception-ResNet, the
// autoencoders, UNet, SegNet).
func WithInputChannels(n int) Option {
	return func(c *config) { c.given.Mark("WithInputChannels"); c.inChannels = n }
}

// WithSmallInput gives a ResNet the stem used for 28x28 and 32x32 images
// (CIFAR): a 3x3 convolution with stride 1 and padding 1 instead of the
// 7x7 stride-2 one, and no max pooling, so layer1 sees the full
// resolution. The parameter names stay the same ("conv1.weight" becomes
// (64, C, 3, 3)). Default off (torchvision's ImageNet stem).
func WithSmallInput() Option {
	return func(c *config) { c.given.Mark("WithSmallInput"); c.smallInput = true }
}

// WithDropout sets the dropout probability of a classifier (AlexNet, VGG
// 0.5; GoogLeNet and MobileNetV2 0.2 as torchvision; the small GoogLeNet and
// Inception-ResNet 0.2) or of the autoencoders' denoising input dropout
// (default 0: none). 0 removes nothing from the parameter names: the
// Dropout layers stay in place.
func WithDropout(p float64) Option {
	return func(c *config) { c.given.Mark("WithDropout"); c.dropout = p }
}

// WithReLU makes LeNet5 use ReLU instead of the classic Tanh after each
// convolution and hidden dense layer. Default off (Tanh).
func WithReLU() Option {
	return func(c *config) { c.given.Mark("WithReLU"); c.relu = true }
}

// WithSigmoid makes a segmentation model (UNet, SegNet) end with an
// nn.Sigmoid, so that Predict returns probabilities instead of logits, as
// the W3 benchmark's UNet does. Training is the same either way: the train
// package's sigmoid losses (BCEWithLogits, DiceLoss, BCEDiceLoss) and its
// metrics (Dice, IoU, Accuracy) recognise an output that is an nn.Sigmoid
// and work on the logits under it, so no sigmoid is applied twice. Default
// off (logits).
func WithSigmoid() Option {
	return func(c *config) { c.given.Mark("WithSigmoid"); c.sigmoid = true }
}

// WithHidden sets the widths of a dense autoencoder's hidden layers, from
// the input towards the code; the decoder mirrors them. Default 256, 64.
func WithHidden(widths ...int) Option {
	return func(c *config) { c.given.Mark("WithHidden"); c.hidden = append([]int(nil), widths...) }
}

// WithDepth sets the number of down-sampling levels of a UNet (the input
// size must be divisible by 2^depth). Default 4.
func WithDepth(d int) Option {
	return func(c *config) { c.given.Mark("WithDepth"); c.depth = d }
}

// WithBaseWidth sets the number of channels of a UNet's first level; each
// level below doubles it. Default 64 (the paper's; the W3 benchmark uses
// 16).
func WithBaseWidth(w int) Option {
	return func(c *config) { c.given.Mark("WithBaseWidth"); c.width = w }
}

// newConfig applies opts over the defaults and returns an error naming any
// option that the constructor kind does not take. WithSeed and WithDtype
// are always allowed.
func newConfig(kind string, defaults config, opts []Option, allowed ...string) (*config, error) {
	c := defaults
	c.given = nil
	if c.dtype == (tensor.Dtype{}) {
		c.dtype = tensor.Float32
	}
	for i, o := range opts {
		if o == nil {
			return nil, argError(kind, "option %d is nil", i)
		}
		o(&c)
	}
	if bad := c.given.Unknown(allowed, []string{"WithSeed", "WithDtype"}); len(bad) > 0 {
		return nil, argError(kind, "does not take option %s", strings.Join(bad, ", "))
	}
	if c.dtype != tensor.Float32 && c.dtype != tensor.Float64 {
		return nil, argError(kind, "dtype must be float32 or float64, got %v", c.dtype)
	}
	if c.inChannels <= 0 {
		return nil, argError(kind, "input channels must be positive, got %d", c.inChannels)
	}
	if !(c.dropout >= 0 && c.dropout < 1) {
		return nil, argError(kind, "dropout probability must be in [0, 1), got %v", c.dropout)
	}
	for _, h := range c.hidden {
		if h <= 0 {
			return nil, argError(kind, "hidden widths must be positive, got %v", c.hidden)
		}
	}
	if c.given["WithDepth"] && c.depth <= 0 {
		return nil, argError(kind, "depth must be positive, got %d", c.depth)
	}
	if c.given["WithWidthMultiplier"] && !(c.widthMult > 0 && c.widthMult <= 16) {
		return nil, argError(kind, "width multiplier must be in (0, 16], got %v", c.widthMult)
	}
	if c.given["WithBaseWidth"] && c.width <= 0 {
		return nil, argError(kind, "base width must be positive, got %d", c.width)
	}
	return &c, nil
}

// nnOpts are the options every layer of a model is built with.
func (c *config) nnOpts(more ...nn.Option) []nn.Option {
	return append([]nn.Option{nn.WithDtype(c.dtype)}, more...)
}

// argError formats a constructor error: `zoo: ResNet18: ...`.
func argError(kind string, format string, args ...any) error {
	return graph.ArgErrorf("zoo: %s: %s", kind, fmt.Sprintf(format, args...))
}

// newModelConfig is newConfig for a model with n classes (or output
// channels), which must be positive; the options are checked first.
func newModelConfig(kind string, n int, defaults config, opts []Option, allowed ...string) (*config, error) {
	c, err := newConfig(kind, defaults, opts, allowed...)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, argError(kind, "number of classes must be positive, got %d", n)
	}
	return c, nil
}
