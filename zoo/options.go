package zoo

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"gorgonia.org/tensor"
)

// config collects the optional settings of every model constructor; each
// constructor reads the fields that apply to it and rejects the options
// that do not.
type config struct {
	seed         int64
	dtype        tensor.Dtype
	inChannels   int
	smallInput   bool
	dropout      float64
	relu         bool
	sigmoid      bool
	hidden       []int
	depth        int
	depthSet     bool // WithDepth was given
	width        int
	widthSet     bool    // WithBaseWidth was given
	widthMult    float64 // MobileNetV2: see WithWidthMultiplier in mobilenet.go
	widthMultSet bool
}

// Option families. Each model constructor takes the options of its
// family, and each With... function returns a type that belongs to exactly
// the families that use it, so a wrong option, such as
// ResNet18(10, WithSigmoid()), is a compile error:
//
//	LeNet5                                  ...LeNetOption
//	AlexNet, VGG11 ... VGG19BN, NewVGG      ...VGGOption
//	ResNet18 ... ResNet152, NewResNet       ...ResNetOption
//	GoogLeNet, GoogLeNetSmall               ...GoogLeNetOption
//	InceptionResNetV2                       ...InceptionResNetV2Option
//	InceptionResNetSmall                    ...InceptionResNetSmallOption
//	NewUNet                                 ...UNetOption
//	NewSegNet, NewSegNetSmall, NewSegNetStages  ...SegNetOption
//	DenseAutoencoder                        ...DenseAutoencoderOption
//	ConvAutoencoder                         ...ConvAutoencoderOption
//	MobileNetV2                             ...MobileNetOption
//	the blocks (NewResidualBlock, NewInceptionModule,
//	NewInceptionResNetA/B/C, NewInceptionResNetV1A,
//	NewInvertedResidual)                    ...BlockOption
//
//	returns              options                      taken by
//	Option               WithSeed, WithDtype          every constructor
//	ModelOption          WithInputChannels            every model
//	DropoutOption        WithDropout                  AlexNet, VGG, GoogLeNet, InceptionResNetSmall, MobileNetV2, the autoencoders
//	SegmentationOption   WithSigmoid                  UNet, SegNet
//	LeNetOption          WithReLU                     LeNet5
//	ResNetOption         WithSmallInput               the ResNets
//	UNetOption           WithDepth, WithBaseWidth     UNet
//	DenseAutoencoderOption  WithHidden                DenseAutoencoder
//	MobileNetOption      WithWidthMultiplier          MobileNetV2

type (
	// LeNetOption is an optional argument of LeNet5.
	LeNetOption interface {
		apply(*config)
		leNet()
	}
	// VGGOption is an optional argument of AlexNet and the VGGs.
	VGGOption interface {
		apply(*config)
		vgg()
	}
	// ResNetOption is an optional argument of the ResNets.
	ResNetOption interface {
		apply(*config)
		resNet()
	}
	// GoogLeNetOption is an optional argument of GoogLeNet and
	// GoogLeNetSmall.
	GoogLeNetOption interface {
		apply(*config)
		googLeNet()
	}
	// InceptionResNetV2Option is an optional argument of
	// InceptionResNetV2.
	InceptionResNetV2Option interface {
		apply(*config)
		inceptionResNetV2()
	}
	// InceptionResNetSmallOption is an optional argument of
	// InceptionResNetSmall.
	InceptionResNetSmallOption interface {
		apply(*config)
		inceptionResNetSmall()
	}
	// UNetOption is an optional argument of NewUNet.
	UNetOption interface {
		apply(*config)
		uNet()
	}
	// SegNetOption is an optional argument of the SegNet constructors.
	SegNetOption interface {
		apply(*config)
		segNet()
	}
	// DenseAutoencoderOption is an optional argument of DenseAutoencoder.
	DenseAutoencoderOption interface {
		apply(*config)
		denseAutoencoder()
	}
	// ConvAutoencoderOption is an optional argument of ConvAutoencoder.
	ConvAutoencoderOption interface {
		apply(*config)
		convAutoencoder()
	}
	// MobileNetOption is an optional argument of MobileNetV2.
	MobileNetOption interface {
		apply(*config)
		mobileNet()
	}
	// BlockOption is an optional argument of the block constructors
	// (NewResidualBlock, NewInceptionModule, NewInceptionResNetA/B/C).
	BlockOption interface {
		apply(*config)
		block()
	}
)

// ModelOption is an option of every model (not of the blocks):
// WithInputChannels returns one.
type ModelOption interface {
	LeNetOption
	VGGOption
	ResNetOption
	GoogLeNetOption
	InceptionResNetV2Option
	InceptionResNetSmallOption
	UNetOption
	SegNetOption
	DenseAutoencoderOption
	ConvAutoencoderOption
	MobileNetOption
}

// Option is an option of every constructor, models and blocks: WithSeed
// and WithDtype return one.
type Option interface {
	ModelOption
	BlockOption
}

// DropoutOption is an option of the models with a dropout layer (AlexNet,
// the VGGs, GoogLeNet, InceptionResNetSmall, MobileNetV2, the
// autoencoders).
type DropoutOption interface {
	MobileNetOption
	VGGOption
	GoogLeNetOption
	InceptionResNetSmallOption
	DenseAutoencoderOption
	ConvAutoencoderOption
}

// SegmentationOption is an option of the segmentation models, UNet and
// SegNet.
type SegmentationOption interface {
	UNetOption
	SegNetOption
}

// The unexported types behind the families, one per combination.
type (
	anyOpt     func(*config)
	modelOpt   func(*config)
	dropoutOpt func(*config)
	segOpt     func(*config)
	leNetOpt   func(*config)
	resNetOpt  func(*config)
	uNetOpt    func(*config)
	denseAEOpt func(*config)
	mobileOpt  func(*config)
)

func (f anyOpt) apply(c *config)         { f(c) }
func (anyOpt) mobileNet()                {}
func (anyOpt) leNet()                    {}
func (anyOpt) vgg()                      {}
func (anyOpt) resNet()                   {}
func (anyOpt) googLeNet()                {}
func (anyOpt) inceptionResNetV2()        {}
func (anyOpt) inceptionResNetSmall()     {}
func (anyOpt) uNet()                     {}
func (anyOpt) segNet()                   {}
func (anyOpt) denseAutoencoder()         {}
func (anyOpt) convAutoencoder()          {}
func (anyOpt) block()                    {}
func (f modelOpt) apply(c *config)       { f(c) }
func (modelOpt) mobileNet()              {}
func (modelOpt) leNet()                  {}
func (modelOpt) vgg()                    {}
func (modelOpt) resNet()                 {}
func (modelOpt) googLeNet()              {}
func (modelOpt) inceptionResNetV2()      {}
func (modelOpt) inceptionResNetSmall()   {}
func (modelOpt) uNet()                   {}
func (modelOpt) segNet()                 {}
func (modelOpt) denseAutoencoder()       {}
func (modelOpt) convAutoencoder()        {}
func (f dropoutOpt) apply(c *config)     { f(c) }
func (dropoutOpt) mobileNet()            {}
func (dropoutOpt) vgg()                  {}
func (dropoutOpt) googLeNet()            {}
func (dropoutOpt) inceptionResNetSmall() {}
func (dropoutOpt) denseAutoencoder()     {}
func (dropoutOpt) convAutoencoder()      {}
func (f segOpt) apply(c *config)         { f(c) }
func (segOpt) uNet()                     {}
func (segOpt) segNet()                   {}
func (f leNetOpt) apply(c *config)       { f(c) }
func (leNetOpt) leNet()                  {}
func (f resNetOpt) apply(c *config)      { f(c) }
func (resNetOpt) resNet()                {}
func (f uNetOpt) apply(c *config)        { f(c) }
func (uNetOpt) uNet()                    {}
func (f denseAEOpt) apply(c *config)     { f(c) }
func (denseAEOpt) denseAutoencoder()     {}

// WithSeed seeds the model's initialisation (see nn.Initialize): the same
// seed gives the same weights. Default 0.
func WithSeed(seed int64) Option {
	return anyOpt(func(c *config) { c.seed = seed })
}

// WithDtype sets the dtype of the weights: tensor.Float32 (default) or
// tensor.Float64.
func WithDtype(dt tensor.Dtype) Option {
	return anyOpt(func(c *config) { c.dtype = dt })
}

// WithInputChannels sets the number of input channels, such as 1 for
// MNIST. Default 3 for the ImageNet models (AlexNet, VGG, ResNet,
// GoogLeNet, InceptionResNetV2, MobileNetV2) and 1 for the MNIST-sized
// ones (LeNet5, the small GoogLeNet and Inception-ResNet, the
// autoencoders, UNet, SegNet).
func WithInputChannels(n int) ModelOption {
	return modelOpt(func(c *config) { c.inChannels = n })
}

// WithSmallInput gives a ResNet the stem used for 28x28 and 32x32 images
// (CIFAR): a 3x3 convolution with stride 1 and padding 1 instead of the
// 7x7 stride-2 one, and no max pooling, so layer1 sees the full
// resolution. The parameter names stay the same ("conv1.weight" becomes
// (64, C, 3, 3)). Default off (torchvision's ImageNet stem).
func WithSmallInput() ResNetOption {
	return resNetOpt(func(c *config) { c.smallInput = true })
}

// WithDropout sets the dropout probability of a classifier (AlexNet, VGG
// 0.5; GoogLeNet and MobileNetV2 0.2 as torchvision; the small GoogLeNet and
// Inception-ResNet 0.2) or of the autoencoders' denoising input dropout
// (default 0: none). 0 removes nothing from the parameter names: the
// Dropout layers stay in place.
func WithDropout(p float64) DropoutOption {
	return dropoutOpt(func(c *config) { c.dropout = p })
}

// WithReLU makes LeNet5 use ReLU instead of the classic Tanh after each
// convolution and hidden dense layer. Default off (Tanh).
func WithReLU() LeNetOption {
	return leNetOpt(func(c *config) { c.relu = true })
}

// WithSigmoid makes a segmentation model (UNet, SegNet) end with an
// nn.Sigmoid, so that Predict returns probabilities instead of logits, as
// the W3 benchmark's UNet does. Training is the same either way: the train
// package's sigmoid losses (BCEWithLogits, DiceLoss, BCEDiceLoss) and its
// metrics (Dice, IoU, Accuracy) recognise an output that is an nn.Sigmoid
// and work on the logits under it, so no sigmoid is applied twice. Default
// off (logits).
func WithSigmoid() SegmentationOption {
	return segOpt(func(c *config) { c.sigmoid = true })
}

// WithHidden sets the widths of a dense autoencoder's hidden layers, from
// the input towards the code; the decoder mirrors them. Default 256, 64.
func WithHidden(widths ...int) DenseAutoencoderOption {
	return denseAEOpt(func(c *config) { c.hidden = append([]int(nil), widths...) })
}

// WithDepth sets the number of down-sampling levels of a UNet (the input
// size must be divisible by 2^depth). Default 4.
func WithDepth(d int) UNetOption {
	return uNetOpt(func(c *config) { c.depthSet = true; c.depth = d })
}

// WithBaseWidth sets the number of channels of a UNet's first level; each
// level below doubles it. Default 64 (the paper's; the W3 benchmark uses
// 16).
func WithBaseWidth(w int) UNetOption {
	return uNetOpt(func(c *config) { c.widthSet = true; c.width = w })
}

func (f mobileOpt) apply(c *config) { f(c) }
func (mobileOpt) mobileNet()        {}

// option is what every family has in common.
type option interface{ apply(*config) }

// newConfig applies opts over the defaults; the option types have already
// decided which options the constructor kind takes.
func newConfig[O option](kind string, defaults config, opts []O) (*config, error) {
	c := defaults
	if c.dtype == (tensor.Dtype{}) {
		c.dtype = tensor.Float32
	}
	for i, o := range opts {
		if option(o) == nil {
			return nil, argError(kind, "option %d is nil", i)
		}
		o.apply(&c)
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
	if c.depthSet && c.depth <= 0 {
		return nil, argError(kind, "depth must be positive, got %d", c.depth)
	}
	if c.widthMultSet && !(c.widthMult > 0 && c.widthMult <= 16) {
		return nil, argError(kind, "width multiplier must be in (0, 16], got %v", c.widthMult)
	}
	if c.widthSet && c.width <= 0 {
		return nil, argError(kind, "base width must be positive, got %d", c.width)
	}
	return &c, nil
}

// argError formats a constructor error: `zoo: ResNet18: ...`.
func argError(kind string, format string, args ...any) error {
	return graph.ArgErrorf("zoo: %s: %s", kind, fmt.Sprintf(format, args...))
}

// newModelConfig is newConfig for a model with n classes (or output
// channels), which must be positive; the options are checked first.
func newModelConfig[O option](kind string, n int, defaults config, opts []O) (*config, error) {
	c, err := newConfig(kind, defaults, opts)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, argError(kind, "number of classes must be positive, got %d", n)
	}
	return c, nil
}
