package keras

// Option changes how a model is imported.
type Option func(*options)

type options struct {
	momentum *float64
}

// WithMomentum sets the running-statistics momentum of every
// BatchNormalization layer, in PyTorch's convention (running = (1-m)·running
// + m·batch; Keras's momentum k is m = 1-k). Keras models often use
// k = 0.99 or 0.999 (m = 0.01 or 0.001), which adapts the statistics to a
// new dataset only after thousands of steps; fine-tuning on a small set
// wants m near 0.1. Default: the file's momentum.
func WithMomentum(m float64) Option { return func(o *options) { o.momentum = &m } }
