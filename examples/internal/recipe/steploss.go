package recipe

import "github.com/convnet-go/convnet/train"

// StepLoss records the loss of every training step, for a finer curve than
// the per-epoch history. Pass its Callback to train.Config.
type StepLoss struct {
	steps int // steps per epoch

	// X is the position of each step in epochs (0 before the first step,
	// 1 at the end of the first epoch), Loss its batch loss.
	X, Loss []float64
}

// NewStepLoss returns a StepLoss for epochs of n examples in batches of
// batch.
func NewStepLoss(n, batch int) *StepLoss {
	return &StepLoss{steps: (n + batch - 1) / batch}
}

// Callback returns the callback that appends to s after every step.
func (s *StepLoss) Callback() train.Callback {
	return train.Funcs{BatchEnd: func(_ *train.Trainer, epoch, step int, logs train.Logs) error {
		s.X = append(s.X, float64(epoch-1)+float64(step)/float64(s.steps))
		s.Loss = append(s.Loss, logs["loss"])
		return nil
	}}
}
