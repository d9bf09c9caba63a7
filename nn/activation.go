package nn

import (
	"fmt"
	"math"

	"github.com/convnet-go/convnet/graph"
	"github.com/convnet-go/convnet/ops"
	G "gorgonia.org/gorgonia"
)

// activation is an elementwise layer without parameters; output shape = input shape.
type activation struct {
	kind string
	fn   func(x *G.Node) (*G.Node, error)
}

func (a *activation) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if err := checkNotEmpty(b, a.kind, x); err != nil {
		return nil, err
	}
	return a.fn(x)
}

func (a *activation) Params() []graph.NamedParam { return nil }
func (a *activation) String() string             { return a.kind + "()" }

// ReLU is max(0, x), elementwise.
type ReLU struct{ activation }

// NewReLU returns a ReLU layer.
func NewReLU() *ReLU { return &ReLU{activation{"ReLU", ops.ReLU}} }

// Sigmoid is 1/(1+exp(-x)), elementwise. The builder records its input as
// the logits of its output (graph.Builder.SetLogits): the train package's
// losses and metrics, given the output of a model that ends in a Sigmoid,
// work on those logits, so such a model trains exactly like the same model
// without the Sigmoid.
type Sigmoid struct{ activation }

// NewSigmoid returns a Sigmoid layer.
func NewSigmoid() *Sigmoid { return &Sigmoid{activation{"Sigmoid", ops.Sigmoid}} }

// Forward applies the sigmoid and records x as the logits of the output.
func (s *Sigmoid) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	y, err := s.activation.Forward(b, x)
	if err != nil {
		return nil, err
	}
	if b != nil {
		b.SetLogits(y, x)
	}
	return y, nil
}

// Tanh is the hyperbolic tangent, elementwise.
type Tanh struct{ activation }

// NewTanh returns a Tanh layer.
func NewTanh() *Tanh { return &Tanh{activation{"Tanh", ops.Tanh}} }

// Softplus is log(1+exp(x)), elementwise.
type Softplus struct{ activation }

// NewSoftplus returns a Softplus layer.
func NewSoftplus() *Softplus { return &Softplus{activation{"Softplus", ops.Softplus}} }

// Softsign is x/(1+|x|), elementwise.
type Softsign struct{ activation }

// NewSoftsign returns a Softsign layer.
func NewSoftsign() *Softsign { return &Softsign{activation{"Softsign", ops.Softsign}} }

// LeakyReLU is x for x > 0 and alpha·x otherwise. Alpha is fixed when the
// layer is made (graphs already compiled from it could not follow a
// change); make a new layer for another slope.
type LeakyReLU struct{ alpha float64 }

// NewLeakyReLU returns a LeakyReLU layer (PyTorch's default alpha is 0.01,
// Keras's 0.3).
func NewLeakyReLU(alpha float64) *LeakyReLU { return &LeakyReLU{alpha: alpha} }

// Alpha returns the slope for x <= 0.
func (l *LeakyReLU) Alpha() float64 { return l.alpha }

// Forward applies the activation.
func (l *LeakyReLU) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if err := checkAlpha(b, "LeakyReLU", x, l.alpha); err != nil {
		return nil, err
	}
	return ops.LeakyReLU(x, l.alpha)
}

// Params returns nil: LeakyReLU has no parameters.
func (l *LeakyReLU) Params() []graph.NamedParam { return nil }

// String prints the layer with its alpha.
func (l *LeakyReLU) String() string { return fmt.Sprintf("LeakyReLU(%g)", l.alpha) }

// ELU is x for x > 0 and alpha·(exp(x)-1) otherwise. Alpha is fixed when
// the layer is made; make a new layer for another value.
type ELU struct{ alpha float64 }

// NewELU returns an ELU layer (the usual alpha is 1).
func NewELU(alpha float64) *ELU { return &ELU{alpha: alpha} }

// Alpha returns the scale of the negative part.
func (l *ELU) Alpha() float64 { return l.alpha }

// Forward applies the activation.
func (l *ELU) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if err := checkAlpha(b, "ELU", x, l.alpha); err != nil {
		return nil, err
	}
	return ops.ELU(x, l.alpha)
}

// Params returns nil: ELU has no parameters.
func (l *ELU) Params() []graph.NamedParam { return nil }

// String prints the layer with its alpha.
func (l *ELU) String() string { return fmt.Sprintf("ELU(%g)", l.alpha) }

// checkAlpha rejects a nil input and a NaN or infinite alpha.
func checkAlpha(b *graph.Builder, kind string, x *G.Node, alpha float64) error {
	if x == nil {
		return layerError(b, kind, graph.ErrArg, "input is nil")
	}
	if math.IsNaN(alpha) || math.IsInf(alpha, 0) {
		return layerError(b, kind, graph.ErrArg, "alpha must be finite, got %v", alpha)
	}
	return checkNotEmpty(b, kind, x)
}
