package train

import (
	"fmt"
	"sort"
	"strings"

	"github.com/convnet-go/convnet/graph"
)

// Mode says whether a monitored quantity should go down (Min) or up (Max).
type Mode int

const (
	// Auto picks Max for quantities where higher is better (accuracy,
	// top-k accuracy, Dice, IoU, PSNR, and metrics that say so with
	// HigherIsBetter) and Min otherwise (losses, errors).
	Auto Mode = iota
	// Min: lower is better.
	Min
	// Max: higher is better.
	Max
)

// String returns "auto", "min" or "max".
func (m Mode) String() string {
	switch m {
	case Auto:
		return "auto"
	case Min:
		return "min"
	case Max:
		return "max"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Option sets an optional argument of an optimizer or callback
// constructor. Passing an option that a constructor does not take is an
// error from that constructor.
type Option func(*options)

type options struct {
	given map[string]bool

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
	mode        Mode
	patience    int
	minDelta    float64
	restoreBest bool
	bestOnly    bool
	factor      float64
	minLR       float64
	cooldown    int
	save        SaveFunc
}

func (o *options) mark(name string) {
	if o.given == nil {
		o.given = map[string]bool{}
	}
	o.given[name] = true
}

// WithMomentum sets the momentum factor of SGD and RMSProp. Default 0.
func WithMomentum(m float64) Option {
	return func(o *options) { o.mark("WithMomentum"); o.momentum = m }
}

// WithDampening sets SGD's dampening for momentum. Default 0.
func WithDampening(d float64) Option {
	return func(o *options) { o.mark("WithDampening"); o.dampening = d }
}

// WithNesterov turns on Nesterov momentum in SGD (needs a momentum > 0
// and zero dampening, as in PyTorch). Default off.
func WithNesterov(on bool) Option {
	return func(o *options) { o.mark("WithNesterov"); o.nesterov = on }
}

// WithWeightDecay sets the weight decay. For SGD, Adam and RMSProp it is
// coupled L2 regularisation (wd·w is added to the gradient); for AdamW it
// is decoupled (w is multiplied by 1 - lr·wd before the Adam step).
// Default 0, except AdamW: 0.01.
func WithWeightDecay(wd float64) Option {
	return func(o *options) { o.mark("WithWeightDecay"); o.weightDecay = wd }
}

// WithBetas sets Adam's and AdamW's moment decay rates. Default (0.9, 0.999).
func WithBetas(beta1, beta2 float64) Option {
	return func(o *options) { o.mark("WithBetas"); o.beta1, o.beta2 = beta1, beta2 }
}

// WithEps sets the term added to the denominator of Adam, AdamW and
// RMSProp. Default 1e-8.
func WithEps(eps float64) Option {
	return func(o *options) { o.mark("WithEps"); o.eps = eps }
}

// WithAlpha sets RMSProp's smoothing constant. Default 0.99.
func WithAlpha(alpha float64) Option {
	return func(o *options) { o.mark("WithAlpha"); o.alpha = alpha }
}

// WithCentered makes RMSProp normalise by an estimate of the gradient's
// variance instead of its second moment. Default off.
func WithCentered(on bool) Option {
	return func(o *options) { o.mark("WithCentered"); o.centered = on }
}

// WithMonitor names the logged quantity a callback watches, such as
// "val_loss" or "val_accuracy". Default "val_loss" when Fit has a
// validation set and "loss" otherwise.
func WithMonitor(key string) Option {
	return func(o *options) { o.mark("WithMonitor"); o.monitor = key }
}

// WithMode says whether the monitored quantity should go down or up.
// Default Auto.
func WithMode(m Mode) Option {
	return func(o *options) { o.mark("WithMode"); o.mode = m }
}

// WithPatience sets how many epochs without improvement a callback waits.
// Default 0 for EarlyStopping, 10 for ReduceLROnPlateau (as in Keras).
func WithPatience(n int) Option {
	return func(o *options) { o.mark("WithPatience"); o.patience = n }
}

// WithMinDelta sets the smallest change of the monitored quantity that
// counts as an improvement. Default 0 for EarlyStopping, 1e-4 for
// ReduceLROnPlateau (as in Keras).
func WithMinDelta(d float64) Option {
	return func(o *options) { o.mark("WithMinDelta"); o.minDelta = d }
}

// WithRestoreBest makes EarlyStopping put back the weights of the best
// epoch when training ends. Default on.
func WithRestoreBest(on bool) Option {
	return func(o *options) { o.mark("WithRestoreBest"); o.restoreBest = on }
}

// WithBestOnly makes ModelCheckpoint save only when the monitored
// quantity improves. Default on.
func WithBestOnly(on bool) Option {
	return func(o *options) { o.mark("WithBestOnly"); o.bestOnly = on }
}

// WithFactor sets the factor ReduceLROnPlateau multiplies the learning
// rate by. Default 0.1.
func WithFactor(f float64) Option {
	return func(o *options) { o.mark("WithFactor"); o.factor = f }
}

// WithMinLR sets the lower bound of ReduceLROnPlateau's learning rate.
// Default 0.
func WithMinLR(lr float64) Option {
	return func(o *options) { o.mark("WithMinLR"); o.minLR = lr }
}

// WithCooldown sets how many epochs ReduceLROnPlateau waits after a
// reduction before it counts epochs without improvement again. Default 0.
func WithCooldown(n int) Option {
	return func(o *options) { o.mark("WithCooldown"); o.cooldown = n }
}

// newOptions applies opts over defaults and rejects options that kind does
// not take.
func newOptions(kind string, defaults options, opts []Option, allowed ...string) (*options, error) {
	o := defaults
	o.given = nil
	for _, opt := range opts {
		if opt == nil {
			return nil, graph.ArgErrorf("train: %s: nil option", kind)
		}
		opt(&o)
	}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	var bad []string
	for name := range o.given {
		if !ok[name] {
			bad = append(bad, name)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, graph.ArgErrorf("train: %s: does not take option %s", kind, strings.Join(bad, ", "))
	}
	return &o, nil
}

// argErrorf formats an argument error "train: kind: ...".
func argErrorf(kind, format string, args ...any) error {
	return graph.ArgErrorf("train: %s: %s", kind, fmt.Sprintf(format, args...))
}
