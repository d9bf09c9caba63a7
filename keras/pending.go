package keras

import (
	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/pkg/errors"
)

// The layers below come from branch mobilenet (grouped convolution, ReLU6,
// ZeroPadding2D); until it is merged they are errors.

func newReLU6() (nn.Layer, error) {
	return nil, errors.New("ReLU6 is not available yet")
}

func newZeroPad2D(top, bottom, left, right int) (nn.Layer, error) {
	return nil, errors.New("ZeroPadding2D is not available yet")
}

func newDepthwise(in, mult, kernel int, opts []nn.Option) (nn.Layer, *graph.Param, *graph.Param, error) {
	return nil, nil, nil, errors.New("DepthwiseConv2D is not available yet")
}
