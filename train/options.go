package train

import (
	"fmt"

	"github.com/convnet-go/convnet/graph"
)

// MonitorMode says whether a monitored quantity should go down (Min) or up (Max).
type MonitorMode int

const (
	// Auto picks Max for quantities where higher is better (accuracy,
	// top-k accuracy, Dice, IoU, PSNR, and metrics that say so with
	// HigherIsBetter) and Min otherwise (losses, errors).
	Auto MonitorMode = iota
	// Min: lower is better.
	Min
	// Max: higher is better.
	Max
)

// String returns "auto", "min" or "max".
func (m MonitorMode) String() string {
	switch m {
	case Auto:
		return "auto"
	case Min:
		return "min"
	case Max:
		return "max"
	}
	return fmt.Sprintf("MonitorMode(%d)", int(m))
}

// Option families. Each constructor takes the options of its family, and
// each With... function returns a type that belongs to exactly the
// families it makes sense for, so that a wrong option, such as
// NewAdam(1e-3, WithNesterov(true)), is a compile error:
//
//	NewSGD                  ...SGDOption
//	NewAdam, NewAdamW       ...AdamOption
//	NewRMSProp              ...RMSPropOption
//	NewEarlyStopping        ...EarlyStoppingOption
//	NewModelCheckpoint      ...ModelCheckpointOption
//	NewReduceLROnPlateau    ...ReduceLROnPlateauOption
//
//	returns                  options                              taken by
//	OptimizerOption          WithWeightDecay                      every optimizer
//	MomentumOption           WithMomentum                         SGD, RMSProp
//	AdaptiveOption           WithEps                              Adam, AdamW, RMSProp
//	SGDOption                WithDampening, WithNesterov          SGD
//	AdamOption               WithBetas                            Adam, AdamW
//	RMSPropOption            WithAlpha, WithCentered              RMSProp
//	MonitorOption            WithMonitor, WithMode, WithMinDelta  every callback above
//	PatienceOption           WithPatience                         EarlyStopping, ReduceLROnPlateau
//	EarlyStoppingOption      WithRestoreBest                      EarlyStopping
//	ModelCheckpointOption    WithBestOnly, WithSaveFunc           ModelCheckpoint
//	ReduceLROnPlateauOption  WithFactor, WithMinLR, WithCooldown  ReduceLROnPlateau

// SGDOption is an optional argument of NewSGD.
type SGDOption interface {
	apply(*options)
	sgdOption()
}

// AdamOption is an optional argument of NewAdam and NewAdamW.
type AdamOption interface {
	apply(*options)
	adamOption()
}

// RMSPropOption is an optional argument of NewRMSProp.
type RMSPropOption interface {
	apply(*options)
	rmsPropOption()
}

// EarlyStoppingOption is an optional argument of NewEarlyStopping.
type EarlyStoppingOption interface {
	apply(*options)
	earlyStoppingOption()
}

// ModelCheckpointOption is an optional argument of NewModelCheckpoint.
type ModelCheckpointOption interface {
	apply(*options)
	modelCheckpointOption()
}

// ReduceLROnPlateauOption is an optional argument of NewReduceLROnPlateau.
type ReduceLROnPlateauOption interface {
	apply(*options)
	reduceLROnPlateauOption()
}

// OptimizerOption is an option every optimizer takes (WithWeightDecay).
type OptimizerOption interface {
	SGDOption
	AdamOption
	RMSPropOption
}

// MomentumOption is an option of the optimizers with momentum, SGD and
// RMSProp (WithMomentum).
type MomentumOption interface {
	SGDOption
	RMSPropOption
}

// AdaptiveOption is an option of the optimizers with a per-weight step
// size, Adam, AdamW and RMSProp (WithEps).
type AdaptiveOption interface {
	AdamOption
	RMSPropOption
}

// MonitorOption is an option of every callback that watches a logged
// quantity: EarlyStopping, ModelCheckpoint and ReduceLROnPlateau.
type MonitorOption interface {
	EarlyStoppingOption
	ModelCheckpointOption
	ReduceLROnPlateauOption
}

// PatienceOption is an option of the callbacks that wait for an
// improvement, EarlyStopping and ReduceLROnPlateau (WithPatience).
type PatienceOption interface {
	EarlyStoppingOption
	ReduceLROnPlateauOption
}

// The unexported types behind the families, one per combination, each a
// function that sets its fields of options.
type (
	optimizerOpt func(*options)
	momentumOpt  func(*options)
	adaptiveOpt  func(*options)
	sgdOpt       func(*options)
	adamOpt      func(*options)
	rmsPropOpt   func(*options)
	monitorOpt   func(*options)
	patienceOpt  func(*options)
	earlyOpt     func(*options)
	ckptOpt      func(*options)
	plateauOpt   func(*options)
)

func (f optimizerOpt) apply(o *options)      { f(o) }
func (optimizerOpt) sgdOption()              {}
func (optimizerOpt) adamOption()             {}
func (optimizerOpt) rmsPropOption()          {}
func (f momentumOpt) apply(o *options)       { f(o) }
func (momentumOpt) sgdOption()               {}
func (momentumOpt) rmsPropOption()           {}
func (f adaptiveOpt) apply(o *options)       { f(o) }
func (adaptiveOpt) adamOption()              {}
func (adaptiveOpt) rmsPropOption()           {}
func (f sgdOpt) apply(o *options)            { f(o) }
func (sgdOpt) sgdOption()                    {}
func (f adamOpt) apply(o *options)           { f(o) }
func (adamOpt) adamOption()                  {}
func (f rmsPropOpt) apply(o *options)        { f(o) }
func (rmsPropOpt) rmsPropOption()            {}
func (f monitorOpt) apply(o *options)        { f(o) }
func (monitorOpt) earlyStoppingOption()      {}
func (monitorOpt) modelCheckpointOption()    {}
func (monitorOpt) reduceLROnPlateauOption()  {}
func (f patienceOpt) apply(o *options)       { f(o) }
func (patienceOpt) earlyStoppingOption()     {}
func (patienceOpt) reduceLROnPlateauOption() {}
func (f earlyOpt) apply(o *options)          { f(o) }
func (earlyOpt) earlyStoppingOption()        {}
func (f ckptOpt) apply(o *options)           { f(o) }
func (ckptOpt) modelCheckpointOption()       {}
func (f plateauOpt) apply(o *options)        { f(o) }
func (plateauOpt) reduceLROnPlateauOption()  {}

type options struct {
	momentum    float64
	dampening   float64
	nesterov    bool
	weightDecay float64
	beta1       float64
	beta2       float64
	eps         float64
	alpha       float64
	centered    bool

	monitor     string
	mode        MonitorMode
	patience    int
	minDelta    float64
	restoreBest bool
	bestOnly    bool
	factor      float64
	minLR       float64
	cooldown    int
	save        SaveFunc
}

// WithMomentum sets the momentum factor of SGD and RMSProp. Default 0.
func WithMomentum(m float64) MomentumOption {
	return momentumOpt(func(o *options) { o.momentum = m })
}

// WithDampening sets SGD's dampening for momentum. Default 0.
func WithDampening(d float64) SGDOption {
	return sgdOpt(func(o *options) { o.dampening = d })
}

// WithNesterov turns on Nesterov momentum in SGD (needs a momentum > 0
// and zero dampening, as in PyTorch). Default off.
func WithNesterov(on bool) SGDOption {
	return sgdOpt(func(o *options) { o.nesterov = on })
}

// WithWeightDecay sets the weight decay. For SGD, Adam and RMSProp it is
// coupled L2 regularisation (wd·w is added to the gradient); for AdamW it
// is decoupled (w is multiplied by 1 - lr·wd before the Adam step).
// Default 0, except AdamW: 0.01.
func WithWeightDecay(wd float64) OptimizerOption {
	return optimizerOpt(func(o *options) { o.weightDecay = wd })
}

// WithBetas sets Adam's and AdamW's moment decay rates. Default (0.9, 0.999).
func WithBetas(beta1, beta2 float64) AdamOption {
	return adamOpt(func(o *options) { o.beta1, o.beta2 = beta1, beta2 })
}

// WithEps sets the term added to the denominator of Adam, AdamW and
// RMSProp. Default 1e-8.
func WithEps(eps float64) AdaptiveOption {
	return adaptiveOpt(func(o *options) { o.eps = eps })
}

// WithAlpha sets RMSProp's smoothing constant. Default 0.99.
func WithAlpha(alpha float64) RMSPropOption {
	return rmsPropOpt(func(o *options) { o.alpha = alpha })
}

// WithCentered makes RMSProp normalise by an estimate of the gradient's
// variance instead of its second moment. Default off.
func WithCentered(on bool) RMSPropOption {
	return rmsPropOpt(func(o *options) { o.centered = on })
}

// WithMonitor names the logged quantity a callback watches, such as
// "val_loss" or "val_accuracy". Default "val_loss" when Fit has a
// validation set and "loss" otherwise.
func WithMonitor(key string) MonitorOption {
	return monitorOpt(func(o *options) { o.monitor = key })
}

// WithMode says whether the monitored quantity should go down or up.
// Default Auto.
func WithMode(m MonitorMode) MonitorOption {
	return monitorOpt(func(o *options) { o.mode = m })
}

// WithPatience sets how many epochs without improvement a callback waits.
// Default 0 for EarlyStopping, 10 for ReduceLROnPlateau (as in Keras).
func WithPatience(n int) PatienceOption {
	return patienceOpt(func(o *options) { o.patience = n })
}

// WithMinDelta sets the smallest change of the monitored quantity that
// counts as an improvement. Default 0 for EarlyStopping, 1e-4 for
// ReduceLROnPlateau (as in Keras).
func WithMinDelta(d float64) MonitorOption {
	return monitorOpt(func(o *options) { o.minDelta = d })
}

// WithRestoreBest makes EarlyStopping put back the weights of the best
// epoch when training ends. Default on.
func WithRestoreBest(on bool) EarlyStoppingOption {
	return earlyOpt(func(o *options) { o.restoreBest = on })
}

// WithBestOnly makes ModelCheckpoint save only when the monitored
// quantity improves. Default on.
func WithBestOnly(on bool) ModelCheckpointOption {
	return ckptOpt(func(o *options) { o.bestOnly = on })
}

// WithFactor sets the factor ReduceLROnPlateau multiplies the learning
// rate by. Default 0.1.
func WithFactor(f float64) ReduceLROnPlateauOption {
	return plateauOpt(func(o *options) { o.factor = f })
}

// WithMinLR sets the lower bound of ReduceLROnPlateau's learning rate.
// Default 0.
func WithMinLR(lr float64) ReduceLROnPlateauOption {
	return plateauOpt(func(o *options) { o.minLR = lr })
}

// WithCooldown sets how many epochs ReduceLROnPlateau waits after a
// reduction before it counts epochs without improvement again. Default 0.
func WithCooldown(n int) ReduceLROnPlateauOption {
	return plateauOpt(func(o *options) { o.cooldown = n })
}

// option is what every option family has in common.
type option interface{ apply(*options) }

// newOptions applies opts over defaults; the option types have already
// decided which options kind takes, so it only rejects nil options.
func newOptions[O option](kind string, defaults options, opts []O) (*options, error) {
	o := defaults
	for i, opt := range opts {
		if option(opt) == nil {
			return nil, graph.ArgErrorf("train: %s: nil option (option %d)", kind, i)
		}
		opt.apply(&o)
	}
	return &o, nil
}

// argErrorf formats an argument error "train: kind: ...".
func argErrorf(kind, format string, args ...any) error {
	return graph.ArgErrorf("train: %s: %s", kind, fmt.Sprintf(format, args...))
}
