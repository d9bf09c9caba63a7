package nn

// WithGroups splits a convolution's channels into g groups (PyTorch's
// groups, Keras's groups): output channel o sees only the in/g input
// channels of its group o/(out/g), so the weight has shape
// (out, in/g, k...) and the layer g times fewer weights. g must divide in
// and out; g = in = out is the depthwise convolution (NewDepthwiseConv2D).
// Convolutions only, not transposed ones. Default 1.
func WithGroups(g int) ConvOption {
	return convOpt(func(c *config) { c.groups = g })
}

// checkGroups verifies a convolution's groups against its channels.
func checkGroups(ctor string, groups, in, out int) error {
	if groups < 1 {
		return argError(ctor, "groups must be >= 1, got %d", groups)
	}
	if in%groups != 0 || out%groups != 0 {
		return argError(ctor, "groups (%d) must divide the input channels (%d) and the output channels (%d)", groups, in, out)
	}
	return nil
}

// NewDepthwiseConv2D returns the depthwise Conv2D of MobileNet: channels
// to channels·multiplier channels with WithGroups(channels), so that each
// input channel is filtered by its own multiplier kernels of size
// kernel×kernel (Keras's DepthwiseConv2D(depth_multiplier=multiplier),
// PyTorch's Conv2d(c, c·m, k, groups=c)). The weight has shape
// (channels·multiplier, 1, kh, kw); output channel o reads input channel
// o/multiplier.
//
// Options and defaults as for NewConv2D, without WithGroups.
func NewDepthwiseConv2D(channels, multiplier, kernel int, opts ...DepthwiseConvOption) (*Conv2D, error) {
	if channels <= 0 || multiplier <= 0 {
		return nil, argError("NewDepthwiseConv2D", "channels and multiplier must be positive, got channels=%d, multiplier=%d", channels, multiplier)
	}
	// Every DepthwiseConvOption is a ConvOption (the option types say so);
	// a nil one is passed on for NewConv2D to reject.
	convOpts := make([]ConvOption, 0, len(opts)+1)
	for _, o := range opts {
		co, _ := o.(ConvOption)
		convOpts = append(convOpts, co)
	}
	return NewConv2D(channels, channels*multiplier, kernel, append(convOpts, WithGroups(channels))...)
}
