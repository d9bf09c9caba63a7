package recipe

import "github.com/convnet-go/convnet/nn"

// MNISTNet builds examples/mnist's network, initialised from seed:
//
//	Conv(1→32, 3×3) - ReLU - MaxPool 2
//	Conv(32→64, 3×3) - ReLU - MaxPool 2
//	Flatten - Dense(1600→128) - ReLU - Dropout(0.25) - Dense(128→10)
//
// examples/tour builds the same one, so it loads the weights
// examples/mnist saves.
func MNISTNet(seed int64) (*nn.Sequential, error) {
	conv1, err := nn.NewConv2D(1, 32, 3, nn.WithActivation(nn.NewReLU()))
	if err != nil {
		return nil, err
	}
	pool1, err := nn.NewMaxPool2D(2)
	if err != nil {
		return nil, err
	}
	conv2, err := nn.NewConv2D(32, 64, 3, nn.WithActivation(nn.NewReLU()))
	if err != nil {
		return nil, err
	}
	pool2, err := nn.NewMaxPool2D(2)
	if err != nil {
		return nil, err
	}
	fc1, err := nn.NewDense(64*5*5, 128, nn.WithActivation(nn.NewReLU()))
	if err != nil {
		return nil, err
	}
	drop, err := nn.NewDropout(0.25)
	if err != nil {
		return nil, err
	}
	fc2, err := nn.NewDense(128, 10)
	if err != nil {
		return nil, err
	}
	m, err := nn.NewSequential(conv1, pool1, conv2, pool2, nn.NewFlatten(), fc1, drop, fc2)
	if err != nil {
		return nil, err
	}
	return m, nn.Initialize(m, seed)
}
