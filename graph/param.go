package graph

import (
	"sync"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Kind tells a trainable weight from a buffer.
type Kind int

const (
	// Weight is a learnable parameter: optimisers update it and NumParams counts it.
	Weight Kind = iota
	// Buffer is state that is saved with the weights but not learned by
	// gradient descent, such as BatchNorm's running mean and variance.
	Buffer
)

// String returns "weight" or "buffer".
func (k Kind) String() string {
	if k == Buffer {
		return "buffer"
	}
	return "weight"
}

// Param is one named tensor of a model: a weight or a buffer. Layers own their
// Params; graphs bind the Param's tensor by reference, so in-place updates are
// seen by every graph built from the model.
//
// Value is always a dense float32 or float64 tensor. Replace it only through
// SetValue, which keeps the shape.
type Param struct {
	value  *tensor.Dense
	kind   Kind
	init   Initializer
	frozen bool
	mu     sync.RWMutex // see LockParams
}

// NewParam makes a Param of the given kind, dtype and shape, filled by init
// with a generator seeded by seed. A nil init fills zeros. A shape whose
// size overflows int or exceeds the memory limit ([MemoryLimit]) is an
// error wrapping [ErrSize], before anything is allocated.
func NewParam(kind Kind, dt tensor.Dtype, shape tensor.Shape, init Initializer, seed int64) (*Param, error) {
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, ArgErrorf("graph: NewParam: dtype must be float32 or float64, got %v", dt)
	}
	for _, d := range shape {
		if d <= 0 {
			return nil, ShapeErrorf("graph: NewParam: every dimension must be positive, got shape %s", FormatShape(shape))
		}
	}
	if err := CheckTensorSize("graph: NewParam", dt, shape); err != nil {
		return nil, err
	}
	if init == nil {
		init = Zeros()
	}
	p := &Param{kind: kind, init: init}
	p.value = tensor.New(tensor.Of(dt), tensor.WithShape(shape.Clone()...))
	if err := p.Reinit(seed); err != nil {
		return nil, err
	}
	return p, nil
}

// Value returns the Param's tensor. Changing its elements changes the model.
func (p *Param) Value() *tensor.Dense { return p.value }

// Kind tells whether p is a weight or a buffer.
func (p *Param) Kind() Kind { return p.kind }

// Shape returns a copy of the Param's shape.
func (p *Param) Shape() tensor.Shape { return p.value.Shape().Clone() }

// Dtype returns the Param's element type.
func (p *Param) Dtype() tensor.Dtype { return p.value.Dtype() }

// Size is the number of scalars in the Param.
func (p *Param) Size() int { return p.value.Shape().TotalSize() }

// Frozen reports whether the Param is excluded from training.
func (p *Param) Frozen() bool { return p.frozen }

// SetFrozen freezes (true) or unfreezes (false) the Param. A frozen weight
// gets no gradient and is not updated; a frozen BatchNorm uses its stored
// statistics even in training graphs.
func (p *Param) SetFrozen(f bool) { p.frozen = f }

// Trainable reports whether an optimiser should update p: a weight that is not frozen.
func (p *Param) Trainable() bool { return p.kind == Weight && !p.frozen }

// Initializer returns the initialiser that Reinit uses.
func (p *Param) Initializer() Initializer { return p.init }

// Reinit refills the Param from its initialiser with a generator seeded by
// seed. Like SetValue it holds the Param's write lock (see LockParams), so
// it waits for graphs that are reading the Param.
func (p *Param) Reinit(seed int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	vals := p.init(NewRand(seed), p.value.Shape().Clone())
	if len(vals) != p.Size() {
		return errors.Errorf("graph: internal error: initialiser gave %d values for shape %s", len(vals), FormatShape(p.value.Shape()))
	}
	return CopyFloat64s(p.value, vals)
}

// SetValue copies t into the Param's tensor, in place, converting between
// float32 and float64 if needed. The shapes must be equal, axis by axis
// ((1, n) does not fit (n)).
func (p *Param) SetValue(t tensor.Tensor) error {
	if !SameShape(t.Shape(), p.value.Shape()) {
		return ShapeErrorf("graph: Param.SetValue: shape must be %s, got %s", FormatShape(p.value.Shape()), FormatShape(t.Shape()))
	}
	vals, err := Float64s(t)
	if err != nil {
		return errors.Wrap(err, "graph: Param.SetValue")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return CopyFloat64s(p.value, vals)
}

// ConvertTo changes the Param's dtype to dt (float32 or float64), replacing its
// tensor. Graphs built before the change no longer see the Param.
func (p *Param) ConvertTo(dt tensor.Dtype) error {
	if dt == p.value.Dtype() {
		return nil
	}
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return ArgErrorf("graph: Param.ConvertTo: dtype must be float32 or float64, got %v", dt)
	}
	vals, err := Float64s(p.value)
	if err != nil {
		return err
	}
	nv := tensor.New(tensor.Of(dt), tensor.WithShape(p.value.Shape().Clone()...))
	if err := CopyFloat64s(nv, vals); err != nil {
		return err
	}
	p.value = nv
	return nil
}

// NamedParam is a Param with its hierarchical, PyTorch state_dict style name,
// such as "layer1.0.bn1.running_mean".
type NamedParam struct {
	Name  string
	Param *Param
}

// Prefix returns ps with prefix + "." put before every name (nothing when prefix is "").
func Prefix(prefix string, ps []NamedParam) []NamedParam {
	if prefix == "" {
		return ps
	}
	out := make([]NamedParam, len(ps))
	for i, np := range ps {
		out[i] = NamedParam{Name: prefix + "." + np.Name, Param: np.Param}
	}
	return out
}
