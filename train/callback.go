package train

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/convnet-go/convnet/internal/atomicfile"
	"github.com/convnet-go/convnet/nn"
	"github.com/pkg/errors"
)

// Callback is called by Fit at fixed points of training. Epochs and steps
// count from 1. Returning an error stops Fit with that error; to stop
// training normally, call t.StopTraining(). Embed BaseCallback to implement
// only some of the hooks, or use Funcs.
type Callback interface {
	// OnTrainBegin is called once before the first epoch.
	OnTrainBegin(t *Trainer) error
	// OnTrainEnd is called once after the last epoch with its logs.
	OnTrainEnd(t *Trainer, logs Logs) error
	// OnEpochBegin is called before each epoch.
	OnEpochBegin(t *Trainer, epoch int) error
	// OnEpochEnd is called after each epoch (and its validation) with the
	// epoch's logs, after they were added to t.History(). Callbacks may add
	// keys to logs; they are not recorded in the History.
	OnEpochEnd(t *Trainer, epoch int, logs Logs) error
	// OnBatchEnd is called after each training step with "loss" (the
	// batch's loss) and "size" (its number of examples).
	OnBatchEnd(t *Trainer, epoch, step int, logs Logs) error
}

// BaseCallback implements every hook of Callback as a no-op.
type BaseCallback struct{}

// OnTrainBegin does nothing.
func (BaseCallback) OnTrainBegin(*Trainer) error { return nil }

// OnTrainEnd does nothing.
func (BaseCallback) OnTrainEnd(*Trainer, Logs) error { return nil }

// OnEpochBegin does nothing.
func (BaseCallback) OnEpochBegin(*Trainer, int) error { return nil }

// OnEpochEnd does nothing.
func (BaseCallback) OnEpochEnd(*Trainer, int, Logs) error { return nil }

// OnBatchEnd does nothing.
func (BaseCallback) OnBatchEnd(*Trainer, int, int, Logs) error { return nil }

// Funcs is a Callback made of optional functions (nil ones are skipped),
// like Keras's LambdaCallback.
type Funcs struct {
	TrainBegin func(t *Trainer) error
	TrainEnd   func(t *Trainer, logs Logs) error
	EpochBegin func(t *Trainer, epoch int) error
	EpochEnd   func(t *Trainer, epoch int, logs Logs) error
	BatchEnd   func(t *Trainer, epoch, step int, logs Logs) error
}

// OnTrainBegin calls f.TrainBegin.
func (f Funcs) OnTrainBegin(t *Trainer) error {
	if f.TrainBegin == nil {
		return nil
	}
	return f.TrainBegin(t)
}

// OnTrainEnd calls f.TrainEnd.
func (f Funcs) OnTrainEnd(t *Trainer, logs Logs) error {
	if f.TrainEnd == nil {
		return nil
	}
	return f.TrainEnd(t, logs)
}

// OnEpochBegin calls f.EpochBegin.
func (f Funcs) OnEpochBegin(t *Trainer, epoch int) error {
	if f.EpochBegin == nil {
		return nil
	}
	return f.EpochBegin(t, epoch)
}

// OnEpochEnd calls f.EpochEnd.
func (f Funcs) OnEpochEnd(t *Trainer, epoch int, logs Logs) error {
	if f.EpochEnd == nil {
		return nil
	}
	return f.EpochEnd(t, epoch, logs)
}

// OnBatchEnd calls f.BatchEnd.
func (f Funcs) OnBatchEnd(t *Trainer, epoch, step int, logs Logs) error {
	if f.BatchEnd == nil {
		return nil
	}
	return f.BatchEnd(t, epoch, step, logs)
}

// monitor tracks the best value of a logged quantity.
type monitor struct {
	key      string
	mode     MonitorMode
	minDelta float64
	best     float64
}

// begin resolves the key and mode against the trainer and resets the best
// value. A key of the validation set ("val_...") without one is an error
// from kind (the callback) at the start of Fit, not after a wasted epoch.
func (m *monitor) begin(kind string, t *Trainer) error {
	if m.key == "" {
		m.key = t.defaultMonitor()
	}
	if strings.HasPrefix(m.key, "val_") && !t.hasVal {
		why := "no validation set was given to Fit"
		if t.valEmpty {
			why = "the validation set is empty"
		}
		return argErrorf(kind, "monitored quantity %q is computed on the validation set, but %s", m.key, why)
	}
	if m.mode == Auto {
		m.mode = t.modeOf(m.key)
	}
	m.best = math.Inf(1)
	if m.mode == Max {
		m.best = math.Inf(-1)
	}
	return nil
}

// value reads the monitored key from logs.
func (m *monitor) value(kind string, logs Logs) (float64, error) {
	v, ok := logs[m.key]
	if !ok {
		keys := make([]string, 0, len(logs))
		for k := range logs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return 0, argErrorf(kind, "monitored quantity %q is not logged (logs have %s)", m.key, strings.Join(keys, ", "))
	}
	return v, nil
}

// improves reports whether v beats the best value by more than minDelta.
func (m *monitor) improves(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	if m.mode == Max {
		return v > m.best+m.minDelta
	}
	return v < m.best-m.minDelta
}

// EarlyStopping stops training when a monitored quantity has not improved
// for a number of epochs, and (by default) restores the weights of the
// best epoch at the end of training, as Keras's EarlyStopping with
// restore_best_weights=True.
type EarlyStopping struct {
	BaseCallback
	mon          monitor
	patience     int
	restore      bool
	wait         int
	bestEpoch    int
	stoppedEpoch int
	snap         *snapshot
}

// NewEarlyStopping returns an EarlyStopping callback. Options: WithMonitor
// (default "val_loss", or "loss" without a validation set), WithMode
// (Auto), WithPatience (0: stop after the first epoch without
// improvement; n: after n such epochs in a row), WithMinDelta (0),
// WithRestoreBest (on).
func NewEarlyStopping(opts ...EarlyStoppingOption) (*EarlyStopping, error) {
	o, err := newOptions("NewEarlyStopping", options{restoreBest: true}, opts)
	if err != nil {
		return nil, err
	}
	if o.patience < 0 || !(o.minDelta >= 0) {
		return nil, argErrorf("NewEarlyStopping", "patience and min delta must be >= 0, got %d and %g", o.patience, o.minDelta)
	}
	return &EarlyStopping{mon: monitor{key: o.monitor, mode: o.mode, minDelta: o.minDelta}, patience: o.patience, restore: o.restoreBest}, nil
}

// OnTrainBegin resets the state.
func (e *EarlyStopping) OnTrainBegin(t *Trainer) error {
	if err := e.mon.begin("EarlyStopping", t); err != nil {
		return err
	}
	e.wait, e.bestEpoch, e.stoppedEpoch, e.snap = 0, 0, 0, nil
	return nil
}

// OnEpochEnd checks for improvement and stops training after too many
// epochs without.
func (e *EarlyStopping) OnEpochEnd(t *Trainer, epoch int, logs Logs) error {
	v, err := e.mon.value("EarlyStopping", logs)
	if err != nil {
		return err
	}
	if e.mon.improves(v) {
		e.mon.best, e.bestEpoch, e.wait = v, epoch, 0
		if e.restore {
			e.snap = takeSnapshot(t.Model())
		}
		return nil
	}
	e.wait++
	if e.wait >= max(e.patience, 1) {
		e.stoppedEpoch = epoch
		t.StopTraining()
		t.logf("EarlyStopping: no improvement of %s for %d epoch(s); stopping after epoch %d (best %.6g at epoch %d)\n",
			e.mon.key, e.wait, epoch, e.mon.best, e.bestEpoch)
	}
	return nil
}

// OnTrainEnd restores the best epoch's weights (with WithRestoreBest).
func (e *EarlyStopping) OnTrainEnd(t *Trainer, _ Logs) error {
	if !e.restore || e.snap == nil {
		return nil
	}
	if err := e.snap.restore(); err != nil {
		return errors.Wrap(err, "train: EarlyStopping")
	}
	t.logf("EarlyStopping: restored the weights of epoch %d (%s %.6g)\n", e.bestEpoch, e.mon.key, e.mon.best)
	return nil
}

// BestEpoch returns the epoch with the best monitored value (0 before any).
func (e *EarlyStopping) BestEpoch() int { return e.bestEpoch }

// Best returns the best monitored value.
func (e *EarlyStopping) Best() float64 { return e.mon.best }

// StoppedEpoch returns the epoch after which training was stopped (0 when
// it ran to the end).
func (e *EarlyStopping) StoppedEpoch() int { return e.stoppedEpoch }

// SaveFunc writes a model's weights to a file.
type SaveFunc func(l nn.Layer, path string) error

// defaultSaveFunc is nn.SaveSafetensors.
func defaultSaveFunc() SaveFunc { return nn.SaveSafetensors }

// ModelCheckpoint saves the model's weights after epochs, atomically: the
// file is written under a temporary name in the same directory and renamed
// over path, so a crash or a failing write never leaves a partial file, and
// an earlier checkpoint stays intact.
type ModelCheckpoint struct {
	BaseCallback
	path      string
	mon       monitor
	bestOnly  bool
	save      SaveFunc
	lastSaved string
	lastEpoch int
}

// NewModelCheckpoint returns a ModelCheckpoint that writes to path; "{epoch}"
// in path is replaced by the epoch number. Options: WithMonitor (default
// "val_loss", or "loss" without a validation set), WithMode (Auto),
// WithBestOnly (on: save only when the monitored quantity improves),
// WithMinDelta (0), WithSaveFunc (default nn.SaveSafetensors).
func NewModelCheckpoint(path string, opts ...ModelCheckpointOption) (*ModelCheckpoint, error) {
	o, err := newOptions("NewModelCheckpoint", options{bestOnly: true}, opts)
	if err != nil {
		return nil, err
	}
	if path == "" {
		return nil, argErrorf("NewModelCheckpoint", "path is empty")
	}
	save := o.save
	return &ModelCheckpoint{path: path, mon: monitor{key: o.monitor, mode: o.mode, minDelta: o.minDelta}, bestOnly: o.bestOnly, save: save}, nil
}

// OnTrainBegin resets the best value.
func (c *ModelCheckpoint) OnTrainBegin(t *Trainer) error {
	if !c.bestOnly {
		return nil // the monitor is not read
	}
	return c.mon.begin("ModelCheckpoint", t)
}

// OnEpochEnd saves the weights if the epoch qualifies.
func (c *ModelCheckpoint) OnEpochEnd(t *Trainer, epoch int, logs Logs) error {
	if c.bestOnly {
		v, err := c.mon.value("ModelCheckpoint", logs)
		if err != nil {
			return err
		}
		if !c.mon.improves(v) {
			return nil
		}
		c.mon.best = v
	}
	path := strings.ReplaceAll(c.path, "{epoch}", fmt.Sprint(epoch))
	if err := SaveAtomic(t.Model(), path, c.save); err != nil {
		return errors.Wrapf(err, "train: ModelCheckpoint: epoch %d", epoch)
	}
	c.lastSaved, c.lastEpoch = path, epoch
	return nil
}

// LastSaved returns the path and epoch of the last checkpoint written ("",
// 0 before any).
func (c *ModelCheckpoint) LastSaved() (string, int) { return c.lastSaved, c.lastEpoch }

// SaveAtomic writes l's weights with save (nil: nn.SaveSafetensors) to a
// temporary file next to path and renames it to path, so that path always
// holds a complete file: the old one until the new one is complete. One
// save makes one temporary file, and a save removes the temporary files that
// killed processes left beside path (see internal/atomicfile). A path that
// is a symbolic link is followed: the file it points to is replaced.
func SaveAtomic(l nn.Layer, path string, save SaveFunc) error {
	if save == nil {
		// nn.SaveSafetensors writes atomically itself; wrapping it in a
		// second temporary file would nest two per save.
		return defaultSaveFunc()(l, path)
	}
	return atomicfile.WithTemp(path, func(tmp string) error { return save(l, tmp) })
}

// WithSaveFunc sets the function ModelCheckpoint writes weights with.
// Default nn.SaveSafetensors.
func WithSaveFunc(f SaveFunc) ModelCheckpointOption {
	return ckptOpt(func(o *options) { o.save = f })
}

// ReduceLROnPlateau multiplies the learning rate by a factor when a
// monitored quantity has stopped improving, as Keras's ReduceLROnPlateau.
type ReduceLROnPlateau struct {
	BaseCallback
	mon      monitor
	factor   float64
	patience int
	cooldown int
	minLR    float64
	wait     int
	cool     int
}

// NewReduceLROnPlateau returns a ReduceLROnPlateau callback. Options:
// WithMonitor (default "val_loss", or "loss" without a validation set),
// WithMode (Auto), WithFactor (0.1, in (0, 1)), WithPatience (10),
// WithMinDelta (1e-4), WithCooldown (0), WithMinLR (0).
func NewReduceLROnPlateau(opts ...ReduceLROnPlateauOption) (*ReduceLROnPlateau, error) {
	o, err := newOptions("NewReduceLROnPlateau", options{factor: 0.1, patience: 10, minDelta: 1e-4}, opts)
	if err != nil {
		return nil, err
	}
	switch {
	case !(o.factor > 0 && o.factor < 1):
		return nil, argErrorf("NewReduceLROnPlateau", "factor must be in (0, 1), got %g", o.factor)
	case o.patience < 0 || o.cooldown < 0 || !(o.minDelta >= 0) || !(o.minLR >= 0):
		return nil, argErrorf("NewReduceLROnPlateau", "patience, cooldown, min delta and min lr must be >= 0, got %d, %d, %g, %g",
			o.patience, o.cooldown, o.minDelta, o.minLR)
	}
	return &ReduceLROnPlateau{mon: monitor{key: o.monitor, mode: o.mode, minDelta: o.minDelta},
		factor: o.factor, patience: o.patience, cooldown: o.cooldown, minLR: o.minLR}, nil
}

// OnTrainBegin resets the state.
func (r *ReduceLROnPlateau) OnTrainBegin(t *Trainer) error {
	if err := r.mon.begin("ReduceLROnPlateau", t); err != nil {
		return err
	}
	r.wait, r.cool = 0, 0
	return nil
}

// OnEpochEnd lowers the learning rate after patience epochs without
// improvement.
func (r *ReduceLROnPlateau) OnEpochEnd(t *Trainer, epoch int, logs Logs) error {
	v, err := r.mon.value("ReduceLROnPlateau", logs)
	if err != nil {
		return err
	}
	if r.cool > 0 {
		r.cool--
		r.wait = 0
	}
	if r.mon.improves(v) {
		r.mon.best, r.wait = v, 0
		return nil
	}
	if r.cool > 0 {
		return nil
	}
	r.wait++
	if r.wait >= r.patience {
		opt := t.Optimizer()
		if old := opt.LR(); old > r.minLR {
			lr := math.Max(old*r.factor, r.minLR)
			opt.SetLR(lr)
			t.logf("ReduceLROnPlateau: epoch %d: learning rate %g -> %g\n", epoch, old, lr)
			r.cool, r.wait = r.cooldown, 0
		}
	}
	return nil
}

// LRScheduler sets the optimizer's learning rate from a Schedule at the
// start of every epoch. Config.Schedule adds one before the other
// callbacks.
type LRScheduler struct {
	BaseCallback
	s    Schedule
	base float64
}

// NewLRScheduler returns an LRScheduler for s.
func NewLRScheduler(s Schedule) (*LRScheduler, error) {
	if s == nil {
		return nil, argErrorf("NewLRScheduler", "schedule is nil")
	}
	return &LRScheduler{s: s}, nil
}

// OnTrainBegin records the optimizer's learning rate as the base.
func (l *LRScheduler) OnTrainBegin(t *Trainer) error {
	l.base = t.Optimizer().LR()
	return nil
}

// OnEpochBegin sets the epoch's learning rate.
func (l *LRScheduler) OnEpochBegin(t *Trainer, epoch int) error {
	lr := l.s.LR(epoch, l.base)
	if !(lr > 0) || math.IsInf(lr, 0) {
		return argErrorf("LRScheduler", "schedule gave learning rate %g for epoch %d", lr, epoch)
	}
	t.Optimizer().SetLR(lr)
	return nil
}

// CSVLogger writes the training history as CSV to a file after every
// epoch (atomically, so the file is always complete).
type CSVLogger struct {
	BaseCallback
	path string
}

// NewCSVLogger returns a CSVLogger writing to path.
func NewCSVLogger(path string) (*CSVLogger, error) {
	if path == "" {
		return nil, argErrorf("NewCSVLogger", "path is empty")
	}
	return &CSVLogger{path: path}, nil
}

// OnEpochEnd rewrites the file with the history so far.
func (c *CSVLogger) OnEpochEnd(t *Trainer, _ int, _ Logs) error {
	return errors.Wrap(t.History().SaveCSV(c.path), "train: CSVLogger")
}
