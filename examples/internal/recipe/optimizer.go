package recipe

import "github.com/convnet-go/convnet/train"

// Adam returns train.NewAdam(lr) and, when cosine is set and there is more
// than one epoch, a cosine schedule from lr at the first epoch to lr/10 at
// the last; the schedule is nil otherwise (a constant learning rate).
func Adam(lr float64, epochs int, cosine bool) (train.Optimizer, train.Schedule, error) {
	opt, err := train.NewAdam(lr)
	if err != nil {
		return nil, nil, err
	}
	if !cosine || epochs <= 1 {
		return opt, nil, nil
	}
	sched, err := train.NewCosineAnnealing(epochs-1, lr/10)
	if err != nil {
		return nil, nil, err
	}
	return opt, sched, nil
}
