package nn

import (
	"fmt"
	"strings"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/optset"
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

// config collects the optional settings of every layer. Each constructor
// reads the fields that apply to it and rejects options that do not.
type config struct {
	given optset.Given

	kernel     []int
	stride     []int
	padding    PaddingMode
	pad        []int
	dilation   []int
	outPad     []int
	bias       bool
	activation Layer
	weightInit graph.Initializer
	biasInit   graph.Initializer
	seed       int64
	dtype      tensor.Dtype
	momentum   float64
	eps        float64
	ceil       bool
	affine     bool
	scale      bool
	axis       int
	groups     int // convolutions: see WithGroups in conv_grouped.go
}

// Option sets an optional argument of a layer constructor. Passing an option
// a layer does not take is an error from the constructor.
type Option func(*config)

// WithKernel sets the kernel size per spatial axis (or one value for
// every axis), overriding the kernel argument of the constructor, for
// kernels that are not square such as 1x7. Default: the kernel argument on
// every axis.
func WithKernel(k ...int) Option {
	return func(c *config) { c.given.Mark("WithKernel"); c.kernel = append([]int(nil), k...) }
}

// WithStride sets the stride, one value for every spatial axis or one per
// axis. Default 1 for convolutions and the kernel size for pooling.
func WithStride(s ...int) Option {
	return func(c *config) { c.given.Mark("WithStride"); c.stride = append([]int(nil), s...) }
}

// WithPadding sets the padding mode (Valid, Same). Default Valid.
func WithPadding(p PaddingMode) Option {
	return func(c *config) { c.given.Mark("WithPadding"); c.padding = p }
}

// WithPad sets explicit symmetric padding, one value for every spatial axis
// or one per axis (and selects the Explicit mode). Default 0.
func WithPad(p ...int) Option {
	return func(c *config) { c.given.Mark("WithPad"); c.padding = Explicit; c.pad = append([]int(nil), p...) }
}

// WithDilation sets the kernel dilation, one value or one per axis. Default 1.
func WithDilation(d ...int) Option {
	return func(c *config) { c.given.Mark("WithDilation"); c.dilation = append([]int(nil), d...) }
}

// WithOutputPadding sets a transposed convolution's output padding (added
// to one side of the output), one value or one per axis. It must be smaller
// than the stride or the dilation. Default 0.
func WithOutputPadding(p ...int) Option {
	return func(c *config) { c.given.Mark("WithOutputPadding"); c.outPad = append([]int(nil), p...) }
}

// WithBias turns the additive bias on or off. Default on.
func WithBias(on bool) Option {
	return func(c *config) { c.given.Mark("WithBias"); c.bias = on }
}

// WithActivation applies an activation layer (NewReLU(), NewELU(1), ...) to
// the layer's output. Default none.
func WithActivation(a Layer) Option {
	return func(c *config) { c.given.Mark("WithActivation"); c.activation = a }
}

// WithWeightInit sets the weight initialiser. Default graph.TorchDefault()
// (PyTorch's U(±1/√fanIn)).
func WithWeightInit(init graph.Initializer) Option {
	return func(c *config) { c.given.Mark("WithWeightInit"); c.weightInit = init }
}

// WithBiasInit sets the bias initialiser. Default PyTorch's U(±1/√fanIn).
func WithBiasInit(init graph.Initializer) Option {
	return func(c *config) { c.given.Mark("WithBiasInit"); c.biasInit = init }
}

// WithSeed seeds the layer's initialisers. Default 0. Containers
// re-initialise their children from their own seed (see Initialize).
func WithSeed(seed int64) Option {
	return func(c *config) { c.given.Mark("WithSeed"); c.seed = seed }
}

// WithDtype sets the dtype of the layer's weights: tensor.Float32 (default)
// or tensor.Float64.
func WithDtype(dt tensor.Dtype) Option {
	return func(c *config) { c.given.Mark("WithDtype"); c.dtype = dt }
}

// WithMomentum sets BatchNorm's running-statistics momentum (PyTorch
// convention: running = (1-m)·running + m·batch). Default 0.1.
func WithMomentum(m float64) Option {
	return func(c *config) { c.given.Mark("WithMomentum"); c.momentum = m }
}

// WithEps sets BatchNorm's epsilon. Default 1e-5.
func WithEps(eps float64) Option {
	return func(c *config) { c.given.Mark("WithEps"); c.eps = eps }
}

// WithCeilMode makes pooling round the output size up (PyTorch's
// ceil_mode). Default false.
func WithCeilMode(on bool) Option {
	return func(c *config) { c.given.Mark("WithCeilMode"); c.ceil = on }
}

// WithAffine turns BatchNorm's learnable scale and shift on or off.
// Default on.
func WithAffine(on bool) Option {
	return func(c *config) { c.given.Mark("WithAffine"); c.affine = on }
}

// WithScale turns BatchNorm's learnable scale γ on or off while keeping
// the shift β, as Keras's BatchNormalization(scale=False), which
// Inception-ResNet uses before ReLU. Without γ the layer has C learnable
// values ("bias") instead of 2·C. Default on.
func WithScale(on bool) Option {
	return func(c *config) { c.given.Mark("WithScale"); c.scale = on }
}

// WithAxis sets the axis Softmax and LogSoftmax normalise along (negative
// values count from the end). Default 1, the channel/class axis.
func WithAxis(axis int) Option {
	return func(c *config) { c.given.Mark("WithAxis"); c.axis = axis }
}

// newConfig applies opts over the defaults and returns an error naming any
// option that kind does not take.
func newConfig(kind string, opts []Option, allowed ...string) (*config, error) {
	c := &config{bias: true, affine: true, scale: true, dtype: tensor.Float32, momentum: 0.1, eps: 1e-5, axis: 1, groups: 1}
	for _, o := range opts {
		if o == nil {
			return nil, argError(kind, "nil option")
		}
		o(c)
	}
	if bad := c.given.Unknown(allowed, []string{"WithSeed", "WithDtype"}); len(bad) > 0 {
		return nil, argError(kind, "does not take option %s", strings.Join(bad, ", "))
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
	if c.given["WithPad"] && c.padding != Explicit {
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
