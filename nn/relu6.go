package nn

import "github.com/convnet-go/convnet/ops"

// ReLU6 is min(max(0, x), 6), elementwise: MobileNetV2's activation
// (PyTorch's ReLU6, Keras's ReLU(max_value=6)). Output shape = input shape.
type ReLU6 struct{ activation }

// NewReLU6 returns a ReLU6 layer.
func NewReLU6() *ReLU6 { return &ReLU6{activation{"ReLU6", ops.ReLU6}} }
