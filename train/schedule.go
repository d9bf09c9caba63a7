package train

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate of an epoch. Epochs count from 1; base
// is the optimizer's learning rate when Fit started. A Schedule set in
// Config.Schedule is applied at the start of every epoch.
type Schedule interface {
	LR(epoch int, base float64) float64
}

// StepDecay multiplies the learning rate by Gamma every StepSize epochs,
// as torch.optim.lr_scheduler.StepLR stepped once per epoch:
//
//	lr(epoch) = base · gamma^floor((epoch-1)/stepSize)
type StepDecay struct {
	stepSize int
	gamma    float64
}

// NewStepDecay returns a StepDecay schedule; stepSize must be positive and
// gamma in (0, 1].
func NewStepDecay(stepSize int, gamma float64) (*StepDecay, error) {
	if stepSize <= 0 {
		return nil, argErrorf("NewStepDecay", "step size must be positive, got %d", stepSize)
	}
	if !(gamma > 0 && gamma <= 1) {
		return nil, argErrorf("NewStepDecay", "gamma must be in (0, 1], got %g", gamma)
	}
	return &StepDecay{stepSize: stepSize, gamma: gamma}, nil
}

// LR returns base·gamma^floor((epoch-1)/stepSize).
func (s *StepDecay) LR(epoch int, base float64) float64 {
	if epoch < 1 {
		epoch = 1
	}
	return base * math.Pow(s.gamma, float64((epoch-1)/s.stepSize))
}

// String describes the schedule.
func (s *StepDecay) String() string {
	return fmt.Sprintf("StepDecay(step_size=%d, gamma=%g)", s.stepSize, s.gamma)
}

// CosineAnnealing anneals the learning rate from base to etaMin along half
// a cosine over tMax epochs, as torch.optim.lr_scheduler.CosineAnnealingLR
// stepped once per epoch (closed form):
//
//	lr(epoch) = etaMin + (base - etaMin)·(1 + cos(π·(epoch-1)/tMax))/2
//
// Past tMax epochs the curve goes back up, as in PyTorch's closed form;
// choose tMax >= the number of epochs for a plain decay.
type CosineAnnealing struct {
	tMax   int
	etaMin float64
}

// NewCosineAnnealing returns a CosineAnnealing schedule; tMax must be
// positive and etaMin >= 0.
func NewCosineAnnealing(tMax int, etaMin float64) (*CosineAnnealing, error) {
	if tMax <= 0 {
		return nil, argErrorf("NewCosineAnnealing", "tMax must be positive, got %d", tMax)
	}
	if !(etaMin >= 0) {
		return nil, argErrorf("NewCosineAnnealing", "etaMin must be >= 0, got %g", etaMin)
	}
	return &CosineAnnealing{tMax: tMax, etaMin: etaMin}, nil
}

// LR returns etaMin + (base-etaMin)·(1+cos(π·(epoch-1)/tMax))/2.
func (c *CosineAnnealing) LR(epoch int, base float64) float64 {
	if epoch < 1 {
		epoch = 1
	}
	return c.etaMin + (base-c.etaMin)*(1+math.Cos(math.Pi*float64(epoch-1)/float64(c.tMax)))/2
}

// String describes the schedule.
func (c *CosineAnnealing) String() string {
	return fmt.Sprintf("CosineAnnealing(t_max=%d, eta_min=%g)", c.tMax, c.etaMin)
}

// ScheduleFunc adapts a function to the Schedule interface.
type ScheduleFunc func(epoch int, base float64) float64

// LR calls f.
func (f ScheduleFunc) LR(epoch int, base float64) float64 { return f(epoch, base) }
