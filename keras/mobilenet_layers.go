package keras

import (
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
)

// MobileNet's layers: nn's ReLU6, ZeroPadding2D and depthwise Conv2D.

func newReLU6() (nn.Layer, error) { return nn.NewReLU6(), nil }

func newZeroPad2D(top, bottom, left, right int) (nn.Layer, error) {
	return nn.NewZeroPadding2D(top, bottom, left, right)
}

func newDepthwise(in, mult, kernel int, opts []nn.DepthwiseConvOption) (nn.Layer, *graph.Param, *graph.Param, error) {
	l, err := nn.NewDepthwiseConv2D(in, mult, kernel, opts...)
	if err != nil {
		return nil, nil, nil, err
	}
	return l, l.Weight(), l.Bias(), nil
}
