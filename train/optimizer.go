package train

import (
	"fmt"
	"math"
	"runtime"
	"sync/atomic"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/internal/workers"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// ParamGrad pairs a Param with its gradient for one optimizer step. Grad
// has the Param's shape and dtype.
type ParamGrad struct {
	Param *graph.Param
	Grad  *tensor.Dense
}

// Optimizer updates Params in place from their gradients. Its state (such
// as momentum buffers) is kept per *graph.Param, so the same optimizer
// serves every graph built from a model, and a Param that is frozen for a
// while keeps its state.
//
// The optimizers follow PyTorch's torch.optim formulas exactly, in the
// Params' own dtype (float32 or float64).
type Optimizer interface {
	// Name is a short description such as "Adam(lr=0.001)".
	Name() string
	// LR returns the current learning rate.
	LR() float64
	// SetLR changes the learning rate (schedules and ReduceLROnPlateau
	// call it).
	SetLR(lr float64)
	// Step applies one update to every Param of ps.
	Step(ps []ParamGrad) error
}

type float interface{ ~float32 | ~float64 }

// checkPG verifies that a gradient fits its Param.
func checkPG(kind string, pg ParamGrad) error {
	if pg.Param == nil || pg.Grad == nil {
		return argErrorf(kind, "Step: nil Param or gradient")
	}
	w := pg.Param.Value()
	if w.Dtype() != pg.Grad.Dtype() {
		return argErrorf(kind, "Step: gradient dtype %v differs from the Param's %v", pg.Grad.Dtype(), w.Dtype())
	}
	if !graph.SameShape(w.Shape(), pg.Grad.Shape()) {
		return graph.ShapeErrorf("train: %s: Step: gradient shape %s differs from the Param's %s",
			kind, graph.FormatShape(pg.Grad.Shape()), graph.FormatShape(w.Shape()))
	}
	return nil
}

// slots returns n zeroed state tensors shaped like p.
func slots(p *graph.Param, n int) []*tensor.Dense {
	out := make([]*tensor.Dense, n)
	for i := range out {
		out[i] = tensor.New(tensor.Of(p.Dtype()), tensor.WithShape(p.Shape()...))
	}
	return out
}

// paramState is what an optimizer keeps for one Param.
type paramState struct {
	step int
	buf  []*tensor.Dense
}

// state returns the state of p, creating n zeroed buffers at first use (or
// when the Param changed dtype or shape).
func state(m map[*graph.Param]*paramState, p *graph.Param, n int) *paramState {
	s, ok := m[p]
	if ok && len(s.buf) == n && (n == 0 || (s.buf[0].Dtype() == p.Dtype() && graph.SameShape(s.buf[0].Shape(), p.Value().Shape()))) {
		return s
	}
	s = &paramState{buf: slots(p, n)}
	m[p] = s
	return s
}

// SGD is stochastic gradient descent with optional momentum, Nesterov
// momentum and coupled weight decay, as torch.optim.SGD:
//
//	g = grad + wd·w
//	b = g (first step), b = μ·b + (1-dampening)·g (later steps)
//	g = g + μ·b (Nesterov) or g = b (momentum > 0)
//	w = w - lr·g
type SGD struct {
	lr, momentum, dampening, wd float64
	nesterov                    bool
	state                       map[*graph.Param]*paramState
}

// NewSGD returns an SGD optimizer with learning rate lr (> 0).
// Options: WithMomentum (default 0), WithDampening (0), WithNesterov (off),
// WithWeightDecay (0).
func NewSGD(lr float64, opts ...SGDOption) (*SGD, error) {
	o, err := newOptions("NewSGD", options{}, opts)
	if err != nil {
		return nil, err
	}
	switch {
	case !(lr > 0) || math.IsInf(lr, 0):
		return nil, argErrorf("NewSGD", "learning rate must be positive and finite, got %g", lr)
	case o.momentum < 0 || math.IsNaN(o.momentum):
		return nil, argErrorf("NewSGD", "momentum must be >= 0, got %g", o.momentum)
	case o.weightDecay < 0 || math.IsNaN(o.weightDecay):
		return nil, argErrorf("NewSGD", "weight decay must be >= 0, got %g", o.weightDecay)
	case o.nesterov && (o.momentum <= 0 || o.dampening != 0):
		return nil, argErrorf("NewSGD", "Nesterov momentum needs momentum > 0 and zero dampening, got momentum %g, dampening %g", o.momentum, o.dampening)
	}
	return &SGD{lr: lr, momentum: o.momentum, dampening: o.dampening, wd: o.weightDecay, nesterov: o.nesterov,
		state: map[*graph.Param]*paramState{}}, nil
}

// Name describes the optimizer and its non-default settings.
func (s *SGD) Name() string {
	n := fmt.Sprintf("SGD(lr=%g", s.lr)
	if s.momentum != 0 {
		n += fmt.Sprintf(", momentum=%g", s.momentum)
	}
	if s.dampening != 0 {
		n += fmt.Sprintf(", dampening=%g", s.dampening)
	}
	if s.nesterov {
		n += ", nesterov"
	}
	if s.wd != 0 {
		n += fmt.Sprintf(", weight_decay=%g", s.wd)
	}
	return n + ")"
}

// LR returns the learning rate.
func (s *SGD) LR() float64 { return s.lr }

// SetLR sets the learning rate.
func (s *SGD) SetLR(lr float64) { s.lr = lr }

// Step updates every Param in place.
func (s *SGD) Step(ps []ParamGrad) error {
	for _, pg := range ps {
		if err := checkPG("SGD", pg); err != nil {
			return err
		}
		nbuf := 0
		if s.momentum != 0 {
			nbuf = 1
		}
		st := state(s.state, pg.Param, nbuf)
		first := st.step == 0
		st.step++
		switch w := pg.Param.Value().Data().(type) {
		case []float32:
			var buf []float32
			if nbuf > 0 {
				buf = st.buf[0].Float32s()
			}
			sgdStep(w, pg.Grad.Float32s(), buf, float32(s.lr), float32(s.momentum), float32(s.dampening), float32(s.wd), s.nesterov, first)
		case []float64:
			var buf []float64
			if nbuf > 0 {
				buf = st.buf[0].Float64s()
			}
			sgdStep(w, pg.Grad.Float64s(), buf, s.lr, s.momentum, s.dampening, s.wd, s.nesterov, first)
		default:
			return errors.Errorf("train: SGD: Param dtype %v is not float32 or float64", pg.Param.Dtype())
		}
	}
	return nil
}

func sgdStep[T float](w, g, buf []T, lr, mu, damp, wd T, nesterov, first bool) {
	for i := range w {
		d := g[i]
		if wd != 0 {
			d += wd * w[i]
		}
		if buf != nil {
			if first {
				buf[i] = d
			} else {
				buf[i] = mu*buf[i] + (1-damp)*d
			}
			if nesterov {
				d += mu * buf[i]
			} else {
				d = buf[i]
			}
		}
		w[i] -= lr * d
	}
}

// Adam is the Adam optimizer, as torch.optim.Adam (coupled L2 weight
// decay, bias correction, eps added outside the square root):
//
//	g = grad + wd·w
//	m = β1·m + (1-β1)·g
//	v = β2·v + (1-β2)·g²
//	w = w - lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + eps)
//
// AdamW is the same with decoupled decay (see NewAdamW).
type Adam struct {
	name                string
	lr, b1, b2, eps, wd float64
	decoupled           bool
	state               map[*graph.Param]*paramState
	run                 adamRun // the running step's jobs, reused
}

// NewAdam returns an Adam optimizer with learning rate lr (> 0; 1e-3 is
// the usual value). Options: WithBetas (default 0.9, 0.999), WithEps
// (1e-8), WithWeightDecay (0, coupled L2).
func NewAdam(lr float64, opts ...AdamOption) (*Adam, error) {
	return newAdam("NewAdam", "Adam", lr, 0, false, opts)
}

// NewAdamW returns an AdamW optimizer (Loshchilov & Hutter, decoupled
// weight decay), as torch.optim.AdamW: before the Adam update without L2,
// w = w·(1 - lr·wd). Options: WithBetas (default 0.9, 0.999), WithEps
// (1e-8), WithWeightDecay (0.01).
func NewAdamW(lr float64, opts ...AdamOption) (*Adam, error) {
	return newAdam("NewAdamW", "AdamW", lr, 0.01, true, opts)
}

func newAdam(kind, name string, lr, wd float64, decoupled bool, opts []AdamOption) (*Adam, error) {
	o, err := newOptions(kind, options{beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: wd}, opts)
	if err != nil {
		return nil, err
	}
	switch {
	case !(lr > 0) || math.IsInf(lr, 0):
		return nil, argErrorf(kind, "learning rate must be positive and finite, got %g", lr)
	case !(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1):
		return nil, argErrorf(kind, "betas must be in [0, 1), got (%g, %g)", o.beta1, o.beta2)
	case !(o.eps >= 0):
		return nil, argErrorf(kind, "eps must be >= 0, got %g", o.eps)
	case !(o.weightDecay >= 0):
		return nil, argErrorf(kind, "weight decay must be >= 0, got %g", o.weightDecay)
	}
	return &Adam{name: name, lr: lr, b1: o.beta1, b2: o.beta2, eps: o.eps, wd: o.weightDecay, decoupled: decoupled,
		state: map[*graph.Param]*paramState{}}, nil
}

// Name describes the optimizer and its settings.
func (a *Adam) Name() string {
	n := fmt.Sprintf("%s(lr=%g", a.name, a.lr)
	if a.b1 != 0.9 || a.b2 != 0.999 {
		n += fmt.Sprintf(", betas=(%g, %g)", a.b1, a.b2)
	}
	if a.eps != 1e-8 {
		n += fmt.Sprintf(", eps=%g", a.eps)
	}
	if a.wd != 0 {
		n += fmt.Sprintf(", weight_decay=%g", a.wd)
	}
	return n + ")"
}

// LR returns the learning rate.
func (a *Adam) LR() float64 { return a.lr }

// SetLR sets the learning rate.
func (a *Adam) SetLR(lr float64) { a.lr = lr }

// Step updates every Param in place. The elementwise updates of all
// Params run in chunks on GOMAXPROCS goroutines (a ResNet-18 has 11
// million weights; one core needs tens of milliseconds for them).
func (a *Adam) Step(ps []ParamGrad) error {
	r := &a.run
	if cap(r.jobs) < len(ps) {
		r.jobs = make([]adamJob, len(ps))
	}
	r.jobs = r.jobs[:len(ps)]
	defer r.release()
	for i, pg := range ps {
		if err := checkPG(a.name, pg); err != nil {
			return err
		}
		st := state(a.state, pg.Param, 2)
		st.step++
		t := float64(st.step)
		bc1 := 1 - math.Pow(a.b1, t)
		bc2sqrt := math.Sqrt(1 - math.Pow(a.b2, t))
		stepSize := a.lr / bc1
		decay, l2 := 1.0, a.wd
		if a.decoupled {
			decay, l2 = 1-a.lr*a.wd, 0
		}
		j := adamJob{b1: a.b1, b2: a.b2, eps: a.eps, l2: l2, decay: decay, stepSize: stepSize, bc2sqrt: bc2sqrt}
		w := pg.Param.Value()
		switch w.Dtype() {
		case tensor.Float32:
			j.w32, j.g32, j.m32, j.v32 = w.Float32s(), pg.Grad.Float32s(), st.buf[0].Float32s(), st.buf[1].Float32s()
			j.size = len(j.w32)
		case tensor.Float64:
			j.w64, j.g64, j.m64, j.v64 = w.Float64s(), pg.Grad.Float64s(), st.buf[0].Float64s(), st.buf[1].Float64s()
			j.size = len(j.w64)
		default:
			return errors.Errorf("train: %s: Param dtype %v is not float32 or float64", a.name, pg.Param.Dtype())
		}
		r.jobs[i] = j
	}
	r.runAll()
	return nil
}

// adamJob is the update of one Param: its float32 or its float64 slices
// and the step's scalars.
type adamJob struct {
	w32, g32, m32, v32                        []float32
	w64, g64, m64, v64                        []float64
	size                                      int
	b1, b2, eps, l2, decay, stepSize, bc2sqrt float64
}

// update runs the update on elements [lo, hi).
func (j *adamJob) update(lo, hi int) {
	if j.w32 != nil {
		adamStep(j.w32[lo:hi], j.g32[lo:hi], j.m32[lo:hi], j.v32[lo:hi],
			float32(j.b1), float32(j.b2), float32(j.eps), float32(j.l2), float32(j.decay), float32(j.stepSize), float32(j.bc2sqrt))
		return
	}
	adamStep(j.w64[lo:hi], j.g64[lo:hi], j.m64[lo:hi], j.v64[lo:hi], j.b1, j.b2, j.eps, j.l2, j.decay, j.stepSize, j.bc2sqrt)
}

// adamRun is one Adam step's jobs split into chunks, kept in the
// optimizer so that a step allocates nothing once warm.
type adamRun struct {
	jobs   []adamJob
	chunks []optSpan
	next   atomic.Int64
}

// optSpan is the elements [lo, hi) of job.
type optSpan struct{ job, lo, hi int }

// runAll updates every job in chunks of at most optChunk elements on up to
// GOMAXPROCS goroutines (the workers of internal/workers), so that large
// and small Params spread evenly; each element is updated by exactly one
// chunk, so the result does not depend on the number of goroutines.
func (r *adamRun) runAll() {
	r.chunks = r.chunks[:0]
	total := 0
	for j := range r.jobs {
		n := r.jobs[j].size
		for lo := 0; lo < n; lo += optChunk {
			r.chunks = append(r.chunks, optSpan{j, lo, min(lo+optChunk, n)})
		}
		total += n
	}
	parts := min(runtime.GOMAXPROCS(0), len(r.chunks), max(1, total/optChunk))
	if parts <= 1 {
		r.RunPart(0)
		return
	}
	workers.Run(parts, r)
}

// RunPart updates chunks until none is left (workers.Task): the parts
// take the next chunk in turn.
func (r *adamRun) RunPart(int) {
	for {
		i := int(r.next.Add(1)) - 1
		if i >= len(r.chunks) {
			return
		}
		c := r.chunks[i]
		r.jobs[c.job].update(c.lo, c.hi)
	}
}

// release drops the step's references to the Params' data and resets the
// chunk counter.
func (r *adamRun) release() {
	clear(r.jobs)
	r.jobs = r.jobs[:0]
	r.next.Store(0)
}

func adamStep[T float](w, g, m, v []T, b1, b2, eps, l2, decay, stepSize, bc2sqrt T) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	if l2 == 0 && decay == 1 { // plain Adam: the same arithmetic without the branches
		for i := range w {
			d := g[i]
			m[i] += (1 - b1) * (d - m[i])
			v[i] = b2*v[i] + (1-b2)*d*d
			denom := T(math.Sqrt(float64(v[i])))/bc2sqrt + eps
			w[i] -= stepSize * m[i] / denom
		}
		return
	}
	for i := range w {
		d := g[i]
		if l2 != 0 {
			d += l2 * w[i]
		}
		if decay != 1 {
			w[i] *= decay
		}
		m[i] += (1 - b1) * (d - m[i]) // torch: exp_avg.lerp_(grad, 1-β1)
		v[i] = b2*v[i] + (1-b2)*d*d
		denom := T(math.Sqrt(float64(v[i])))/bc2sqrt + eps
		w[i] -= stepSize * m[i] / denom
	}
}

// optChunk is the number of elements an optimizer goroutine updates at a
// time.
const optChunk = 1 << 15

// RMSProp is RMSProp as torch.optim.RMSprop:
//
//	g = grad + wd·w
//	s = α·s + (1-α)·g²
//	a = √s + eps  (centered: ḡ = α·ḡ + (1-α)·g, a = √(s - ḡ²) + eps)
//	b = μ·b + g/a, w = w - lr·b   (momentum μ > 0)
//	w = w - lr·g/a                (otherwise)
type RMSProp struct {
	lr, alpha, eps, wd, momentum float64
	centered                     bool
	state                        map[*graph.Param]*paramState
}

// NewRMSProp returns an RMSProp optimizer with learning rate lr (> 0;
// PyTorch's default is 0.01). Options: WithAlpha (default 0.99), WithEps
// (1e-8), WithMomentum (0), WithCentered (off), WithWeightDecay (0).
func NewRMSProp(lr float64, opts ...RMSPropOption) (*RMSProp, error) {
	o, err := newOptions("NewRMSProp", options{alpha: 0.99, eps: 1e-8}, opts)
	if err != nil {
		return nil, err
	}
	switch {
	case !(lr > 0) || math.IsInf(lr, 0):
		return nil, argErrorf("NewRMSProp", "learning rate must be positive and finite, got %g", lr)
	case !(o.alpha >= 0 && o.alpha < 1):
		return nil, argErrorf("NewRMSProp", "alpha must be in [0, 1), got %g", o.alpha)
	case !(o.eps >= 0):
		return nil, argErrorf("NewRMSProp", "eps must be >= 0, got %g", o.eps)
	case !(o.momentum >= 0):
		return nil, argErrorf("NewRMSProp", "momentum must be >= 0, got %g", o.momentum)
	case !(o.weightDecay >= 0):
		return nil, argErrorf("NewRMSProp", "weight decay must be >= 0, got %g", o.weightDecay)
	}
	return &RMSProp{lr: lr, alpha: o.alpha, eps: o.eps, wd: o.weightDecay, momentum: o.momentum, centered: o.centered,
		state: map[*graph.Param]*paramState{}}, nil
}

// Name describes the optimizer and its non-default settings.
func (r *RMSProp) Name() string {
	n := fmt.Sprintf("RMSProp(lr=%g", r.lr)
	if r.alpha != 0.99 {
		n += fmt.Sprintf(", alpha=%g", r.alpha)
	}
	if r.eps != 1e-8 {
		n += fmt.Sprintf(", eps=%g", r.eps)
	}
	if r.momentum != 0 {
		n += fmt.Sprintf(", momentum=%g", r.momentum)
	}
	if r.centered {
		n += ", centered"
	}
	if r.wd != 0 {
		n += fmt.Sprintf(", weight_decay=%g", r.wd)
	}
	return n + ")"
}

// LR returns the learning rate.
func (r *RMSProp) LR() float64 { return r.lr }

// SetLR sets the learning rate.
func (r *RMSProp) SetLR(lr float64) { r.lr = lr }

// Step updates every Param in place.
func (r *RMSProp) Step(ps []ParamGrad) error {
	for _, pg := range ps {
		if err := checkPG("RMSProp", pg); err != nil {
			return err
		}
		st := state(r.state, pg.Param, 3)
		st.step++
		switch w := pg.Param.Value().Data().(type) {
		case []float32:
			rmspropStep(w, pg.Grad.Float32s(), st.buf[0].Float32s(), st.buf[1].Float32s(), st.buf[2].Float32s(),
				float32(r.lr), float32(r.alpha), float32(r.eps), float32(r.wd), float32(r.momentum), r.centered)
		case []float64:
			rmspropStep(w, pg.Grad.Float64s(), st.buf[0].Float64s(), st.buf[1].Float64s(), st.buf[2].Float64s(),
				r.lr, r.alpha, r.eps, r.wd, r.momentum, r.centered)
		default:
			return errors.Errorf("train: RMSProp: Param dtype %v is not float32 or float64", pg.Param.Dtype())
		}
	}
	return nil
}

func rmspropStep[T float](w, g, sq, gavg, buf []T, lr, alpha, eps, wd, mu T, centered bool) {
	for i := range w {
		d := g[i]
		if wd != 0 {
			d += wd * w[i]
		}
		sq[i] = alpha*sq[i] + (1-alpha)*d*d
		var avg T
		if centered {
			gavg[i] += (1 - alpha) * (d - gavg[i]) // torch: grad_avg.lerp_(grad, 1-α)
			avg = T(math.Sqrt(float64(sq[i]-gavg[i]*gavg[i]))) + eps
		} else {
			avg = T(math.Sqrt(float64(sq[i]))) + eps
		}
		if mu > 0 {
			buf[i] = mu*buf[i] + d/avg
			w[i] -= lr * buf[i]
		} else {
			w[i] -= lr * d / avg
		}
	}
}

// clipGradNorm scales the gradients so that their global L2 norm is at most
// maxNorm, as torch.nn.utils.clip_grad_norm_, and returns the norm before
// clipping.
func clipGradNorm(ps []ParamGrad, maxNorm float64) float64 {
	var sum float64
	for _, pg := range ps {
		switch g := pg.Grad.Data().(type) {
		case []float32:
			for _, v := range g {
				sum += float64(v) * float64(v)
			}
		case []float64:
			for _, v := range g {
				sum += v * v
			}
		}
	}
	norm := math.Sqrt(sum)
	if norm <= maxNorm || maxNorm <= 0 {
		return norm
	}
	scale := maxNorm / (norm + 1e-6)
	for _, pg := range ps {
		switch g := pg.Grad.Data().(type) {
		case []float32:
			s := float32(scale)
			for i := range g {
				g[i] *= s
			}
		case []float64:
			for i := range g {
				g[i] *= scale
			}
		}
	}
	return norm
}
