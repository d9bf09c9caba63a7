package train

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/nn"
	"github.com/convnet-go/convnet/train/data"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Verbosity chooses what Fit prints.
type Verbosity int

const (
	// Bar prints a progress bar per epoch (loss and metrics so far,
	// images/s, time left) and a one-line summary after each epoch. It is
	// the default.
	Bar Verbosity = iota
	// Summary prints only the one-line summary after each epoch.
	Summary
	// Silent prints nothing.
	Silent
)

// String returns "bar", "summary" or "silent".
func (v Verbosity) String() string {
	switch v {
	case Bar:
		return "bar"
	case Summary:
		return "summary"
	case Silent:
		return "silent"
	}
	return fmt.Sprintf("Verbosity(%d)", int(v))
}

// Config holds the settings of a Trainer. The zero value of every field
// means its default, so Config{} trains one epoch with batches of 32,
// softmax cross-entropy and Adam(1e-3). The scalar fields are plain data
// (they marshal to JSON); the behaviour fields (Loss, Optimizer, Schedule,
// Metrics, Callbacks, Output) do not.
type Config struct {
	// Epochs is the number of passes over the training set. Default 1.
	Epochs int `json:"epochs"`
	// BatchSize is the number of examples per training step. The last
	// batch of an epoch holds the remaining examples (it is used, not
	// dropped). A BatchSize larger than the training set (up to
	// math.MaxInt) trains on the whole set in one step. Default 32.
	BatchSize int `json:"batch_size"`
	// EvalBatchSize is the batch size of Evaluate, Predict and validation.
	// Default BatchSize.
	EvalBatchSize int `json:"eval_batch_size"`
	// Seed seeds the shuffling of the training set and the random ops of
	// the training graphs (Dropout). The same seed, model initialisation
	// and data give bit-identical weights. Default 0.
	Seed int64 `json:"seed"`
	// NoShuffle keeps the training set in its order. Default false: the
	// examples are shuffled at the start of every epoch.
	NoShuffle bool `json:"no_shuffle"`
	// ClipNorm, when > 0, scales the gradients of each step so that their
	// global L2 norm is at most ClipNorm (torch.nn.utils.clip_grad_norm_).
	// Default 0: no clipping.
	ClipNorm float64 `json:"clip_norm"`
	// Verbosity chooses what Fit prints. Default Bar.
	Verbosity Verbosity `json:"verbosity"`

	// Loss is minimised. Default SoftmaxCrossEntropy().
	Loss Loss `json:"-"`
	// Optimizer updates the weights. Default Adam with learning rate 1e-3.
	Optimizer Optimizer `json:"-"`
	// Schedule, if set, sets the learning rate at the start of every epoch
	// (see LRScheduler). Default none: the optimizer's rate is kept.
	Schedule Schedule `json:"-"`
	// Metrics are computed on the training batches of every epoch (from
	// the training forward pass, so with Dropout active) and on the
	// validation set. Default none: only the loss.
	Metrics []Metric `json:"-"`
	// Callbacks are called in order at the hooks of Fit. Default none.
	Callbacks []Callback `json:"-"`
	// Output receives the progress bar and the epoch summaries. Default
	// os.Stderr.
	Output io.Writer `json:"-"`
}

// NonFiniteLossError is returned by Fit when a step's loss is NaN or
// infinite; training stops at that step, before the weights are updated.
type NonFiniteLossError struct {
	Epoch, Step, Steps int
	Loss               float64
}

// Error names the epoch and the step.
func (e *NonFiniteLossError) Error() string {
	return fmt.Sprintf("train: epoch %d, step %d of %d: loss is %v; training stopped (lower the learning rate, check the data, or clip gradients with Config.ClipNorm)",
		e.Epoch, e.Step, e.Steps, e.Loss)
}

// Trainer fits a model to datasets, Keras style: Fit, Evaluate, Predict.
//
// A Gorgonia graph has a fixed batch size, so the Trainer builds and
// caches one training graph per (batch shape, dtype, set of frozen
// Params); the last, smaller batch of an epoch gets its own graph. Eval
// graphs (Evaluate, Predict, validation) are cached per batch shape. All
// graphs bind the model's Params by reference, and the optimizer updates
// them in place, so every graph sees the current weights.
//
// A Trainer is not safe for concurrent use.
type Trainer struct {
	model     nn.Layer
	cfg       Config
	callbacks []Callback
	out       io.Writer

	graphs map[string]*stepGraph

	history *History
	stop    bool
	hasVal  bool
	// valEmpty: Fit was given a validation set with no examples.
	valEmpty bool
	epoch    int
	epochs   int
}

// New returns a Trainer for model with the settings of cfg (zero fields
// take their defaults, see Config).
func New(model nn.Layer, cfg Config) (*Trainer, error) {
	if model == nil {
		return nil, graph.ArgErrorf("train: New: model is nil")
	}
	switch {
	case cfg.Epochs < 0:
		return nil, argErrorf("New", "Epochs must be >= 0, got %d", cfg.Epochs)
	case cfg.BatchSize < 0:
		return nil, argErrorf("New", "BatchSize must be >= 0, got %d", cfg.BatchSize)
	case cfg.EvalBatchSize < 0:
		return nil, argErrorf("New", "EvalBatchSize must be >= 0, got %d", cfg.EvalBatchSize)
	case !(cfg.ClipNorm >= 0):
		return nil, argErrorf("New", "ClipNorm must be >= 0, got %g", cfg.ClipNorm)
	case cfg.Verbosity < Bar || cfg.Verbosity > Silent:
		return nil, argErrorf("New", "unknown Verbosity %d", int(cfg.Verbosity))
	}
	if _, err := nn.Dtype(model); err != nil {
		return nil, errors.Wrap(err, "train: New")
	}
	if cfg.Epochs == 0 {
		cfg.Epochs = 1
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 32
	}
	if cfg.EvalBatchSize == 0 {
		cfg.EvalBatchSize = cfg.BatchSize
	}
	if cfg.Loss == nil {
		cfg.Loss = defaultLoss()
		if cfg.Loss == nil {
			return nil, argErrorf("New", "Config.Loss is nil")
		}
	}
	if cfg.Optimizer == nil {
		opt, err := NewAdam(1e-3)
		if err != nil {
			return nil, err
		}
		cfg.Optimizer = opt
	}
	names := map[string]bool{"loss": true, "lr": true}
	for i, m := range cfg.Metrics {
		if m == nil {
			return nil, argErrorf("New", "metric %d is nil", i)
		}
		if n := m.Name(); names[n] || strings.HasPrefix(n, "val_") || n == "" {
			return nil, argErrorf("New", "metric %d: name %q is empty, reserved or used twice", i, n)
		}
		names[m.Name()] = true
	}
	t := &Trainer{model: model, cfg: cfg, out: cfg.Output, graphs: map[string]*stepGraph{}, history: NewHistory()}
	if t.out == nil {
		t.out = os.Stderr
	}
	if cfg.Schedule != nil {
		s, err := NewLRScheduler(cfg.Schedule)
		if err != nil {
			return nil, err
		}
		t.callbacks = append(t.callbacks, s)
	}
	for i, cb := range cfg.Callbacks {
		if cb == nil {
			return nil, argErrorf("New", "callback %d is nil", i)
		}
		t.callbacks = append(t.callbacks, cb)
	}
	return t, nil
}

// Model returns the model being trained.
func (t *Trainer) Model() nn.Layer { return t.model }

// Optimizer returns the optimizer.
func (t *Trainer) Optimizer() Optimizer { return t.cfg.Optimizer }

// Config returns the settings with the defaults filled in.
func (t *Trainer) Config() Config { return t.cfg }

// History returns the history of the current (or last) Fit.
func (t *Trainer) History() *History { return t.history }

// Epoch returns the current epoch of Fit (from 1) and the number of
// epochs.
func (t *Trainer) Epoch() (epoch, epochs int) { return t.epoch, t.epochs }

// HasValidation reports whether the current Fit has a validation set.
func (t *Trainer) HasValidation() bool { return t.hasVal }

// StopTraining makes Fit stop after the current epoch (callbacks call it).
func (t *Trainer) StopTraining() { t.stop = true }

// Close releases the compiled graphs. The Trainer can still be used; it
// builds graphs again when needed.
func (t *Trainer) Close() error {
	for k, g := range t.graphs {
		g.m.Close()
		delete(t.graphs, k)
	}
	return nil
}

// logf prints to the output unless the trainer is silent.
func (t *Trainer) logf(format string, args ...any) {
	if t.cfg.Verbosity != Silent {
		fmt.Fprintf(t.out, format, args...)
	}
}

// defaultMonitor is the key callbacks watch when none is given.
func (t *Trainer) defaultMonitor() string {
	if t.hasVal {
		return "val_loss"
	}
	return "loss"
}

// modeOf says whether key should go down or up: Max for metrics that
// report HigherIsBetter (and names containing "acc"), Min otherwise.
func (t *Trainer) modeOf(key string) MonitorMode {
	base := strings.TrimPrefix(key, "val_")
	for _, m := range t.cfg.Metrics {
		if m.Name() == base {
			if h, ok := m.(higherIsBetter); ok && h.HigherIsBetter() {
				return Max
			}
			return Min
		}
	}
	for _, s := range []string{"acc", "dice", "iou", "psnr"} {
		if strings.Contains(base, s) {
			return Max
		}
	}
	return Min
}

// Fit trains the model on trainSet for Config.Epochs epochs, evaluating
// on val (may be nil) after each, and returns the history. On an error the
// history of the finished epochs is returned with it.
func (t *Trainer) Fit(trainSet, val data.Dataset) (*History, error) {
	return t.FitContext(context.Background(), trainSet, val)
}

// FitContext is Fit with a context: cancelling ctx stops training after
// the current step with ctx's error.
func (t *Trainer) FitContext(ctx context.Context, trainSet, val data.Dataset) (*History, error) {
	t.history = NewHistory()
	if trainSet == nil {
		return t.history, graph.ArgErrorf("train: Fit: training set is nil")
	}
	if trainSet.Len() == 0 {
		return t.history, graph.ArgErrorf("train: Fit: training set is empty")
	}
	t.valEmpty = val != nil && val.Len() == 0
	if t.valEmpty {
		val = nil // no validation; callbacks that need one say so below
	}
	t.stop, t.hasVal, t.epochs = false, val != nil, t.cfg.Epochs
	for _, cb := range t.callbacks {
		if err := cb.OnTrainBegin(t); err != nil {
			return t.history, err
		}
	}
	var last Logs
	for epoch := 1; epoch <= t.cfg.Epochs && !t.stop; epoch++ {
		t.epoch = epoch
		if s, ok := trainSet.(data.EpochSetter); ok {
			s.SetEpoch(epoch)
		}
		for _, cb := range t.callbacks {
			if err := cb.OnEpochBegin(t, epoch); err != nil {
				return t.history, err
			}
		}
		start := time.Now()
		logs, err := t.trainEpoch(ctx, epoch, trainSet)
		if err != nil {
			return t.history, err
		}
		elapsed := time.Since(start)
		if val != nil {
			vlogs, err := t.evaluate(ctx, val, t.cfg.Metrics)
			if err != nil {
				return t.history, errors.Wrapf(err, "train: epoch %d: validation", epoch)
			}
			for k, v := range vlogs {
				logs["val_"+k] = v
			}
		}
		logs["lr"] = t.cfg.Optimizer.LR()
		t.history.Append(epoch, logs)
		if t.cfg.Verbosity != Silent {
			fmt.Fprintf(t.out, "Epoch %d/%d - %s - %.0f img/s - %v\n", epoch, t.cfg.Epochs,
				elapsed.Round(100*time.Millisecond), float64(trainSet.Len())/elapsed.Seconds(), logs)
		}
		last = logs
		for _, cb := range t.callbacks {
			if err := cb.OnEpochEnd(t, epoch, logs); err != nil {
				return t.history, err
			}
		}
	}
	for _, cb := range t.callbacks {
		if err := cb.OnTrainEnd(t, last); err != nil {
			return t.history, err
		}
	}
	return t.history, nil
}

// frozenKey describes which Params are frozen (part of the training-graph
// cache key).
func frozenKey(l nn.Layer) string {
	var sb strings.Builder
	for _, np := range nn.NamedParams(l) {
		if np.Param.Frozen() {
			sb.WriteByte('F')
		} else {
			sb.WriteByte('.')
		}
	}
	return sb.String()
}

// deriveSeed mixes the configured seed with a purpose and a number.
func deriveSeed(seed int64, what string, n int) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s/%d", seed, what, n)
	return int64(h.Sum64() >> 1)
}

// order returns the example order of an epoch.
func (t *Trainer) order(n, epoch int) []int {
	if t.cfg.NoShuffle {
		return identity(n)
	}
	return graph.NewRand(deriveSeed(t.cfg.Seed, "shuffle", epoch)).Perm(n)
}

// trainEpoch runs one epoch of training steps and returns the epoch's
// loss and metrics.
func (t *Trainer) trainEpoch(ctx context.Context, epoch int, ds data.Dataset) (Logs, error) {
	// The batch never exceeds the set, so a huge BatchSize (math.MaxInt)
	// means one full batch and the step count cannot overflow.
	n, bs := ds.Len(), min(t.cfg.BatchSize, ds.Len())
	steps := ceilDiv(n, bs)
	dt, err := nn.Dtype(t.model)
	if err != nil {
		return nil, errors.Wrap(err, "train: Fit")
	}
	frozen := frozenKey(t.model)
	for _, m := range t.cfg.Metrics {
		m.Reset()
	}
	bar := t.newBar(epoch, n)
	ld := startLoader(ds, t.order(n, epoch), bs)
	defer ld.stop()

	var lossSum float64
	seen := 0
	var mb metricBuffers
	for step := 1; step <= steps; step++ {
		if err := ctx.Err(); err != nil {
			return nil, errors.Wrapf(err, "train: epoch %d, step %d", epoch, step)
		}
		hb, err := ld.next()
		if err != nil {
			return nil, errors.Wrapf(err, "train: epoch %d, step %d", epoch, step)
		}
		sg, err := t.trainGraph(dt, frozen, hb.n, ds)
		if err != nil {
			ld.release(hb)
			return nil, errors.Wrapf(err, "train: epoch %d, step %d", epoch, step)
		}
		loss, err := sg.run(hb)
		if err != nil {
			ld.release(hb)
			return nil, errors.Wrapf(err, "train: epoch %d, step %d", epoch, step)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			ld.release(hb)
			bar.abort()
			return nil, &NonFiniteLossError{Epoch: epoch, Step: step, Steps: steps, Loss: loss}
		}
		if err := t.update(sg); err != nil {
			ld.release(hb)
			return nil, errors.Wrapf(err, "train: epoch %d, step %d", epoch, step)
		}
		if len(t.cfg.Metrics) > 0 {
			if err := mb.update(t.cfg.Metrics, sg, hb); err != nil {
				ld.release(hb)
				return nil, errors.Wrapf(err, "train: epoch %d, step %d", epoch, step)
			}
		}
		size := hb.n
		ld.release(hb)
		lossSum += loss * float64(size)
		seen += size
		if bar != nil {
			bar.step(size, t.epochLogs(lossSum/float64(seen)))
		}
		if len(t.callbacks) > 0 {
			bl := Logs{"loss": loss, "size": float64(size)}
			for _, cb := range t.callbacks {
				if err := cb.OnBatchEnd(t, epoch, step, bl); err != nil {
					return nil, err
				}
			}
		}
	}
	bar.finish()
	return t.epochLogs(lossSum / float64(seen)), nil
}

// epochLogs is the mean loss of the epoch so far and the value of every
// metric.
func (t *Trainer) epochLogs(loss float64) Logs {
	logs := Logs{"loss": loss}
	for _, m := range t.cfg.Metrics {
		logs[m.Name()] = m.Value()
	}
	return logs
}

// update applies the optimizer to the gradients of sg's trainable Params
// from the last run.
func (t *Trainer) update(sg *stepGraph) error {
	pgs, err := sg.grads()
	if err != nil {
		return err
	}
	unlock := graph.LockParams(sg.train, true)
	defer unlock()
	if t.cfg.ClipNorm > 0 {
		clipGradNorm(pgs, t.cfg.ClipNorm)
	}
	return t.cfg.Optimizer.Step(pgs)
}

// Evaluate computes the loss and the metrics (Config.Metrics when none are
// given) of the model in evaluation mode over ds, in batches of
// EvalBatchSize. The metrics keep their state afterwards (a
// ConfusionMatrix can be printed).
func (t *Trainer) Evaluate(ds data.Dataset, metrics ...Metric) (Logs, error) {
	if len(metrics) == 0 {
		metrics = t.cfg.Metrics
	}
	return t.evaluate(context.Background(), ds, metrics)
}

func (t *Trainer) evaluate(ctx context.Context, ds data.Dataset, metrics []Metric) (Logs, error) {
	if ds == nil || ds.Len() == 0 {
		return nil, graph.ArgErrorf("train: Evaluate: dataset is nil or empty")
	}
	dt, err := nn.Dtype(t.model)
	if err != nil {
		return nil, errors.Wrap(err, "train: Evaluate")
	}
	for _, m := range metrics {
		m.Reset()
	}
	n, bs := ds.Len(), min(t.cfg.EvalBatchSize, ds.Len())
	steps := ceilDiv(n, bs)
	ld := startLoader(ds, identity(n), bs)
	defer ld.stop()
	var lossSum float64
	var mb metricBuffers
	for start, step := 0, 1; start < n; start, step = start+bs, step+1 {
		if err := ctx.Err(); err != nil {
			return nil, errors.Wrap(err, "train: Evaluate")
		}
		hb, err := ld.next()
		if err != nil {
			return nil, errors.Wrap(err, "train: Evaluate")
		}
		sg, err := t.evalGraph(dt, hb.n, ds, true)
		if err != nil {
			ld.release(hb)
			return nil, errors.Wrap(err, "train: Evaluate")
		}
		loss, err := sg.run(hb)
		if err != nil {
			ld.release(hb)
			return nil, errors.Wrap(err, "train: Evaluate")
		}
		lossSum += loss * float64(hb.n)
		if len(metrics) > 0 {
			if err := mb.update(metrics, sg, hb); err != nil {
				last := start + hb.n - 1 // read before the loader may refill hb
				ld.release(hb)
				return nil, errors.Wrapf(err, "train: Evaluate: batch %d of %d (examples %d to %d)", step, steps, start, last)
			}
		}
		ld.release(hb)
	}
	logs := Logs{"loss": lossSum / float64(n)}
	for _, m := range metrics {
		logs[m.Name()] = m.Value()
	}
	return logs, nil
}

// ceilDiv is ⌈n/d⌉ for n >= 0 and d > 0, without the overflow of (n+d-1)/d.
func ceilDiv(n, d int) int {
	q := n / d
	if n%d != 0 {
		q++
	}
	return q
}

func identity(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// Predict runs the model in evaluation mode over ds (in batches of
// EvalBatchSize) and returns the outputs stacked along the batch axis, in
// the model's dtype: shape (ds.Len(), output shape...).
func (t *Trainer) Predict(ds data.Dataset) (*tensor.Dense, error) {
	if ds == nil || ds.Len() == 0 {
		return nil, graph.ArgErrorf("train: Predict: dataset is nil or empty")
	}
	dt, err := nn.Dtype(t.model)
	if err != nil {
		return nil, errors.Wrap(err, "train: Predict")
	}
	n, bs := ds.Len(), min(t.cfg.EvalBatchSize, ds.Len())
	ld := startLoader(ds, identity(n), bs)
	defer ld.stop()
	var out *tensor.Dense
	row := 0
	for start := 0; start < n; start += bs {
		hb, err := ld.next()
		if err != nil {
			return nil, errors.Wrap(err, "train: Predict")
		}
		sg, err := t.evalGraph(dt, hb.n, ds, false)
		if err != nil {
			ld.release(hb)
			return nil, errors.Wrap(err, "train: Predict")
		}
		if _, err := sg.run(hb); err != nil {
			ld.release(hb)
			return nil, errors.Wrap(err, "train: Predict")
		}
		ld.release(hb)
		o, ok := sg.outV.(*tensor.Dense)
		if !ok {
			return nil, errors.Errorf("train: Predict: model output is %T, not a dense tensor", sg.outV)
		}
		if o.IsMaterializable() {
			o = o.Materialize().(*tensor.Dense)
		}
		if out == nil {
			shape := append([]int{n}, o.Shape()[1:]...)
			out = tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
		}
		per := o.Shape().TotalSize() / o.Shape()[0]
		switch d := out.Data().(type) {
		case []float32:
			copy(d[row*per:], o.Float32s())
		case []float64:
			copy(d[row*per:], o.Float64s())
		}
		row += o.Shape()[0]
	}
	return out, nil
}
