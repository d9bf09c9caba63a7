package nn

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
	"gorgonia.org/tensor"
)

// PaddingMode chooses how convolution and pooling layers pad their input.
type PaddingMode int

const (
	// Valid adds no padding: out = floor((in - d(k-1) - 1)/stride) + 1.
	Valid PaddingMode = iota
	// Same pads so that out = ceil(in/stride) (Keras's "same"); for a
	// transposed convolution out = in·stride. Extra padding, when the total
	// is odd, goes after (right/bottom), as in Keras.
	Same
	// Explicit pads each side by the sizes given with WithPad.
	Explicit
)

// String returns "valid", "same" or "explicit".
func (p PaddingMode) String() string {
	switch p {
	case Valid:
		return "valid"
	case Same:
		return "same"
	case Explicit:
		return "explicit"
	}
	return fmt.Sprintf("PaddingMode(%d)", int(p))
}

// config collects the optional settings of every layer. Which options a
// constructor takes is decided by the type system (see the option families
// below), so a constructor only reads the fields that apply to it.
type config struct {
	kernel     []int
	kernelSet  bool // WithKernel was given
	stride     []int
	padding    PaddingMode
	pad        []int
	padSet     bool // WithPad was given
	dilation   []int
	outPad     []int
	outPadSet  bool // WithOutputPadding was given
	bias       bool
	activation Layer
	weightInit graph.Initializer
	biasInit   graph.Initializer
	seed       int64
	seedSet    bool // WithSeed or a Seeds stream was given
	dtype      tensor.Dtype
	momentum   float64
	eps        float64
	ceil       bool
	affine     bool
	scale      bool
	scaleSet   bool // WithScale was given
	axis       int
	groups     int // convolutions: see WithGroups in conv_grouped.go
}

// Option families. Each constructor takes the options of its family:
//
//	NewConv1D/2D/3D                       ...ConvOption
//	NewDepthwiseConv2D                    ...DepthwiseConvOption
//	NewConvTranspose1D/2D/3D              ...ConvTransposeOption
//	NewMaxPool*, NewAvgPool*              ...PoolOption
//	NewDense                              ...DenseOption
//	NewBatchNorm1D/2D/3D                  ...BatchNormOption
//	NewSoftmax, NewLogSoftmax             ...SoftmaxOption
//	NewUpsample*, NewAdaptiveAvgPool2D  ...Option
//
// and each With... function returns a type that belongs to exactly the
// families it makes sense for, so that passing an option to a layer that
// does not take it, such as NewConv2D(1, 8, 3, WithMomentum(0.5)), is a
// compile error:
//
//	returns              options                             taken by
//	Option               WithSeed, WithDtype                 every layer
//	ConvOption           WithGroups                          convolutions (not depthwise, not transposed)
//	WindowOption         WithKernel, WithStride,             convolutions (depthwise too), transposed
//	                     WithPadding, WithPad                convolutions, pooling
//	DilationOption       WithDilation                        convolutions, transposed convolutions
//	WeightOption         WithBias, WithWeightInit,           convolutions, transposed
//	                     WithBiasInit                        convolutions, Dense
//	ActivationOption     WithActivation                      convolutions, transposed
//	                                                         convolutions, Dense, BatchNorm
//	ConvTransposeOption  WithOutputPadding                   transposed convolutions
//	PoolOption           WithCeilMode                        pooling
//	BatchNormOption      WithMomentum, WithEps, WithAffine,  BatchNorm
//	                     WithScale
//	SoftmaxOption        WithAxis                            Softmax, LogSoftmax
//
// Slices of options have the constructor's family type:
// opts := []nn.ConvOption{nn.WithStride(2), nn.WithBias(false)}.
//
// A new layer family gets an interface like ConvOption (the unexported
// apply method plus a marker method of its own) and takes ...ThatOption;
// each existing option it should take gets the marker method on the
// unexported type behind its return type (and its return interface embeds
// the new family); a new option gets a return type naming the families it
// belongs to.

// ConvOption is an optional argument of NewConv1D, NewConv2D and NewConv3D.
type ConvOption interface {
	apply(*config)
	convOption()
}

// ConvTransposeOption is an optional argument of NewConvTranspose1D, 2D
// and 3D. WithOutputPadding returns one.
type ConvTransposeOption interface {
	apply(*config)
	convTransposeOption()
}

// PoolOption is an optional argument of the pooling constructors
// (NewMaxPool1D/2D/3D, NewAvgPool1D/2D/3D). WithCeilMode returns one.
type PoolOption interface {
	apply(*config)
	poolOption()
}

// DenseOption is an optional argument of NewDense.
type DenseOption interface {
	apply(*config)
	denseOption()
}

// BatchNormOption is an optional argument of NewBatchNorm1D, 2D and 3D.
// WithMomentum, WithEps, WithAffine and WithScale return one.
type BatchNormOption interface {
	apply(*config)
	batchNormOption()
}

// DepthwiseConvOption is an optional argument of NewDepthwiseConv2D: the
// options of NewConv2D but WithGroups (the groups are the channels).
type DepthwiseConvOption interface {
	apply(*config)
	depthwiseConvOption()
}

// SoftmaxOption is an optional argument of NewSoftmax and NewLogSoftmax.
// WithAxis returns one.
type SoftmaxOption interface {
	apply(*config)
	softmaxOption()
}

// Option is an option every layer constructor takes: WithSeed and
// WithDtype return one. It is also the option type of the layers without
// options of their own (upsampling, adaptive pooling).
type Option interface {
	ConvOption
	DepthwiseConvOption
	ConvTransposeOption
	PoolOption
	DenseOption
	BatchNormOption
	SoftmaxOption
}

// WindowOption is an option of the layers that slide a window over their
// input: convolutions, transposed convolutions and pooling.
type WindowOption interface {
	ConvOption
	DepthwiseConvOption
	ConvTransposeOption
	PoolOption
}

// DilationOption is an option of convolutions and transposed
// convolutions: WithDilation returns one.
type DilationOption interface {
	ConvOption
	DepthwiseConvOption
	ConvTransposeOption
}

// WeightOption is an option of the layers with a weight and a bias:
// convolutions, transposed convolutions and Dense.
type WeightOption interface {
	ConvOption
	DepthwiseConvOption
	ConvTransposeOption
	DenseOption
}

// ActivationOption is an option of the layers that can apply an
// activation to their output: convolutions, transposed convolutions,
// Dense and BatchNorm. WithActivation returns one.
type ActivationOption interface {
	ConvOption
	DepthwiseConvOption
	ConvTransposeOption
	DenseOption
	BatchNormOption
}

// The unexported types behind the option families: one per combination of
// families, each a function that sets its fields of the config.
type (
	anyOpt        func(*config)
	windowOpt     func(*config)
	dilationOpt   func(*config)
	weightOpt     func(*config)
	activationOpt func(*config)
	convTOpt      func(*config)
	poolOpt       func(*config)
	batchNormOpt  func(*config)
	softmaxOpt    func(*config)
	convOpt       func(*config)
)

func (f anyOpt) apply(c *config)           { f(c) }
func (anyOpt) convOption()                 {}
func (anyOpt) depthwiseConvOption()        {}
func (anyOpt) convTransposeOption()        {}
func (anyOpt) poolOption()                 {}
func (anyOpt) denseOption()                {}
func (anyOpt) batchNormOption()            {}
func (anyOpt) softmaxOption()              {}
func (f windowOpt) apply(c *config)        { f(c) }
func (windowOpt) convOption()              {}
func (windowOpt) depthwiseConvOption()     {}
func (windowOpt) convTransposeOption()     {}
func (windowOpt) poolOption()              {}
func (f dilationOpt) apply(c *config)      { f(c) }
func (dilationOpt) convOption()            {}
func (dilationOpt) depthwiseConvOption()   {}
func (dilationOpt) convTransposeOption()   {}
func (f weightOpt) apply(c *config)        { f(c) }
func (weightOpt) convOption()              {}
func (weightOpt) depthwiseConvOption()     {}
func (weightOpt) convTransposeOption()     {}
func (weightOpt) denseOption()             {}
func (f activationOpt) apply(c *config)    { f(c) }
func (activationOpt) convOption()          {}
func (activationOpt) depthwiseConvOption() {}
func (activationOpt) convTransposeOption() {}
func (activationOpt) denseOption()         {}
func (activationOpt) batchNormOption()     {}
func (f convTOpt) apply(c *config)         { f(c) }
func (convTOpt) convTransposeOption()      {}
func (f poolOpt) apply(c *config)          { f(c) }
func (poolOpt) poolOption()                {}
func (f batchNormOpt) apply(c *config)     { f(c) }
func (batchNormOpt) batchNormOption()      {}
func (f softmaxOpt) apply(c *config)       { f(c) }
func (softmaxOpt) softmaxOption()          {}
func (f convOpt) apply(c *config)          { f(c) }
func (convOpt) convOption()                {}

// WithKernel sets the kernel size per spatial axis (or one value for
// every axis), overriding the kernel argument of the constructor, for
// kernels that are not square such as 1x7. Default: the kernel argument on
// every axis.
func WithKernel(k ...int) WindowOption {
	return windowOpt(func(c *config) { c.kernelSet = true; c.kernel = append([]int(nil), k...) })
}

// WithStride sets the stride, one value for every spatial axis or one per
// axis. Default 1 for convolutions and the kernel size for pooling.
func WithStride(s ...int) WindowOption {
	return windowOpt(func(c *config) { c.stride = append([]int(nil), s...) })
}

// WithPadding sets the padding mode (Valid, Same). Default Valid.
func WithPadding(p PaddingMode) WindowOption {
	return windowOpt(func(c *config) { c.padding = p })
}

// WithPad sets explicit symmetric padding, one value for every spatial axis
// or one per axis (and selects the Explicit mode). Default 0.
func WithPad(p ...int) WindowOption {
	return windowOpt(func(c *config) { c.padSet = true; c.padding = Explicit; c.pad = append([]int(nil), p...) })
}

// WithDilation sets the kernel dilation, one value or one per axis. Default 1.
func WithDilation(d ...int) DilationOption {
	return dilationOpt(func(c *config) { c.dilation = append([]int(nil), d...) })
}

// WithOutputPadding sets a transposed convolution's output padding (added
// to one side of the output), one value or one per axis. It must be smaller
// than the stride or the dilation. Default 0.
func WithOutputPadding(p ...int) ConvTransposeOption {
	return convTOpt(func(c *config) { c.outPadSet = true; c.outPad = append([]int(nil), p...) })
}

// WithBias turns the additive bias on or off. Default on.
func WithBias(on bool) WeightOption {
	return weightOpt(func(c *config) { c.bias = on })
}

// WithActivation applies an activation layer (NewReLU(), NewELU(1), ...) to
// the layer's output. Default none.
func WithActivation(a Layer) ActivationOption {
	return activationOpt(func(c *config) { c.activation = a })
}

// WithWeightInit sets the weight initialiser. Default graph.TorchDefault()
// (PyTorch's U(±1/√fanIn)).
func WithWeightInit(init graph.Initializer) WeightOption {
	return weightOpt(func(c *config) { c.weightInit = init })
}

// WithBiasInit sets the bias initialiser. Default PyTorch's U(±1/√fanIn).
func WithBiasInit(init graph.Initializer) WeightOption {
	return weightOpt(func(c *config) { c.biasInit = init })
}

// WithSeed seeds the layer's initialisers: the same seed gives the same
// weights. Default: a fresh seed for every layer, so that layers of the
// same shape start from different weights (as in PyTorch and Keras without
// a seed); see Seeds and Initialize for reproducible models.
func WithSeed(seed int64) Option {
	return anyOpt(func(c *config) { c.seed, c.seedSet = seed, true })
}

// WithDtype sets the dtype of the layer's weights: tensor.Float32 (default)
// or tensor.Float64.
func WithDtype(dt tensor.Dtype) Option {
	return anyOpt(func(c *config) { c.dtype = dt })
}

// WithMomentum sets BatchNorm's running-statistics momentum (PyTorch
// convention: running = (1-m)·running + m·batch). Default 0.1.
func WithMomentum(m float64) BatchNormOption {
	return batchNormOpt(func(c *config) { c.momentum = m })
}

// WithEps sets BatchNorm's epsilon. Default 1e-5.
func WithEps(eps float64) BatchNormOption {
	return batchNormOpt(func(c *config) { c.eps = eps })
}

// WithCeilMode makes pooling round the output size up (PyTorch's
// ceil_mode). Default false.
func WithCeilMode(on bool) PoolOption {
	return poolOpt(func(c *config) { c.ceil = on })
}

// WithAffine turns BatchNorm's learnable scale and shift on or off.
// Default on.
func WithAffine(on bool) BatchNormOption {
	return batchNormOpt(func(c *config) { c.affine = on })
}

// WithScale turns BatchNorm's learnable scale γ on or off while keeping
// the shift β, as Keras's BatchNormalization(scale=False), which
// Inception-ResNet uses before ReLU. Without γ the layer has C learnable
// values ("bias") instead of 2·C. Default on.
func WithScale(on bool) BatchNormOption {
	return batchNormOpt(func(c *config) { c.scaleSet = true; c.scale = on })
}

// WithAxis sets the axis Softmax and LogSoftmax normalise along (negative
// values count from the end). Default 1, the channel/class axis.
func WithAxis(axis int) SoftmaxOption {
	return softmaxOpt(func(c *config) { c.axis = axis })
}

// option is what every option family has in common.
type option interface{ apply(*config) }

// newConfig applies opts over the defaults. The option types have already
// decided which options kind takes; newConfig rejects nil options and a
// dtype other than float32 and float64.
func newConfig[O option](kind string, opts []O) (*config, error) {
	c := &config{bias: true, affine: true, scale: true, dtype: tensor.Float32, momentum: 0.1, eps: 1e-5, axis: 1, groups: 1}
	for i, o := range opts {
		if option(o) == nil {
			return nil, argError(kind, "nil option (option %d)", i)
		}
		o.apply(c)
	}
	if !c.seedSet {
		c.seed = freshSeed()
	}
	if c.dtype != tensor.Float32 && c.dtype != tensor.Float64 {
		return nil, argError(kind, "dtype must be float32 or float64, got %v", c.dtype)
	}
	return c, nil
}

// checkPadding verifies c's padding mode and that WithPad comes only with
// Explicit padding (the convolutions and the pooling layers take both).
func checkPadding(ctor string, c *config) error {
	switch c.padding {
	case Valid, Same, Explicit:
	default:
		return argError(ctor, "padding mode must be Valid, Same or Explicit, got %v", c.padding)
	}
	if c.padSet && c.padding != Explicit {
		return argError(ctor, "WithPad(%v) and WithPadding(%v) contradict each other; use one of them", c.pad, c.padding)
	}
	return nil
}

// spatial expands a per-axis setting: nil gives def on every axis, one value
// is repeated, n values are taken as they are. min is the smallest value
// allowed.
func spatial(kind, what string, vals []int, n, def, min int) ([]int, error) {
	out := make([]int, n)
	switch len(vals) {
	case 0:
		for i := range out {
			out[i] = def
		}
	case 1:
		for i := range out {
			out[i] = vals[0]
		}
	case n:
		copy(out, vals)
	default:
		return nil, argError(kind, "%s needs 1 or %d values, got %d (%v)", what, n, len(vals), vals)
	}
	for _, v := range out {
		if v < min {
			return nil, argError(kind, "%s must be >= %d, got %v", what, min, out)
		}
	}
	return out, nil
}
