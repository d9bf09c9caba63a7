package zoo

import "github.com/convnet-go/convnet/nn"

// maxPool is a MaxPool2D with a k x k window, stride s, padding p and
// PyTorch's ceil_mode.
func (mk *maker) maxPool(k, s, p int, ceil bool) nn.Layer {
	if mk.err != nil {
		return nil
	}
	opts := []nn.PoolOption{strideOpt(s)}
	if p > 0 {
		opts = append(opts, padOpt(p))
	}
	if ceil {
		opts = append(opts, nn.WithCeilMode(true))
	}
	l, err := nn.NewMaxPool2D(k, opts...)
	if err != nil {
		return mk.fail(err)
	}
	return l
}

// avgPool is an AvgPool2D with a k x k window and stride s: with keras,
// Keras's "same" padding whose zeros are left out of the mean (p is then
// ignored); otherwise PyTorch's explicit padding p counted in the mean.
func (mk *maker) avgPool(k, s, p int, keras bool) nn.Layer {
	if mk.err != nil {
		return nil
	}
	opts := []nn.PoolOption{strideOpt(s)}
	switch {
	case keras:
		opts = append(opts, nn.WithPadding(nn.Same))
	case p > 0:
		opts = append(opts, padOpt(p))
	}
	l, err := nn.NewAvgPool2D(k, opts...)
	if err != nil {
		return mk.fail(err)
	}
	return l
}
