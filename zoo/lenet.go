package zoo

import "fmt"

// LeNet is LeCun et al.'s LeNet-5 (1998) for 28x28 digits. See LeNet5.
type LeNet struct{ model }

// LeNet5 returns the classic LeNet-5 for (N, 1, 28, 28) inputs (MNIST),
// with the first convolution padded by 2 so that 28x28 plays the role of
// the paper's 32x32:
//
//	conv1 Conv(1, 6, 5, pad 2) -> act -> pool1 AvgPool(2)   6x28x28 -> 6x14x14
//	conv2 Conv(6, 16, 5)       -> act -> pool2 AvgPool(2)  16x10x10 -> 16x5x5
//	flatten -> fc1 Dense(400, 120) -> act -> fc2 Dense(120, 84) -> act -> fc3 Dense(84, numClasses)
//
// The activation is Tanh, as in the paper (WithReLU selects ReLU). The
// paper's subsampling layers had a trainable coefficient and bias and its
// C3 layer a sparse connection table; here the pooling is a plain 2x2
// average and C3 is fully connected, as in most modern re-implementations.
// Output: logits (N, numClasses). With 10 classes it has 61,706 parameters:
// conv1 156, conv2 2,416, fc1 48,120, fc2 10,164, fc3 850.
//
// Params: conv1.weight/bias, conv2.weight/bias, fc1, fc2, fc3 (PyTorch
// default initialisation). Options: WithReLU, WithInputChannels (default
// 1), WithSeed, WithDtype.
func LeNet5(numClasses int, opts ...LeNetOption) (*LeNet, error) {
	const kind = "LeNet5"
	c, err := newModelConfig(kind, numClasses, config{inChannels: 1}, opts)
	if err != nil {
		return nil, err
	}
	act := tanh
	if c.relu {
		act = relu
	}
	mk := &maker{kind: kind, c: c}
	net := seq(
		child("conv1", mk.conv(c.inChannels, 6, 5, padOpt(2))), child("act1", act()), child("pool1", mk.avgPool(2, 2, 0, false)),
		child("conv2", mk.conv(6, 16, 5)), child("act2", act()), child("pool2", mk.avgPool(2, 2, 0, false)),
		child("flatten", flatten()),
		child("fc1", mk.dense(16*5*5, 120)), child("act3", act()),
		child("fc2", mk.dense(120, 84)), child("act4", act()),
		child("fc3", mk.dense(84, numClasses)),
	)
	if mk.err != nil {
		return nil, mk.err
	}
	actName := "tanh"
	if c.relu {
		actName = "relu"
	}
	m := &LeNet{model{name: kind, desc: fmt.Sprintf("classes=%d, %s", numClasses, actName), net: net}}
	return m, m.finish(m, c.seed)
}
